"""Timed mock interviews: start, answer (with autosave), reveal, grade, follow-ups, summary.

Every view finds the session through `_get_session_for_user`, so another user's session or
attempt is a 404. Time comes from the server only (`timezone.now()`), never from the request.
"""

from typing import Any

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
from django_htmx.http import HttpResponseClientRedirect

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest
from questions import services
from questions.abandon import ABANDONED, abandon_session
from questions.estimates import Estimate, estimate
from questions.forms import GradeForm, StartSessionForm
from questions.models import Attempt, PracticeSession, Question, Topic
from questions.models.practice import MAX_ANSWER_LENGTH, AttemptState, Clock, Grade, grace
from questions.summaries import is_missed, outcome, summarise, was_asked

GRADE_HELP = (
    "Again: you could not answer or got it wrong. Hard: you recalled it, with real effort or gaps. "
    "Good: you answered it properly. Easy: you answered it fully, without hesitation."
)
SAVE_MESSAGES = {
    "saved": "Saved",
    "stale": "A newer version of this answer was saved in another tab.",
    "closed": "This answer is already closed; your text is still on this page.",
    "late": "Time was up: this text was kept as a late draft and does not count as on time.",
}


def _get_session_for_user(request: AuthenticatedHttpRequest, session_id: int) -> PracticeSession:
    return get_object_or_404(PracticeSession.objects.for_user(request.user), pk=session_id)


def _get_attempt(session: PracticeSession, attempt_id: int) -> Attempt:
    return get_object_or_404(Attempt, pk=attempt_id, session=session)


def _after_post(request: HtmxHttpRequest, session: PracticeSession) -> HttpResponse:
    """htmx swaps in the next stage or moves to the summary; a plain form post redirects."""
    session.refresh_from_db(fields=["status"])  # the service may have just finished it
    if not session.is_open:
        url = reverse("questions:session_summary", args=[session.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return _render_session(request, session)
    return redirect(session)


def _refuse(request: HtmxHttpRequest, session: PracticeSession, message: str) -> HttpResponse:
    """Bad input on a step: htmx gets the stage back with a message (422); a form, a redirect."""
    if request.htmx:
        return _render_session(request, session, error=message, status=422)
    messages.error(request, message)
    return redirect(session)


def _parse_revision(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


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
        status=400 if form.errors else 200,
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


def _render_session(
    request: HtmxHttpRequest,
    session: PracticeSession,
    *,
    current: Attempt | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    if current is None:
        current = session.attempts.current().first()
    if current and current.state == AttemptState.ACTIVE and current.is_past_deadline(now):
        services.close_overdue(session=session, now=now)
        current = session.attempts.current().first()
    context: dict[str, Any] = {
        "session": session,
        "current": current,
        "main_total": session.question_count,
        "follow_up_total": current.follow_up_count if current else 0,
        "seconds_left": current.seconds_left(now) if current else None,
        "next_revision": (current.revision + 1) if current else 1,
        "max_answer_length": MAX_ANSWER_LENGTH,
        "grades": Grade.choices,
        "grade_help": GRADE_HELP,
        "error": error,
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
    # One query for the session and its current attempt together: this page is hot.
    current = (
        Attempt.objects.current()
        .select_related("session")
        .filter(session_id=session_id, session__owner_id=request.user.pk)
        .first()
    )
    session = current.session if current else _get_session_for_user(request, session_id)
    now = timezone.now()
    if session.is_open and session.deadline < now - grace():
        services.close_overdue(session=session, now=now)
    if not session.is_open:
        return redirect("questions:session_summary", session_id=session.pk)
    return _render_session(request, session, current=current)


# Answering ------------------------------------------------------------------------------------


@require_POST
@never_cache
def attempt_save(request: HtmxHttpRequest, session_id: int, attempt_id: int) -> HttpResponse:
    """Autosave. Answers 200 saved, 409 stale/closed/late, 422 invalid, 401 logged out.

    A plain form post (no JavaScript) is redirected back to the session with a message.
    """
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        if not wants_json:
            return redirect(
                f"{reverse('login')}?next={reverse('questions:session', args=[session_id])}"
            )
        return JsonResponse(
            {"status": "login", "message": "You were logged out. Log in again to keep saving."},
            status=401,
        )
    revision = _parse_revision(request.POST.get("revision"))
    text = request.POST.get("answer", "")
    if revision is None:
        return JsonResponse(
            {"status": "invalid", "message": "The revision is missing."}, status=422
        )
    try:
        result = services.save_answer(
            session_id=session_id,
            attempt_id=attempt_id,
            owner_id=request.user.pk,
            text=text,
            revision=revision,
            now=timezone.now(),
        )
    except services.InvalidAnswer as invalid:
        if not wants_json:
            messages.error(request, str(invalid))
            return redirect("questions:session", session_id=session_id)
        return JsonResponse({"status": "invalid", "message": str(invalid)}, status=422)
    if result is None:
        raise Http404("No such attempt.")
    if not wants_json:
        if result.outcome == "saved":
            messages.success(request, "Draft saved.")
        else:
            messages.warning(request, SAVE_MESSAGES[result.outcome])
        return redirect("questions:session", session_id=session_id)
    return JsonResponse(
        {
            "status": result.outcome,
            "revision": result.revision,
            "seconds_left": result.seconds_left,
            "saved_at": result.saved_at.isoformat() if result.saved_at else None,
            "message": SAVE_MESSAGES[result.outcome],
        },
        status=200 if result.outcome == "saved" else 409,
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
    session = _get_session_for_user(request, session_id)
    attempt = _get_attempt(session, attempt_id)
    peeked = request.POST.get("action") == "peek"
    revision = _parse_revision(request.POST.get("revision"))
    text = request.POST.get("answer") if revision is not None else None
    try:
        done = services.submit_attempt(
            session=session,
            attempt_id=attempt.pk,
            now=timezone.now(),
            text=text,
            revision=revision,
            peeked=peeked,
        )
    except services.InvalidAnswer as invalid:
        return _refuse(request, session, str(invalid))
    if not done and text is not None and attempt.state == AttemptState.ACTIVE:
        # Arrived after the deadline: the last saved answer stands; keep this text as late.
        services.save_answer(
            session_id=session.pk,
            attempt_id=attempt.pk,
            owner_id=request.user.pk,
            text=text,
            revision=revision or 0,
            now=timezone.now(),
        )
        messages.warning(request, SAVE_MESSAGES["late"])
    return _after_post(request, session)


@login_required
@require_POST
def attempt_grade(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    attempt = _get_attempt(session, attempt_id)
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, session, "Choose a grade: Again, Hard, Good or Easy.")
    services.grade_attempt(
        session=session,
        attempt_id=attempt.pk,
        grade=form.cleaned_data["grade"],
        ticked=form.ticked(),
        now=timezone.now(),
    )
    return _after_post(request, session)


@login_required
@require_POST
def attempt_skip(
    request: AuthenticatedHttpRequest, session_id: int, attempt_id: int
) -> HttpResponse:
    session = _get_session_for_user(request, session_id)
    attempt = _get_attempt(session, attempt_id)
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
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


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
    return render(
        request,
        "questions/session_summary.html",
        {
            "session": session,
            "attempts": attempts,
            "summary": summarise(attempts),
            "status_label": _status_label(session),
            "now": now,
        },
    )


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
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
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
    )
    return redirect(retry)
