"""Reads behind the dashboard, history and progress pages: each one or two aggregate queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Max, Q
from django.db.models.functions import TruncDate

from questions.models import Attempt, PracticeSession
from questions.models.practice import AttemptState

GOOD = Q(grade__gte=3)
ANSWERED = [AttemptState.SUBMITTED, AttemptState.GRADED]


def streak(days: dict[date, int], today: date) -> int:
    """Consecutive days practised up to today (or yesterday, if today has no practice yet)."""
    day = today if days.get(today) else today - timedelta(days=1)
    count = 0
    while days.get(day):
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class TopicStanding:
    topic: str
    graded: int
    good_share: float
    average_seconds: float | None


@dataclass(frozen=True)
class Weekly:
    """Per week over the last `weeks` weeks, oldest first: the share graded Good or Easy and
    the graded count per topic and per level (None / 0 in weeks without), and the average
    seconds per answered question."""

    week_starts: list[date]
    topic_shares: dict[str, list[float | None]]
    topic_counts: dict[str, list[int]]
    level_shares: dict[str, list[float | None]]
    level_counts: dict[str, list[int]]
    seconds: list[float | None]


@dataclass(frozen=True)
class Stats:
    days: dict[date, int]  # answers submitted per day (in the current time zone) since days_since
    standings: list[TopicStanding]  # per topic, weakest first
    weekly: Weekly | None


def first_week(now: datetime, weeks: int) -> date:
    first = (now - timedelta(weeks=weeks - 1)).date()
    return first - timedelta(days=first.weekday())


def attempt_stats(
    user: Any,
    *,
    days_since: date,
    standings_since: datetime | None = None,
    weeks: int = 0,
    now: datetime | None = None,
) -> Stats:
    """Everything the dashboard and the progress page chart, in one query: one pass over the
    user's attempts, grouped by GROUPING SETS (each set one chart or table).

    - answers per day since `days_since` (the activity heatmap, the streak);
    - per topic, graded answers, the share graded Good or Easy and the average time, graded
      since `standings_since` (all time when None), weakest first;
    - with `weeks` (and `now`): per week, the share of Good or Easy by topic and by level
      (by the week graded) and the average time per answer (by the week submitted).
    Days and weeks are in the current time zone, as TruncDate and TruncWeek make them.
    """
    graded = Q(grade__isnull=False)
    recent = graded & Q(graded_at__gte=standings_since) if standings_since else graded
    # The ORM makes each attempt's local days (as TruncDate does), once per attempt: OFFSET 0
    # keeps PostgreSQL from inlining the subquery and converting time zones once per use.
    inner = (
        Attempt.objects.for_user(user)
        .annotate(
            answered=ExpressionWrapper(Q(state__in=ANSWERED), output_field=BooleanField()),
            recent=ExpressionWrapper(recent, output_field=BooleanField()),
            submitted_day=TruncDate("submitted_at"),
            graded_day=TruncDate("graded_at"),
        )
        .values(
            "answered",
            "recent",
            "submitted_day",
            "graded_day",
            "topic_name",
            "level",
            "grade",
            "time_spent",
        )  # fmt: skip
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    sets = ["(day)", "(standing)"]
    first: date | None = None
    if weeks:
        assert now is not None
        first = first_week(now, weeks)
        sets += ["(graded_week, topic_name)", "(graded_week, level)", "(timed_week)"]
        weekly_columns = """GROUPING(topic_name), GROUPING(level), GROUPING(timed_week),
            graded_week, topic_name, level, timed_week"""
    else:
        weekly_columns = "1, 1, 1, NULL, NULL, NULL, NULL"
    monday = "{0} - (EXTRACT(ISODOW FROM {0})::int - 1)"  # the Monday of a day's week
    sql = f"""
        SELECT GROUPING(day), GROUPING(standing), {weekly_columns}, day, standing,
               COUNT(*), COUNT(*) FILTER (WHERE grade >= 3), AVG(time_spent)
        FROM (
            SELECT CASE WHEN answered AND submitted_day >= %s THEN submitted_day END AS day,
                   CASE WHEN recent THEN topic_name END AS standing,
                   CASE WHEN grade IS NOT NULL AND graded_day >= %s
                        THEN {monday.format("graded_day")} END AS graded_week,
                   CASE WHEN answered AND time_spent IS NOT NULL AND submitted_day >= %s
                        THEN {monday.format("submitted_day")} END AS timed_week,
                   topic_name, level, grade, time_spent
            FROM ({inner_sql} OFFSET 0) AS attempt
        ) AS attempt
        GROUP BY GROUPING SETS ({", ".join(sets)})
    """  # noqa: S608 - the inner query is the ORM's, with its parameters
    params = [days_since, first, first, *inner_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    days: dict[date, int] = {}
    standings: list[tuple[str, TopicStanding]] = []  # (topic name as stored, standing)
    week_starts = [first + timedelta(weeks=i) for i in range(weeks)] if first else []
    index = {w: i for i, w in enumerate(week_starts)}
    shares: dict[str, dict[str, list[float | None]]] = {
        "topic": defaultdict(lambda: [None] * weeks),
        "level": defaultdict(lambda: [None] * weeks),
    }
    counts: dict[str, dict[str, list[int]]] = {
        "topic": defaultdict(lambda: [0] * weeks),
        "level": defaultdict(lambda: [0] * weeks),
    }
    seconds: list[float | None] = [None] * weeks
    for row in rows:
        (g_day, g_standing, g_topic, g_level, g_timed, graded_week, topic, level, timed_week,
         day, standing, n, good, average) = row  # fmt: skip
        if not g_day:
            if day is not None:
                days[day] = n
        elif not g_standing:
            if standing is not None:
                standings.append(
                    (
                        standing,
                        TopicStanding(
                            topic=standing or "Other",
                            graded=n,
                            good_share=good / n,
                            average_seconds=average.total_seconds() if average else None,
                        ),
                    )
                )
        elif not g_topic or not g_level:
            week = index.get(graded_week) if graded_week is not None else None
            if week is not None:
                by, key = ("topic", topic) if not g_topic else ("level", level)
                shares[by][key or "Other"][week] = good / n
                counts[by][key or "Other"][week] = n
        elif not g_timed and timed_week is not None:
            week = index.get(timed_week)
            if week is not None and average is not None:
                seconds[week] = average.total_seconds()
    weekly = (
        Weekly(
            week_starts=week_starts,
            topic_shares=dict(shares["topic"]),
            topic_counts=dict(counts["topic"]),
            level_shares=dict(shares["level"]),
            level_counts=dict(counts["level"]),
            seconds=seconds,
        )
        if weeks
        else None
    )
    # By name first, then weakest first: ties stay in name order.
    standings.sort(key=lambda entry: entry[0])
    ordered = sorted((s for _, s in standings), key=lambda s: (s.good_share, -s.graded))
    return Stats(days=days, standings=ordered, weekly=weekly)


def recent_sessions(user: Any, count: int) -> list[PracticeSession]:
    """The newest `count` sessions with their totals: the newest are chosen first, so only
    their attempts are aggregated."""
    newest = PracticeSession.objects.for_user(user).order_by("-started_at").values("pk")[:count]
    return list(sessions_with_totals(user).filter(pk__in=newest))


def sessions_with_totals(user: Any) -> Any:
    """The user's sessions, newest first, with answered/graded counts, average grade, flags."""
    return (
        PracticeSession.objects.for_user(user)
        .annotate(
            answered=Count("attempts", filter=Q(attempts__state__in=ANSWERED)),
            graded=Count("attempts", filter=Q(attempts__grade__isnull=False)),
            average_grade=Avg("attempts__grade"),
            late=Count("attempts", filter=Q(attempts__late_saved_at__isnull=False)),
            timed_out=Count("attempts", filter=Q(attempts__timed_out=True)),
            last_activity=Max("attempts__submitted_at"),
        )
        .order_by("-started_at")
    )
