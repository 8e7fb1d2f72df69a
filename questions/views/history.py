"""A candidate's private record: dashboard, history, progress, spaced review, and their data.

Everything here reads only the signed-in user's rows; another user's question or session id
is a 404 (sessions are looked up through PracticeSession.objects.for_user).
"""

import csv
import json
import logging
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviewprep import accounts
from interviewprep.http import AuthenticatedHttpRequest
from questions import charts, progress, scheduling, services
from questions.models import (
    Attempt,
    PracticeSession,
    Question,
    ReviewCard,
    ReviewSettings,
    Topic,
)
from questions.models.bank import Level
from questions.models.practice import Grade
from questions.suggest import records as suggestion_records
from questions.templatetags.timefmt import format_duration

logger = logging.getLogger("interviewprep.accounts")

GRADE_EXPLANATION = (
    "Your self-grade decides when a question comes back. Again means you could not answer it: it "
    "returns within minutes. Hard means you recalled it with effort, not that you forgot: it "
    "returns sooner than Good would. Good means a solid answer; Easy means effortless, and the "
    "gap grows fastest."
)
HISTORY_PAGE_SIZE = 20
DELETE_PHRASE = "delete my account"


# Dashboard ------------------------------------------------------------------------------------


def _close_my_overdue_sessions(user: Any, now: Any) -> None:
    """Sessions left open past their deadline close on next access, with the last saved answers."""
    for session in PracticeSession.objects.for_user(user).overdue(now):
        services.close_overdue(session=session, now=now)


def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in home page."""
    user, now = request.user, timezone.now()
    _close_my_overdue_sessions(user, now)
    due, allowed = scheduling.due_today(user, now)
    days = progress.practice_days(user, since=(now - timedelta(days=400)).date())
    standings = progress.topic_standings(user, since=now - timedelta(days=90))
    weakest = [s for s in standings if s.graded >= 3][:3]
    recent = list(progress.sessions_with_totals(user)[:5])
    leeches = list(
        ReviewCard.objects.for_user(user).leeches().select_related("question", "follow_up")[:5]
    )
    return render(
        request,
        "questions/dashboard.html",
        {
            "due": due,
            "allowed": allowed,
            "streak": progress.streak(days, now.date()),
            "days_this_year": sum(
                1 for d, n in days.items() if n and d > now.date() - timedelta(days=365)
            ),
            "recent": recent,
            "weakest": weakest,
            "leeches": leeches,
            "next_due": None if due else scheduling.next_due(user, now),
            "grade_explanation": GRADE_EXPLANATION,
        },
    )


# History --------------------------------------------------------------------------------------


class AppDateInput(forms.DateInput):
    """A text box showing dates the way every page prints them ("1 Dec 2026").

    Not type=date: a browser's date box prints the date in the browser's locale (12/01/2026),
    unlike the rest of the app.
    """

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return f"{value.day} {value:%b %Y}"
        return super().format_value(value)


DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y"]
DATE_ERRORS = {"invalid": "Enter a date like 1 Dec 2026."}


class HistoryFilterForm(forms.Form):
    topic = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose a topic from the list."}
    )
    level = forms.ChoiceField(
        required=False,
        choices=[("", "Any level"), *Level.choices],
        error_messages={"invalid_choice": "Choose a level from the list."},
    )
    start = forms.DateField(
        required=False,
        label="From",
        input_formats=DATE_INPUT_FORMATS,
        error_messages=DATE_ERRORS,
        widget=AppDateInput(attrs={"placeholder": "1 Dec 2026", "size": 11}),
    )
    end = forms.DateField(
        required=False,
        label="To",
        input_formats=DATE_INPUT_FORMATS,
        error_messages=DATE_ERRORS,
        widget=AppDateInput(attrs={"placeholder": "31 Dec 2026", "size": 11}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [
            ("", "Any topic"),
            *((name, name) for name in Topic.objects.values_list("name", flat=True)),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "This date is before the From date, so the dates were ignored.")
        return data


def _has_attempt(**conditions: str) -> Exists:
    return Exists(Attempt.objects.filter(session=OuterRef("pk"), **conditions))


def _page(request: AuthenticatedHttpRequest, items: Any, size: int) -> Any:
    """The requested page; a bad or out-of-range number shows a message and a valid page."""
    paginator = Paginator(items, size)
    raw = request.GET.get("page", "1")
    try:
        return paginator.page(raw)
    except PageNotAnInteger:
        messages.warning(request, f"“{raw[:20]}” is not a page number; showing the first page.")
        return paginator.page(1)
    except EmptyPage:
        if int(raw) < 1:
            messages.warning(request, f"There is no page {raw[:20]}; showing the first page.")
            return paginator.page(1)
        last = paginator.num_pages
        messages.warning(request, f"There is no page {raw[:20]}; showing page {last}, the last.")
        return paginator.page(last)


@login_required
@require_GET
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    _close_my_overdue_sessions(request.user, timezone.now())
    form = HistoryFilterForm(request.GET or None)
    sessions = progress.sessions_with_totals(request.user)
    if form.is_bound:
        form.is_valid()
        # A filter with a problem is ignored; the error summary names it by its label, once.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
        # EXISTS, not a join: a second join on attempts would multiply the aggregated rows.
        if data.get("topic"):
            sessions = sessions.filter(_has_attempt(topic_name=data["topic"]))
        if data.get("level"):
            sessions = sessions.filter(_has_attempt(level=data["level"]))
        if "end" not in form.errors:
            if data.get("start"):
                sessions = sessions.filter(started_at__date__gte=data["start"])
            if data.get("end"):
                sessions = sessions.filter(started_at__date__lte=data["end"])
    page = _page(request, sessions, HISTORY_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "questions/history_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
@require_GET
def question_history(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    """Every attempt I made at one question (and its follow-ups), oldest first."""
    attempts = list(
        Attempt.objects.for_user(request.user)
        .filter(question_id=question_id, state__in=progress.ANSWERED)
        .select_related("session")
        .order_by("submitted_at", "sub")[:200]
    )
    if not attempts:
        raise Http404("You have not answered this question yet.")
    question = Question.objects.filter(pk=question_id).first()
    main = [a for a in attempts if a.sub == 0 and a.follow_up_id is None]
    chart = None
    if len(main) >= 2:
        chart = charts.line_chart(
            "grades",
            title="Self-grade per attempt",
            desc="Your self-grade at each attempt, oldest first; 1 Again, 2 Hard, 3 Good, 4 Easy.",
            x_labels=[f"{a.submitted_at:%d %b}" for a in main],
            series=[charts.Series("Grade", [float(a.grade) if a.grade else None for a in main])],
            y_max=4,
            y_ticks=[(1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")],
        )
    card = (
        ReviewCard.objects.for_user(request.user)
        .filter(question_id=question_id, follow_up=None)
        .first()
    )
    return render(
        request,
        "questions/history_question.html",
        {
            "attempts": attempts,
            "main": main,
            "title": attempts[-1].title if not question else question.title,
            "question": question,
            "chart": chart,
            "card": card,
        },
    )


# Progress -------------------------------------------------------------------------------------


@login_required
@require_GET
def progress_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    weeks = 12
    week_starts, topic_shares, topic_counts = progress.weekly_shares(
        user, group="topic_name", weeks=weeks, now=now
    )
    _, level_shares, level_counts = progress.weekly_shares(
        user, group="level", weeks=weeks, now=now
    )
    _, seconds = progress.weekly_seconds(user, weeks=weeks, now=now)
    labels = [f"{w:%d %b}" for w in week_starts]
    percent_ticks = [(0, "0%"), (0.5, "50%"), (1, "100%")]
    levels = [(value, label) for value, label in Level.choices if value in level_shares]
    level_series = [charts.Series(label, level_shares[value]) for value, label in levels]
    max_seconds = max([s for s in seconds if s is not None], default=60)
    days = progress.practice_days(user, since=now.date() - timedelta(days=371))
    standings = progress.topic_standings(user)
    # Small multiples in the table's order (weakest first), then topics only graded long ago.
    order = {s.topic: i for i, s in enumerate(standings)}
    topics_in_order = sorted(topic_shares, key=lambda t: (order.get(t, len(order)), t))
    time_series = [charts.Series("Seconds", seconds)]
    context = {
        "level_chart": charts.line_chart(
            "levels",
            title="Share of answers graded Good or Easy, by level, per week",
            desc="One line per level over the last 12 weeks; gaps are weeks without answers.",
            x_labels=labels,
            series=level_series,
            y_max=1,
            y_ticks=percent_ticks,
        )
        if charts.has_enough_points(level_series)
        else None,
        "level_rows": [
            (label, list(zip(labels, level_shares[value], level_counts[value], strict=True)))
            for value, label in levels
        ],
        "topic_charts": [
            (
                topic,
                charts.line_chart(
                    f"topic-{i}",
                    title=f"{topic}: share graded Good or Easy per week",
                    desc=f"Weekly share of Good or Easy self-grades in {topic}.",
                    x_labels=labels,
                    series=[charts.Series(topic, topic_shares[topic])],
                    y_max=1,
                    y_ticks=percent_ticks,
                    width=300,
                    height=170,
                )
                if charts.has_enough_points([charts.Series(topic, topic_shares[topic])])
                else None,
                list(zip(labels, topic_shares[topic], topic_counts[topic], strict=True)),
            )
            for i, topic in enumerate(topics_in_order)
        ],
        "time_chart": charts.line_chart(
            "time",
            title="Average time per answer, per week",
            desc="How long your answers took on average each week.",
            x_labels=labels,
            series=time_series,
            y_max=max_seconds * 1.1,
            y_ticks=[(0, "0 s"), (max_seconds, format_duration(max_seconds))],
            height=200,
        )
        if charts.has_enough_points(time_series)
        else None,
        "time_rows": list(zip(labels, seconds, strict=True)),
        "has_levels": any(n for counts in level_counts.values() for n in counts),
        "has_times": any(s is not None for s in seconds),
        "min_points": charts.MIN_POINTS,
        "heatmap": charts.heatmap(
            "activity", counts=days, end=now.date(), title="Days practised in the last year"
        ),
        "heatmap_legend": charts.heatmap_legend(),
        "month_rows": _month_totals(days, now.date()),
        "standings": standings,
        "calibration": suggestion_records.calibration(user),
    }
    return render(request, "questions/progress.html", context)


def _month_totals(days: dict[date, int], today: date) -> list[tuple[str, int, int]]:
    """(month, answers, days practised) for the last twelve months: the heatmap as a table."""
    totals: dict[tuple[int, int], list[int]] = {}
    for day, n in days.items():
        if day > today - timedelta(days=365):
            entry = totals.setdefault((day.year, day.month), [0, 0])
            entry[0] += n
            entry[1] += 1 if n else 0
    return [
        (date(y, m, 1).strftime("%B %Y"), answers, active)
        for (y, m), (answers, active) in sorted(totals.items(), reverse=True)
    ]


# Spaced review --------------------------------------------------------------------------------


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["daily_limit", "desired_retention"]
        labels = {"daily_limit": "Daily limit", "desired_retention": "Desired retention"}
        widgets = {"desired_retention": forms.NumberInput(attrs={"step": "0.01"})}


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The review queue and its settings."""
    user, now = request.user, timezone.now()
    instance = ReviewSettings.objects.filter(user=user).first() or ReviewSettings(user=user)
    form = ReviewSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Review settings saved.")
        return redirect("questions:review")
    due, allowed = scheduling.due_today(user, now)
    cards = scheduling.due_cards(user, now, limit=50)
    return render(
        request,
        "questions/review.html",
        {
            "form": form,
            "due": due,
            "allowed": allowed,
            "cards": cards,
            "next_due": scheduling.next_due(user, now),
            "grade_explanation": GRADE_EXPLANATION,
            "grades": Grade.choices,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def review_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    session = services.start_review(user=request.user, now=timezone.now())
    if session is None:
        messages.info(request, "Nothing is due for review now, or today's limit is reached.")
        return redirect("questions:review")
    return redirect(session)


# Your data ------------------------------------------------------------------------------------

EXPORT_FIELDS = [
    "session_id", "session_title", "session_status", "started_at", "position", "follow_up",
    "question", "topic", "level", "kind", "state", "answer", "late_answer", "submitted_at",
    "seconds_spent", "allowed_seconds", "key_points_ticked", "key_points_total", "grade",
    "timed_out", "late", "peeked",
]  # fmt: skip


def _export_rows(user: Any) -> Any:
    attempts = (
        Attempt.objects.for_user(user)
        .select_related("session")
        .order_by("session__started_at", "position", "sub")
        .iterator(chunk_size=2000)
    )
    for a in attempts:
        yield {
            "session_id": a.session_id,
            "session_title": a.session.title,
            "session_status": a.session.status,
            "started_at": a.session.started_at.isoformat(),
            "position": a.position,
            "follow_up": a.sub,
            "question": a.title,
            "topic": a.topic_name,
            "level": a.level,
            "kind": a.kind,
            "state": a.state,
            "answer": a.answer,
            "late_answer": a.late_answer,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else "",
            "seconds_spent": a.seconds_spent if a.seconds_spent is not None else "",
            "allowed_seconds": a.allowed_seconds or "",
            "key_points_ticked": len(a.ticked),
            "key_points_total": len(a.key_points),
            "grade": Grade(a.grade).label if a.grade else "",
            "timed_out": a.timed_out,
            "late": a.late,
            "peeked": a.peeked,
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    logger.info("user %s exported their history as CSV", request.user.pk)
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)

    def lines() -> Any:
        yield writer.writeheader()
        for row in _export_rows(request.user):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="interviewprep-history.csv"'
    return response


@login_required
@require_GET
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    logger.info("user %s exported their history as JSON", user.pk)
    settings = scheduling.settings_for(user.pk)
    data = {
        "user": {"username": user.username, "email": user.email, "joined": user.date_joined},
        "review_settings": {
            "daily_limit": settings.daily_limit,
            "desired_retention": settings.desired_retention,
        },
        "attempts": list(_export_rows(user)),
        "review_cards": list(
            ReviewCard.objects.for_user(user).values(
                "question__slug",
                "follow_up__position",
                "state",
                "due",
                "last_review",
                "stability",
                "difficulty",
                "reps",
                "lapses",
                "leech",
            )  # fmt: skip
        ),
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="interviewprep-history.json"'
    return response


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=f"Type “{DELETE_PHRASE}” to confirm",
        help_text=(
            "This deletes your account, every session and answer (also results you shared with an "
            "interviewer), review cards, your kits, and your log-ins on every device. It cannot "
            "be undone."
        ),
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip().lower()
        if value != DELETE_PHRASE:
            raise forms.ValidationError(f"Type exactly “{DELETE_PHRASE}” to delete your account.")
        return value


@login_required
@require_http_methods(["GET", "POST"])
def account_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download my data, or delete my account and all of it."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_id = request.user.pk
        accounts.delete_account(request.user)
        logout(request)
        # The id only: the log must not keep the name of an account that asked to be forgotten.
        logger.info("user %s deleted their account and data", user_id)
        messages.success(request, "Your account and all your data were deleted.")
        return redirect("home")
    return render(
        request,
        "questions/account_data.html",
        {"form": form, "sessions": request.user.practice_sessions.count()},
        status=422 if form.errors else 200,
    )
