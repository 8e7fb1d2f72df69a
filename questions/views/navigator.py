"""The question navigator's pages: a question with the list of all of them, and the review
before finishing (see questions.navigator).

Every button on a question's page submits its answer form, so moving, flagging and going to the
review first save the text through the autosave's compare-and-swap (`services.save_answer`):
nothing typed is left behind, and text based on an old revision is shown beside the saved one
instead of overwriting it. Without JavaScript the form posts and redirects; with htmx the stage
is swapped in place and the address follows. Another person's session is a 404.
"""

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest, go_to
from interviewprep.throttling import rate_limit, too_many_requests
from questions import navigator, services
from questions.models import Attempt, PracticeSession
from questions.models.practice import MAX_ANSWER_LENGTH, grace
from questions.views.practice import SAVE_MESSAGES, answer_fields, clock_context, conflict_context

# The buttons of a question's form; a question number (`goto`) moves to that question.
ACTIONS = ("stay", "next", "review", "flag", "unflag")


def _get_navigator_session(request: AuthenticatedHttpRequest, session_id: int) -> PracticeSession:
    """The user's own session with the navigator; a 404 for anyone else's or a linear one."""
    return get_object_or_404(
        PracticeSession.objects.for_user(request.user), pk=session_id, navigator=True
    )


def _question_url(session: PracticeSession, number: int) -> str:
    return reverse("questions:navigator_question", args=[session.pk, number])


def _review_url(session: PracticeSession) -> str:
    return reverse("questions:navigator_review", args=[session.pk])


def _closed(session: PracticeSession, now: datetime) -> bool:
    """Apply the clock; True when the answering is over (closed, or answers locked)."""
    if session.is_open and session.is_past_deadline(now):
        services.close_overdue(session=session, now=now)
    return not session.is_open


def _after_answering(request: HtmxHttpRequest, session: PracticeSession) -> HttpResponse:
    """The answers are locked: on to grading, or to the summary if the session closed."""
    if session.is_open:
        return go_to(request, session.get_absolute_url())
    return go_to(request, reverse("questions:session_summary", args=[session.pk]))


def _render_question(
    request: HtmxHttpRequest,
    session: PracticeSession,
    current: Attempt,
    *,
    now: datetime,
    error: str = "",
    conflict: dict[str, Any] | None = None,
    unsaved: str | None = None,
    status: int = 200,
) -> HttpResponse:
    listed = navigator.items(session)
    context = {
        "session": session,
        "current": current,
        "items": listed,
        "total": len(listed),
        "is_last": current.position >= len(listed),
        "clock": clock_context(session, current, now),
        "question_url": _question_url(session, current.position),
        "keep_saved_url": _question_url(session, current.position),  # the conflict's way out
        "base_revision": current.revision,
        "writer": secrets.token_urlsafe(12),
        "max_answer_length": MAX_ANSWER_LENGTH,
        "grace_seconds": settings.PRACTICE_GRACE_SECONDS,
        "error": error,
        "conflict": conflict,
        "unsaved": unsaved,
    }
    template = "questions/navigator_question.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#stage"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("navigator", message="Too many moves at once. Your text is kept; wait a moment.")
@vary_on_headers("HX-Request")
@never_cache
def navigator_question(
    request: AuthenticatedHttpRequest, session_id: int, number: int
) -> HttpResponse:
    """One question with the list of all of them. POST saves its answer, then does what the
    button says: confirm and go to the next, go to another question, flag, or review."""
    session = _get_navigator_session(request, session_id)
    now = timezone.now()
    if request.method == "GET" and _closed(session, now):
        return _after_answering(request, session)
    current = navigator.question(session, number)
    if current is None:
        return _render_review(
            request,
            session,
            error=f"This session has no question {number}: choose one from the list.",
            status=404,
        )
    current.session = session
    if request.method == "POST":
        return _post_question(request, session, current, now)
    if not navigator.is_answering(session, current):
        return _after_answering(request, session)
    return _render_question(request, session, current, now=now)


def _target(request: HtmxHttpRequest, current: Attempt, total: int) -> tuple[str, int] | None:
    """What the button asks for: (action, question number), or None for a bad value."""
    goto = request.POST.get("goto")
    if goto is not None:
        try:
            number = int(goto)
        except ValueError:
            return None
        return ("goto", number) if 0 < number <= total else None
    action = request.POST.get("action") or "stay"
    if action not in ACTIONS:
        return None
    following = current.position + 1
    return (action, following if action == "next" and following <= total else current.position)


def _save(
    request: AuthenticatedHttpRequest,
    session: PracticeSession,
    current: Attempt,
    text: str,
    base: int,
    writer: str,
    now: datetime,
) -> services.SaveResult:
    result = services.save_answer(
        session_id=session.pk,
        attempt_id=current.pk,
        owner_id=request.user.pk,
        text=text,
        base=base,
        writer=writer,
        now=now,
    )
    if result is None:
        raise Http404("No such question.")
    return result


def _post_question(
    request: AuthenticatedHttpRequest, session: PracticeSession, current: Attempt, now: datetime
) -> HttpResponse:
    number = current.position
    text, base, writer = answer_fields(request)
    changed = "answer" in request.POST and text != current.answer
    time_up = request.POST.get("time_up") == "1"
    target = _target(request, current, session.question_count)
    if target is None or (changed and base is None):
        message = (
            f"Choose a question from 1 to {session.question_count}."
            if target is None
            else "The revision this text is based on is missing: reload the page."
        )
        return _render_question(
            request, session, current, now=now, error=message, unsaved=text, status=422
        )
    action, destination = target

    revision = current.revision
    if changed:
        try:
            result = _save(request, session, current, text, base or 0, writer, now)
        except services.InvalidAnswer as invalid:
            return _render_question(
                request, session, current, now=now, error=str(invalid), unsaved=text, status=422
            )
        if result.outcome == "limited":
            return too_many_requests(request, result.retry_after, SAVE_MESSAGES["limited"])
        if result.outcome == "conflict" and time_up:
            navigator.keep_late_draft(attempt=current, text=text, now=now)
        elif result.outcome == "conflict":
            current.refresh_from_db()
            conflict = conflict_context(text, result.text, result)
            return _render_question(
                request, session, current, now=now, conflict=conflict, status=409
            )
        elif result.outcome == "closed" and session.is_open and not session.is_past_deadline(now):
            # The answers were locked in another tab, before the clock ran out: this text
            # was not saved, so it stays on screen for the candidate to copy.
            return _render_review(
                request, session, error=SAVE_MESSAGES["closed"], unsaved=text, status=409
            )
        elif result.outcome != "saved":  # "late": kept as a late draft, the session closed
            messages.warning(request, SAVE_MESSAGES[result.outcome])
        else:
            revision = result.revision
    session.refresh_from_db(fields=["status", "paused_at", "deadline", "finished_at"])
    if _closed(session, now) or not navigator.is_answering(session, current):
        return _after_answering(request, session)
    if time_up and now >= session.deadline - grace():  # the page's zero, give or take the network
        services.finish_session(session=session, now=now, status=PracticeSession.Status.EXPIRED)
        messages.info(request, "The session's time is up: your answers as last saved count.")
        return _after_answering(request, session)

    if action == "next":
        navigator.confirm_answer(session=session, number=number, revision=revision, now=now)
    elif action in ("flag", "unflag"):
        navigator.set_flag(session=session, number=number, flagged=action == "flag", now=now)
    if action == "review" or (action == "next" and destination == number):
        url = _review_url(session)
        if request.htmx:
            return push_url(_render_review(request, session, partial=True), url)
        return redirect(url)
    url = _question_url(session, destination)
    if not request.htmx:
        return redirect(url)
    following = navigator.question(session, destination)
    assert following is not None  # the number was checked against the session's count
    following.session = session
    return push_url(_render_question(request, session, following, now=now), url)


def _render_review(
    request: HtmxHttpRequest,
    session: PracticeSession,
    *,
    error: str = "",
    unsaved: str | None = None,
    status: int = 200,
    partial: bool = False,
) -> HttpResponse:
    listed = navigator.items(session)
    context = {
        "session": session,
        "items": listed,
        "total": len(listed),
        "unanswered": [item for item in listed if item.unanswered],
        "flagged": [item for item in listed if item.flagged],
        "clock": clock_context(session, None, timezone.now()),
        "grace_seconds": settings.PRACTICE_GRACE_SECONDS,
        "error": error,
        "unsaved": unsaved,
    }
    template = "questions/navigator_review.html"
    if partial or (request.htmx and not request.htmx.history_restore_request):
        template += "#stage"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
@never_cache
def navigator_review(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Review before finishing: what is unanswered or flagged, with a way back to each."""
    session = _get_navigator_session(request, session_id)
    if _closed(session, timezone.now()):
        return _after_answering(request, session)
    if not session.attempts.filter(state=Attempt.State.ACTIVE).exists():
        return _after_answering(request, session)  # answers already locked: on to grading
    return _render_review(request, session)


@login_required
@require_POST
def navigator_finish(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Lock every answer as last saved; replays and double clicks change nothing more."""
    session = _get_navigator_session(request, session_id)
    navigator.finish_answering(session=session, now=timezone.now())
    session.refresh_from_db(fields=["status", "paused_at", "deadline"])
    return _after_answering(request, session)
