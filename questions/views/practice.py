"""Timed mock interviews: start, answer (with autosave), reveal, grade, follow-ups, summary.

Every view finds the session through `_get_session_for_user`, so another user's session or
attempt is a 404. Time comes from the server only (`timezone.now()`), never from the request.
"""

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest, go_to
from interviewprep.throttling import too_many_requests
from interviewprep.url_tag import cached_reverse
from questions import intervals, navigator, services
from questions.abandon import ABANDONED, abandon_session
from questions.estimates import Estimate, estimate
from questions.forms import GradeForm, StartSessionForm
from questions.login_sessions import signed_in_user_id
from questions.models import Attempt, PracticeSession, Question, Topic
from questions.models.practice import (
    MAX_ANSWER_LENGTH,
    AttemptState,
    Clock,
    current_attempt_with_session,
)
from questions.suggest import records as suggestions
from questions.summaries import is_missed, outcome, summarise, was_asked
from questions.templatetags.timefmt import format_clock

GRADE_HELP = (
    "Again: you could not answer or got it wrong. Hard: you recalled it, with real effort or gaps. "
    "Good: you answered it properly. Easy: you answered it fully, without hesitation."
)
SAVE_MESSAGES = {
    "saved": "Saved",
    "conflict": "This answer was changed in another tab: choose which text to keep.",
    "closed": "This answer is already closed; your text is still on this page.",
    "late": "Time was up: this text was kept as a late draft and does not count as on time.",
    "limited": "Saving paused for a moment; your text is kept and will be saved.",
}


def _get_session_for_user(request: AuthenticatedHttpRequest, session_id: int) -> PracticeSession:
    return get_object_or_404(PracticeSession.objects.for_user(request.user), pk=session_id)


def _get_own_attempt(request: HtmxHttpRequest, session_id: int, attempt_id: int) -> Attempt:
    """For the autosave's refusals, which answer before the statement that checks ownership."""
    return get_object_or_404(
        Attempt, pk=attempt_id, session_id=session_id, session__owner_id=request.user.pk
    )


def _get_session_and_attempt(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> tuple[PracticeSession, Attempt]:
    """The user's session and one of its attempts; anyone else's (or a mismatch) is a 404."""
    session = _get_session_for_user(request, session_id)
    return session, get_object_or_404(Attempt, pk=attempt_id, session=session)


def _after_post(request: HtmxHttpRequest, session: PracticeSession) -> HttpResponse:
    """htmx swaps in the next stage or moves to the summary; a plain form post redirects."""
    session.refresh_from_db(fields=["status"])  # the service may have just finished it
    if not session.is_open:
        url = reverse("questions:session_summary", args=[session.pk])
        return go_to(request, url)
    if request.htmx:
        return _render_session(request, session)
    return redirect(session)


def _refuse(
    request: HtmxHttpRequest, session: PracticeSession, message: str, status: int = 422
) -> HttpResponse:
    """A step that cannot be applied: htmx gets the stage back with the reason (422 bad input,
    409 no longer possible), which the page swaps in; a plain form, a redirect."""
    if request.htmx:
        return _render_session(request, session, error=message, status=status)
    messages.error(request, message)
    return redirect(session)


def _refuse_for_navigator(request: HtmxHttpRequest, session: PracticeSession) -> HttpResponse:
    """A linear step (submit, skip) asked of a question the navigator is in charge of."""
    messages.error(request, navigator.LOCKED_TOGETHER)
    return go_to(request, reverse("questions:navigator_review", args=[session.pk]))


def _parse_revision(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 <= value < 2**31 else None


# Starting -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StartSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        questions = services.choose_questions(
            topics=data["topics"],
            levels=data["levels"],
            kinds=data["kinds"],
            roles=data["roles"],
            count=data["count"],
        )
        if questions:
            count = len(questions)
            session = services.start_session(
                user=request.user,
                questions=questions,
                clock=data["clock"],
                minutes=data["minutes"],
                now=timezone.now(),
                title=_title_from_topics(questions, all_topics=not data["topics"]),
                filters={k: data[k] for k in ("topics", "levels", "kinds", "roles", "count")},
                with_follow_ups=data["follow_ups"],
                mode=data["mode"],
                navigator=data["navigator"],
            )
            if count < data["count"]:
                messages.info(request, f"Only {count} questions match these filters.")
            return redirect(session)
        form.add_error(None, "No published questions match these filters. Tick fewer of them.")
    open_sessions = PracticeSession.objects.for_user(request.user).in_progress()[:5]
    return render(
        request,
        "questions/session_start.html",
        {"form": form, "open_sessions": open_sessions, "estimate": _estimate_for(form)},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def practise_question(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Start a one-question session (with its follow-ups) from the question's page."""
    question = get_object_or_404(Question.objects.published(), slug=slug)
    session = services.start_session(
        user=request.user,
        questions=[question],
        clock=Clock.SUGGESTED,
        minutes=None,
        now=timezone.now(),
        title=f"Practice: {question.title}"[:200],
        filters={"question": question.slug},
    )
    return redirect(session)


# The session page -----------------------------------------------------------------------------


def clock_context(
    session: PracticeSession, current: Attempt | None, now: datetime
) -> dict[str, Any]:
    """The clock the page shows, always labelled as the question's or the session's."""
    if session.timed_as_a_whole:
        seconds_left = session.seconds_left(now)
        return {
            "scope": "session",
            "label": "Session time",
            "seconds_left": seconds_left,
            "display": f"{seconds_left // 60}:{seconds_left % 60:02d}",
            "deadline": None if session.paused_at else session.deadline,
            "paused": session.paused_at is not None,
        }
    if current and current.state == AttemptState.ACTIVE and current.deadline is not None:
        return {
            "scope": "question",
            "label": "Question time",
            "seconds_left": current.seconds_left(now),
            "deadline": current.deadline,
            "paused": False,
        }
    return {}


def stage_urls(
    session: PracticeSession, current: Attempt | None, undoable: Attempt | None
) -> dict[str, str]:
    """The URLs the session page's forms and scripts post to, each reversed once per process."""
    urls = {
        name: cached_reverse(f"questions:session_{name}", session.pk)
        for name in ("finish", "summary")
    }
    urls["session"] = cached_reverse("questions:session", session.pk)
    urls["csrf_token"] = cached_reverse("questions:csrf_token")
    if current is not None:
        for name in ("submit", "save", "state", "skip", "grade"):
            urls[name] = cached_reverse(f"questions:attempt_{name}", session.pk, current.pk)
    if undoable is not None:
        urls["undo"] = cached_reverse("questions:attempt_undo", session.pk, undoable.pk)
    return urls


def _render_session(
    request: HtmxHttpRequest,
    session: PracticeSession,
    *,
    current: Attempt | None = None,
    error: str = "",
    notice: str = "",
    conflict: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    if current is None:
        current = session.attempts.current().first()
    if current and current.state == AttemptState.ACTIVE and current.is_past_deadline(now):
        services.close_overdue(session=session, now=now)
        current = session.attempts.current().first()
    undoable = services.undoable_grade(session, current)
    context: dict[str, Any] = {
        "session": session,
        "current": current,
        "main_total": session.question_count,
        "follow_up_total": current.follow_up_count if current else 0,
        "clock": clock_context(session, current, now),
        "base_revision": current.revision if current else 0,
        "writer": secrets.token_urlsafe(12),
        "max_answer_length": MAX_ANSWER_LENGTH,
        "grade_options": (
            intervals.grade_options(owner_id=session.owner_id, attempt=current, now=now)
            if current and current.state == AttemptState.SUBMITTED
            else []
        ),
        "grade_help": GRADE_HELP,
        "grace_seconds": settings.PRACTICE_GRACE_SECONDS,
        "undoable": undoable,
        "urls": stage_urls(session, current, undoable),
        "suggestions": suggestions.for_reveal(current),
        "error": error,
        "notice": notice,
        "conflict": conflict,
    }
    template = "questions/session_detail.html"
    if request.htmx:
        template += "#stage"
    return render(request, template, context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def session_detail(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    # One query for the session and its current attempt together, compiled once: this page is hot.
    current = current_attempt_with_session.first(session_id, request.user.pk)
    session = current.session if current else _get_session_for_user(request, session_id)
    now = timezone.now()
    if session.is_open and session.is_past_deadline(now):
        services.close_overdue(session=session, now=now)
    if not session.is_open:
        url = reverse("questions:session_summary", args=[session.pk])
        return go_to(request, url)
    if navigator.is_answering(session, current):
        return go_to(request, reverse("questions:navigator_question", args=[session.pk, 1]))
    return _render_session(request, session, current=current)


# Answering ------------------------------------------------------------------------------------


def answer_fields(request: HtmxHttpRequest) -> tuple[str, int | None, str]:
    """The answer, the revision it was based on, and the page (tab) that wrote it."""
    writer = request.POST.get("writer", "")[:40]
    # Browsers send a textarea's line breaks as CRLF and show them as LF: store what they show,
    # so the page can compare its text with the server's exactly.
    text = request.POST.get("answer", "").replace("\r\n", "\n").replace("\r", "\n")
    return text, _parse_revision(request.POST.get("base")), writer


def save_json(request: HtmxHttpRequest, result: services.SaveResult) -> HttpResponse:
    body: dict[str, Any] = {
        "status": result.outcome,
        "revision": result.revision,
        "seconds_left": result.seconds_left,
        "saved_at": result.saved_at.isoformat() if result.saved_at else None,
        "saved_at_display": clock_time(result.saved_at),
        "message": SAVE_MESSAGES[result.outcome],
    }
    if result.outcome == "conflict":
        body |= {"text": result.text, "length": len(result.text)}
    if result.outcome == "limited":
        return too_many_requests(request, result.retry_after, SAVE_MESSAGES["limited"])
    return JsonResponse(body, status=200 if result.outcome == "saved" else 409)


def wants_json(request: HtmxHttpRequest) -> bool:
    """An autosave from the page's script (JSON answers), not a plain form post."""
    return "application/json" in request.META.get("HTTP_ACCEPT", "")  # not .headers: hot path


def save_logged_out(request: HtmxHttpRequest, next_url: str) -> HttpResponse:
    """A save from a browser whose login expired: 401 for the script (which keeps the text and
    asks to log in again), the login page coming back to `next_url` for a plain form."""
    if not wants_json(request):
        return redirect(f"{reverse('login')}?next={next_url}")
    return JsonResponse(
        {"status": "login", "message": "You were logged out. Log in again to keep saving."},
        status=401,
    )


def save_refused(request: HtmxHttpRequest, message: str, back_url: str) -> HttpResponse:
    """A save refused as bad input: 422 for the script, the message on the page at `back_url`
    for a plain form."""
    if wants_json(request):
        return JsonResponse({"status": "invalid", "message": message}, status=422)
    messages.error(request, message)
    return redirect(back_url)


def clock_time(at: datetime | None) -> str:
    """A save's time as every page prints it: the person's zone and 12/24-hour clock."""
    return format_clock(at, seconds=True) if at else ""


def session_path(session_id: int) -> str:
    return reverse("questions:session", args=[session_id])


@require_POST
@never_cache
def attempt_save(request: HtmxHttpRequest, session_id: int, attempt_id: int) -> HttpResponse:
    """Autosave, a compare-and-swap on the answer's revision (see `services.save_answer`).

    Answers 200 saved (with the new revision), 409 conflict (with the server's revision and text)
    or closed/late, 422 invalid, 401 logged out. A plain form post (no JavaScript) is redirected
    back to the session with a message, or shown the conflict to resolve.
    """
    # The hottest endpoint: the owner's id comes from the session; the user row is not read.
    owner_id = signed_in_user_id(request)
    if owner_id is None:
        return save_logged_out(request, session_path(session_id))
    text, base, writer = answer_fields(request)
    if base is None:
        _get_own_attempt(request, session_id, attempt_id)
        message = "The revision this text is based on is missing: reload the page."
        return save_refused(request, message, session_path(session_id))
    now = timezone.now()
    try:
        result = services.save_answer(
            session_id=session_id,
            attempt_id=attempt_id,
            owner_id=owner_id,
            text=text,
            base=base,
            writer=writer,
            now=now,
        )
    except services.InvalidAnswer as invalid:
        _get_own_attempt(request, session_id, attempt_id)
        return save_refused(request, str(invalid), session_path(session_id))
    if result is None:
        raise Http404("No such attempt.")
    if wants_json(request):
        return save_json(request, result)
    if result.outcome == "conflict":
        session = _get_session_for_user(request, session_id)  # type: ignore[arg-type]
        return _render_session(
            request, session, conflict=conflict_context(text, result.text, result), status=409
        )
    if result.outcome == "limited":
        return too_many_requests(request, result.retry_after, SAVE_MESSAGES["limited"])
    if result.outcome == "saved":
        messages.success(request, "Draft saved.")
    else:
        messages.warning(request, SAVE_MESSAGES[result.outcome])
    return redirect("questions:session", session_id=session_id)


def conflict_context(
    mine: str, theirs: str, current: services.SaveResult | Attempt
) -> dict[str, Any]:
    return {
        "mine": mine,
        "theirs": theirs,
        "revision": current.revision,
        "saved_at": current.saved_at,
    }


@login_required
@require_GET
@never_cache
def attempt_state(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> JsonResponse:
    """What the server holds for an answer, for a page to reconcile with what it shows (after
    Back, on focus, on a second tab). htmx and fetch get 401 when logged out (middleware)."""
    session, attempt = _get_session_and_attempt(request, session_id, attempt_id)
    now = timezone.now()
    if session.is_open and session.is_past_deadline(now):
        services.close_overdue(session=session, now=now)
        attempt.refresh_from_db()
    attempt.session = session
    return JsonResponse(
        {
            "state": attempt.state,
            "writable": attempt.is_writable(now),
            "session_open": session.is_open,
            "revision": attempt.revision,
            "text": attempt.answer,
            "saved_at": attempt.saved_at.isoformat() if attempt.saved_at else None,
            "saved_at_display": clock_time(attempt.saved_at),
        }
    )


@require_GET
@never_cache
def csrf_token(request: HtmxHttpRequest) -> JsonResponse:
    """A fresh CSRF token for a page whose token rotated when its user logged in again.

    Like autosave, it answers 401 rather than redirecting when the login has expired.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"status": "login"}, status=401)
    return JsonResponse({"token": get_token(request)})


@login_required
@require_POST
def attempt_submit(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    session, attempt = _get_session_and_attempt(request, session_id, attempt_id)
    if navigator.is_answering(session, attempt):
        return _refuse_for_navigator(request, session)
    text, base, writer = answer_fields(request)
    try:
        result = services.submit_attempt(
            session=session,
            attempt_id=attempt.pk,
            now=timezone.now(),
            text=text if "answer" in request.POST else None,
            base=base,
            writer=writer,
            peeked=request.POST.get("action") == "peek",
            time_up=request.POST.get("time_up") == "1",
        )
    except services.InvalidAnswer as invalid:
        return _refuse(request, session, str(invalid))
    if result.outcome == "conflict" and result.attempt is not None:
        return _render_session(
            request,
            session,
            conflict=conflict_context(text, result.attempt.answer, result.attempt),
            status=409,
        )
    if result.outcome == "late":
        messages.warning(request, SAVE_MESSAGES["late"])
    return _after_post(request, session)


@login_required
@require_POST
def attempt_grade(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    session, attempt = _get_session_and_attempt(request, session_id, attempt_id)
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, session, "Choose a grade: Again, Hard, Good or Easy.")
    suggestions.grade_with_suggestions(
        session=session,
        attempt_id=attempt.pk,
        grade=form.cleaned_data["grade"],
        ticked=form.ticked(),
        flagged=form.flagged(),
        now=timezone.now(),
    )
    return _after_post(request, session)


@login_required
@require_POST
def attempt_undo(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    """Take back the grade of the question just graded, while the next one is untouched."""
    session, attempt = _get_session_and_attempt(request, session_id, attempt_id)
    if not services.undo_grade(session=session, attempt_id=attempt.pk, now=timezone.now()):
        return _refuse(
            request,
            session,
            "That grade can no longer be undone: the next question has been started on.",
            status=409,
        )
    return _after_post(request, session)


@login_required
@require_POST
def attempt_skip(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    session, attempt = _get_session_and_attempt(request, session_id, attempt_id)
    if navigator.is_answering(session, attempt):
        return _refuse_for_navigator(request, session)
    now = timezone.now()
    if request.POST.get("scope") == "follow-ups" and attempt.sub > 0:
        services.skip_follow_ups(session=session, position=attempt.position, now=now)
    else:
        services.skip_attempt(session=session, attempt_id=attempt.pk, now=now)
    return _after_post(request, session)


@login_required
@require_POST
def session_finish(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    services.finish_session(session=session, now=timezone.now())
    url = reverse("questions:session_summary", args=[session.pk])
    return go_to(request, url)


# The summary ----------------------------------------------------------------------------------


@login_required
@require_GET
def session_summary(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    now = timezone.now()
    if session.is_open:
        services.close_overdue(session=session, now=now)
        session.refresh_from_db()
    attempts = list(session.attempts.all())
    for attempt in attempts:
        attempt.outcome = outcome(attempt)  # type: ignore[attr-defined]
        attempt.was_asked = was_asked(attempt)  # type: ignore[attr-defined]
    not_reached = [
        a for a in attempts if a.state == AttemptState.PENDING and a.sub == 0 and a.question_id
    ]
    return render(
        request,
        "questions/session_summary.html",
        {
            "session": session,
            "attempts": attempts,
            "summary": summarise(attempts),
            "status_label": _status_label(session),
            "not_reached": not_reached,
            "now": now,
        },
    )


@login_required
@require_POST
def practise_not_reached(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Start a session with the questions a finished session's clock never reached."""
    session = _get_session_for_user(request, session_id)
    pending = session.attempts.filter(
        state=AttemptState.PENDING, sub=0, question__status=Question.Status.PUBLISHED
    ).order_by("position")
    questions = [attempt.question for attempt in pending.select_related("question")]
    if session.is_open or not questions:
        messages.info(request, "There are no questions left from this session to practise.")
        return redirect("questions:session_summary", session_id=session.pk)
    count = len(questions)
    started = services.start_session(
        user=request.user,
        questions=questions,  # type: ignore[arg-type]
        clock=Clock.SUGGESTED,
        minutes=None,
        now=timezone.now(),
        title=f"Not reached in “{session.title}”: {count} question{'s' if count != 1 else ''}"[
            :200
        ],
        filters={"not_reached_in": session.pk},
    )
    return redirect(started)


def _status_label(session: PracticeSession) -> str:
    if session.status == PracticeSession.Status.EXPIRED:
        return "Closed when its time ran out"
    if session.status == ABANDONED:
        return "Abandoned"
    return session.get_status_display()


# Titles and estimates for the start page ------------------------------------------------------


def _title_from_topics(questions: list[Question], *, all_topics: bool) -> str:
    """A session's name from the topics of its questions: "Deep learning and MLOps", not a count."""
    names = list(
        Topic.objects.filter(pk__in={q.topic_id for q in questions})
        .order_by("position", "name")
        .values_list("name", flat=True)
    )
    if len(names) == 1:
        title = names[0]
    elif len(names) == 2:
        title = f"{names[0]} and {names[1]}"
    elif all_topics:
        title = f"Mixed topics: {names[0]}, {names[1]} and {len(names) - 2} more"
    else:
        title = f"{names[0]}, {names[1]} and {len(names) - 2} more topics"
    return title[:200]


def _estimate_for(form: StartSessionForm) -> Estimate:
    """The estimate for the form's valid values; a field with a problem counts as its default."""
    form.is_valid()
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    clock = data.get("clock") or form.fields["clock"].initial
    return estimate(
        topics=data.get("topics") or [],
        levels=data.get("levels") or [],
        kinds=data.get("kinds") or [],
        roles=data.get("roles") or [],
        count=data.get("count") or form.fields["count"].initial,
        clock=clock,
        minutes=data.get("minutes"),
        with_follow_ups=bool(data.get("follow_ups")) if form.is_bound else True,
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def session_estimate(request: HtmxHttpRequest) -> HttpResponse:
    """How many questions the start form's filters match and how long it would take (htmx)."""
    if not request.htmx:
        return redirect("questions:session_start")
    form = StartSessionForm(request.GET)
    return render(
        request, "questions/session_start.html#estimate", {"estimate": _estimate_for(form)}
    )


# Abandoning -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_abandon(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Ask, then abandon an in-progress session: it stays in history, its grades leave review."""
    session = _get_session_for_user(request, session_id)
    if not session.is_open:
        messages.info(request, "This session is already closed.")
        return redirect("questions:session_summary", session_id=session.pk)
    if request.method == "POST":
        if abandon_session(session=session, now=timezone.now()):
            messages.success(request, f"“{session.title}” was abandoned.")
        url = reverse("questions:session_start")
        return go_to(request, url)
    graded = session.attempts.filter(grade__isnull=False).count()
    return render(request, "questions/session_abandon.html", {"session": session, "graded": graded})


# Next steps from a summary --------------------------------------------------------------------

RETRY_SUFFIXES = (" (retry)", " (missed questions)")


@login_required
@require_POST
def session_retry(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Start a new session on the same questions ("retry this set") or on the missed ones."""
    session = _get_session_for_user(request, session_id)
    missed_only = request.POST.get("which") == "missed"
    mains = [a for a in session.attempts.filter(sub=0) if not missed_only or is_missed(a)]
    in_bank = Question.objects.published().in_bulk([a.question_id for a in mains if a.question_id])
    chosen = [a for a in mains if a.question_id in in_bank]
    if not chosen:
        messages.error(request, "None of these questions is in the bank any more.")
        return redirect("questions:session_summary", session_id=session.pk)
    base = session.title
    for suffix in RETRY_SUFFIXES:
        base = base.removesuffix(suffix)
    kit_timed = session.source == PracticeSession.Source.KIT
    retry = services.start_session(
        user=request.user,
        questions=[in_bank[a.question_id] for a in chosen],
        clock=session.clock,
        minutes=session.minutes,
        now=timezone.now(),
        title=(base[:180] + RETRY_SUFFIXES[1 if missed_only else 0]),
        filters={"retry_of": session.pk, "missed_only": missed_only},
        with_follow_ups=any(a.follow_up_count for a in chosen),
        allowed_seconds=[a.allowed_seconds for a in chosen] if kit_timed else None,
        navigator=session.navigator,
    )
    return redirect(retry)
