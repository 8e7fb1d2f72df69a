"""Browsing and searching the published question bank, and one question's page."""

import re
from collections.abc import Sequence
from typing import cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from interviewprep.http import HtmxHttpRequest
from questions.browse_cache import BrowsePage, Counted, cached_page
from questions.forms import QuestionFilterForm
from questions.models import FollowUp, Question, Topic
from questions.models.bank import Kind, Level, Role, Status
from questions.pagination import page_of

PER_PAGE = 20
EXCERPT_CHARS = 220


# Markdown punctuation; underscores only at word edges, so `merchant_id` keeps its own.
_MARKUP = re.compile(r"[*`#>|]+|(?<!\w)_+|_+(?!\w)|\$+|\[([^\]]*)\]\([^)]*\)")


def excerpt(markdown_text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a prompt as plain text, cut at a word boundary."""
    text = _MARKUP.sub(lambda m: m.group(1) or "", markdown_text.split("```")[0])
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


@require_GET
@vary_on_headers("HX-Request")
def question_list(request: HtmxHttpRequest) -> HttpResponse:
    topics = list(Topic.objects.only("slug", "name"))
    form = QuestionFilterForm(request.GET, topics=topics)
    criteria = form.criteria()
    number = request.GET.get("page")

    def compute() -> BrowsePage:
        page, page_notice = page_of(Question.objects.browse(**criteria), number, PER_PAGE)
        questions = list(page.object_list)
        for question in questions:
            question.excerpt = excerpt(question.prompt)
        notices = [page_notice] if page_notice else []
        # The cards are the same for everyone: rendered once with the page's rows (and cached
        # with them), they cost nothing on the next visit.
        cards = render_to_string("questions/question_list.html#cards", {"questions": questions})
        return BrowsePage(page.paginator.count, page.number, questions, notices, cards)

    if not settings.BANK_PAGE_CACHE:
        found = compute()
    else:  # the same for everyone until the bank changes: kept in the shared cache
        key = [
            f"{name}={getattr(value, 'slug', value)}" for name, value in sorted(criteria.items())
        ]
        found = cached_page("|".join([*key, f"page={(number or '')[:20]}"]), compute)
    counted = cast("Sequence[Question]", Counted(found.count))  # only its length is read
    page: Page[Question] = Paginator(counted, PER_PAGE).page(found.number)
    page.object_list = questions = found.questions
    filters = criteria | {"active": form.active, "notices": form.notices() + found.notices}
    context = {
        "filters": filters,
        "topics": topics,
        "levels": Level.choices,
        "kinds": Kind.choices,
        "roles": Role.choices,
        "page_obj": page,
        "questions": questions,
        "cards": found.cards,
        "count": found.count,
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
        "unpublished": question.status != Status.PUBLISHED,
        "admin_url": (
            reverse("admin:questions_question_change", args=[question.pk])
            if request.user.is_staff
            else None
        ),
        "browse_url": reverse("questions:browse"),
    }
    return render(request, "questions/question_detail.html", context)
