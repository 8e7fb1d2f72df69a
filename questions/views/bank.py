"""Browsing and searching the published question bank, and one question's page."""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from interviewprep.http import HtmxHttpRequest
from questions.browse_cache import BrowsePage, Counted, cached_page
from questions.models import FollowUp, Question, Topic
from questions.models.bank import Kind, Level, QuestionQuerySet, Role, Status

PER_PAGE = 20
EXCERPT_CHARS = 220


@dataclass
class BrowseFilters:
    """The list's GET parameters, checked: unknown values are dropped with a notice."""

    q: str = ""
    topic: Topic | None = None
    level: str = ""
    kind: str = ""
    role: str = ""
    tag: str = ""
    notices: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(
            self.q.strip() or self.topic or self.level or self.kind or self.role or self.tag
        )


TAG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def _choice(
    params: QueryDict, name: str, choices: type[Level | Kind | Role], label: str
) -> tuple[str, str | None]:
    value = params.get(name, "")
    if not value or value in choices.values:
        return value, None
    return "", f"There is no {label} “{_shown(value)}”; showing every {label}."


def _shown(value: str) -> str:
    """A user-supplied value, made short and printable for a message."""
    value = value.replace("\x00", "")
    return value if len(value) <= 40 else value[:40] + "…"


def parse_filters(params: QueryDict, topics: list[Topic]) -> BrowseFilters:
    filters = BrowseFilters(q=params.get("q", "").replace("\x00", "")[:1000])
    if tag := params.get("tag", ""):
        if TAG.fullmatch(tag):
            filters.tag = tag
        else:
            filters.notices.append(f"“{_shown(tag)}” is not a tag; showing every question.")
    if slug := params.get("topic", ""):
        filters.topic = next((t for t in topics if t.slug == slug), None)
        if filters.topic is None:
            filters.notices.append(f"There is no topic “{_shown(slug)}”; showing every topic.")
    for name, choices, label in (
        ("level", Level, "level"),
        ("kind", Kind, "kind of question"),
        ("role", Role, "role"),
    ):
        value, notice = _choice(params, name, choices, label)
        setattr(filters, name, value)
        if notice:
            filters.notices.append(notice)
    return filters


def browse_queryset(filters: BrowseFilters) -> QuestionQuerySet:
    """Published questions matching the filters, best first; the benchmark times this too."""
    return (
        Question.objects.published()
        .filter_by(topic=filters.topic, level=filters.level, kind=filters.kind, role=filters.role)
        .filter(**({"tags__contains": [filters.tag]} if filters.tag else {}))
        .search(filters.q)
        .for_list()
    )


def _page(paginator: Paginator, number: str, notices: list[str]) -> Page:
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        notices.append(f"“{_shown(number)}” is not a page number; showing the first page.")
        return paginator.page(1)
    except EmptyPage:
        last = paginator.num_pages
        if int(number) < 1:
            notices.append("Pages start at 1; showing the first page.")
            return paginator.page(1)
        notices.append(f"There are only {last} page{'s' if last != 1 else ''}; showing the last.")
        return paginator.page(last)


# Markdown punctuation; underscores only at word edges, so `merchant_id` keeps its own.
_MARKUP = re.compile(r"[*`#>|]+|(?<!\w)_+|_+(?!\w)|\$+|\[([^\]]*)\]\([^)]*\)")


def excerpt(markdown_text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a prompt as plain text, cut at a word boundary."""
    text = _MARKUP.sub(lambda m: m.group(1) or "", markdown_text.split("```")[0])
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def minutes(seconds: int) -> str:
    whole, rest = divmod(seconds, 60)
    if not whole:
        return f"{rest} s"
    return f"{whole} min" + (f" {rest} s" if rest else "")


@require_GET
@vary_on_headers("HX-Request")
def question_list(request: HtmxHttpRequest) -> HttpResponse:
    topics = list(Topic.objects.only("slug", "name"))
    filters = parse_filters(request.GET, topics)
    number = request.GET.get("page", "1") or "1"

    def compute() -> BrowsePage:
        notices: list[str] = []
        paginator = Paginator(browse_queryset(filters), PER_PAGE)
        page = _page(paginator, number, notices)
        questions = list(page.object_list)
        for question in questions:
            question.excerpt = excerpt(question.prompt)  # type: ignore[attr-defined]
        return BrowsePage(paginator.count, page.number, questions, notices)

    if filters.q.strip() or not settings.BANK_PAGE_CACHE:
        found = compute()
    else:  # the same for everyone until the bank changes: kept in the shared cache
        key = "|".join(
            [filters.topic.slug if filters.topic else "", filters.level, filters.kind]
            + [filters.role, filters.tag, number[:20]]
        )
        found = cached_page(key, compute)
    filters.notices += found.notices
    page = Paginator(Counted(found.count), PER_PAGE, allow_empty_first_page=True).page(found.number)
    page.object_list = questions = found.questions
    count = found.count
    context = {
        "filters": filters,
        "topics": topics,
        "levels": Level.choices,
        "kinds": Kind.choices,
        "roles": Role.choices,
        "page_obj": page,
        "questions": questions,
        "count": count,
        # An htmx swap updates the live region outside the results out of band.
        "count_out_of_band": request.htmx,
        "browse_url": reverse("questions:browse"),
    }
    template = "questions/question_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _get_question_for_user(request: HtmxHttpRequest, slug: str) -> Question:
    """A published question; staff also reach drafts and retired ones. 404 otherwise."""
    questions = Question.objects.select_related("topic").defer("search")
    if not request.user.is_staff:
        questions = questions.published()
    follow_ups = Prefetch("follow_ups", queryset=FollowUp.objects.order_by("position"))
    question = questions.filter(slug=slug).prefetch_related(follow_ups).first()
    if question is None:
        raise Http404("No such question.")
    return question


@require_GET
def question_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    question = _get_question_for_user(request, slug)
    context = {
        "question": question,
        "follow_ups": question.follow_up_roots,
        "suggested_time": minutes(question.seconds),
        "unpublished": question.status != Status.PUBLISHED,
        "admin_url": (
            reverse("admin:questions_question_change", args=[question.pk])
            if request.user.is_staff
            else None
        ),
        "browse_url": reverse("questions:browse"),
    }
    return render(request, "questions/question_detail.html", context)
