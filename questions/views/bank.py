"""Browsing and searching the published question bank, and one question's page."""

import re

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from interviewprep.http import HtmxHttpRequest
from questions.browse_cache import browse_key, cached_fragment
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
    # Everything below the navigation (the filters, the count, the results and the pages) comes
    # from the query string and the bank alone, the same for every visitor: rendered once and,
    # with the shared cache, kept until the bank changes (questions/browse_cache.py).
    partial = "results" if request.htmx else "main"

    def compute() -> str:
        return _render_results(request, partial)

    if settings.BANK_PAGE_CACHE:
        html = cached_fragment(browse_key(request.GET, partial), compute)
    else:
        html = compute()
    if request.htmx:
        return HttpResponse(html)
    return render(request, "questions/question_list.html", {"main": mark_safe(html)})  # noqa: S308


def _render_results(request: HtmxHttpRequest, partial: str) -> str:
    topics = list(Topic.objects.only("slug", "name"))
    form = QuestionFilterForm(request.GET, topics=topics)
    criteria = form.criteria()
    page, page_notice = page_of(
        Question.objects.browse(**criteria), request.GET.get("page"), PER_PAGE
    )
    questions = list(page.object_list)
    for question in questions:
        question.excerpt = excerpt(question.prompt)
    notices = form.notices() + ([page_notice] if page_notice else [])
    context = {
        "filters": criteria | {"active": form.active, "notices": notices},
        "topics": topics,
        "levels": Level.choices,
        "kinds": Kind.choices,
        "roles": Role.choices,
        "page_obj": page,
        "questions": questions,
        "count": page.paginator.count,
        # An htmx swap updates the live region outside the results out of band.
        "count_out_of_band": partial == "results",
        "browse_url": reverse("questions:browse"),
    }
    # With the request: the pages' links keep the other query parameters ({% querystring %}).
    return render_to_string(f"questions/question_list.html#{partial}", context, request=request)


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
