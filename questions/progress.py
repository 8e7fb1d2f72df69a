"""Reads behind the dashboard, history and progress pages: each a few aggregate queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q
from django.db.models.functions import TruncDate, TruncWeek

from questions.models import Attempt, PracticeSession
from questions.models.practice import AttemptState

GOOD = Q(grade__gte=3)
ANSWERED = [AttemptState.SUBMITTED, AttemptState.GRADED]


def practice_days(user: Any, since: date) -> dict[date, int]:
    """Answers submitted per day (UTC) since `since`."""
    rows = (
        Attempt.objects.for_user(user)
        .filter(submitted_at__date__gte=since, state__in=ANSWERED)
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


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


def topic_standings(user: Any, *, since: datetime | None = None) -> list[TopicStanding]:
    """Per topic: graded answers and the share graded Good or Easy, weakest first."""
    qs = Attempt.objects.for_user(user).graded()
    if since is not None:
        qs = qs.filter(graded_at__gte=since)
    rows = (
        qs.values("topic_name")
        .annotate(graded=Count("pk"), good=Count("pk", filter=GOOD), seconds=Avg("time_spent"))
        .order_by("topic_name")
    )
    standings = [
        TopicStanding(
            topic=row["topic_name"] or "Other",
            graded=row["graded"],
            good_share=row["good"] / row["graded"],
            average_seconds=row["seconds"].total_seconds() if row["seconds"] else None,
        )
        for row in rows
    ]
    return sorted(standings, key=lambda s: (s.good_share, -s.graded))


def weekly_shares(
    user: Any, *, group: str, weeks: int, now: datetime
) -> tuple[list[date], dict[str, list[float | None]], dict[str, list[int]]]:
    """Share of Good/Easy per `group` ("topic_name" or "level") per week, oldest week first."""
    first = (now - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    rows = (
        Attempt.objects.for_user(user)
        .graded()
        .filter(graded_at__date__gte=first)
        .annotate(week=TruncWeek("graded_at"))
        .values(group, "week")
        .annotate(graded=Count("pk"), good=Count("pk", filter=GOOD))
    )
    week_starts = [first + timedelta(weeks=i) for i in range(weeks)]
    index = {w: i for i, w in enumerate(week_starts)}
    shares: dict[str, list[float | None]] = defaultdict(lambda: [None] * weeks)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        if week not in index:
            continue
        key = row[group] or "Other"
        shares[key][index[week]] = row["good"] / row["graded"]
        counts[key][index[week]] = row["graded"]
    return week_starts, dict(shares), dict(counts)


def weekly_seconds(
    user: Any, *, weeks: int, now: datetime
) -> tuple[list[date], list[float | None]]:
    """Average seconds per answered question per week."""
    first = (now - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    rows = (
        Attempt.objects.for_user(user)
        .filter(submitted_at__date__gte=first, state__in=ANSWERED, time_spent__isnull=False)
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(seconds=Avg("time_spent"))
    )
    week_starts = [first + timedelta(weeks=i) for i in range(weeks)]
    values: list[float | None] = [None] * weeks
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        if week in week_starts:
            values[week_starts.index(week)] = row["seconds"].total_seconds()
    return week_starts, values


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
