"""A candidate's private record: every session, every attempt at a question, and progress.

Everything here reads only the signed-in user's rows; another user's question or session id
is a 404 (sessions are looked up through PracticeSession.objects.for_user).
"""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from interviewprep.http import AuthenticatedHttpRequest
from questions import charts, progress
from questions.forms import HistoryFilterForm
from questions.models import (
    Attempt,
    Question,
    ReviewCard,
)
from questions.models.bank import Level
from questions.pagination import page_of
from questions.suggest import records as suggestion_records
from questions.templatetags.timefmt import format_duration
from questions.views.home import close_my_overdue_sessions

HISTORY_PAGE_SIZE = 20


def _has_attempt(**conditions: str) -> Exists:
    return Exists(Attempt.objects.filter(session=OuterRef("pk"), **conditions))


@login_required
@require_GET
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    close_my_overdue_sessions(request.user, timezone.now())
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
    page, notice = page_of(sessions, request.GET.get("page"), HISTORY_PAGE_SIZE)
    if notice:
        messages.warning(request, notice)
    return render(request, "questions/history_list.html", {"form": form, "page_obj": page})


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


@login_required
@require_GET
def progress_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    stats = progress.attempt_stats(
        user, days_since=now.date() - timedelta(days=371), weeks=12, now=now
    )
    assert stats.weekly is not None
    week_starts, seconds = stats.weekly.week_starts, stats.weekly.seconds
    topic_shares, topic_counts = stats.weekly.topic_shares, stats.weekly.topic_counts
    level_shares, level_counts = stats.weekly.level_shares, stats.weekly.level_counts
    labels = [f"{w:%d %b}" for w in week_starts]
    percent_ticks = [(0, "0%"), (0.5, "50%"), (1, "100%")]
    levels = [(value, label) for value, label in Level.choices if value in level_shares]
    level_series = [charts.Series(label, level_shares[value]) for value, label in levels]
    max_seconds = max([s for s in seconds if s is not None], default=60)
    days, standings = stats.days, stats.standings
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
