"""progress.attempt_stats: one GROUPING SETS query gives what one query per chart gave.

The reference functions below are the per-chart ORM queries the dashboard and the progress page
ran before (one aggregate each); the combined query must return the same numbers, in any time
zone, for histories with ungraded, skipped, untimed and late-graded answers.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from questions import progress
from questions.models import Attempt
from tests.factories import make_history, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 22, 30, tzinfo=ZoneInfo("UTC"))
GOOD = Q(grade__gte=3)


def reference_days(user, since: date) -> dict[date, int]:
    rows = (
        Attempt.objects.for_user(user)
        .filter(submitted_at__date__gte=since, state__in=progress.ANSWERED)
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


def reference_standings(user, since: datetime | None) -> list[tuple]:
    qs = Attempt.objects.for_user(user).graded()
    if since is not None:
        qs = qs.filter(graded_at__gte=since)
    rows = (
        qs.values("topic_name")
        .annotate(graded=Count("pk"), good=Count("pk", filter=GOOD), seconds=Avg("time_spent"))
        .order_by("topic_name")
    )
    standings = [
        (
            row["topic_name"] or "Other",
            row["graded"],
            row["good"] / row["graded"],
            row["seconds"].total_seconds() if row["seconds"] else None,
        )
        for row in rows
    ]
    return sorted(standings, key=lambda s: (s[2], -s[1]))


def reference_weekly(user, group: str, first: date, weeks: int):
    rows = (
        Attempt.objects.for_user(user)
        .graded()
        .filter(graded_at__date__gte=first)
        .annotate(week=TruncWeek("graded_at"))
        .values(group, "week")
        .annotate(graded=Count("pk"), good=Count("pk", filter=GOOD))
    )
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    shares: dict = defaultdict(lambda: [None] * weeks)
    counts: dict = defaultdict(lambda: [0] * weeks)
    for row in rows:
        week = timezone.localdate(row["week"]) if row["week"] else None
        if week in starts:
            shares[row[group] or "Other"][starts.index(week)] = row["good"] / row["graded"]
            counts[row[group] or "Other"][starts.index(week)] = row["graded"]
    return dict(shares), dict(counts)


def reference_seconds(user, first: date, weeks: int) -> list[float | None]:
    rows = (
        Attempt.objects.for_user(user)
        .filter(submitted_at__date__gte=first, state__in=progress.ANSWERED)
        .filter(time_spent__isnull=False)
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(seconds=Avg("time_spent"))
    )
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    values: list[float | None] = [None] * weeks
    for row in rows:
        week = timezone.localdate(row["week"])
        if week in starts:
            values[starts.index(week)] = row["seconds"].total_seconds()
    return values


@pytest.fixture
def varied_user():
    """400 answers over about seven weeks, then every kind of exception to a graded answer."""
    user = make_user()
    make_history(user, attempts=400, per_session=4, end=NOW, topics=("A", "B", "C", ""))
    attempts = list(Attempt.objects.for_user(user).order_by("pk"))
    for i, attempt in enumerate(attempts):
        if i % 7 == 0:  # submitted, never graded
            attempt.state, attempt.grade, attempt.graded_at = "submitted", None, None
        elif i % 11 == 0:  # skipped, or never reached
            attempt.state, attempt.grade, attempt.graded_at = "skipped", None, None
            attempt.submitted_at = None
        elif i % 13 == 0:  # graded days later, in another week
            attempt.graded_at = attempt.submitted_at + timedelta(days=3, hours=5)
        if i % 5 == 0:
            attempt.time_spent = None
    Attempt.objects.bulk_update(
        attempts, ["state", "grade", "graded_at", "submitted_at", "time_spent"]
    )
    return user


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham", "America/St_Johns"])
def test_one_query_gives_what_the_per_chart_queries_gave(varied_user, zone):
    with timezone.override(ZoneInfo(zone)):
        weeks, since = 12, NOW.date() - timedelta(days=371)
        first = progress.first_week(NOW, weeks)
        stats = progress.attempt_stats(varied_user, days_since=since, weeks=weeks, now=NOW)
        assert stats.weekly is not None
        assert stats.days == reference_days(varied_user, since)
        assert [
            (s.topic, s.graded, s.good_share, s.average_seconds) for s in stats.standings
        ] == reference_standings(varied_user, None)
        assert stats.weekly.week_starts == [first + timedelta(weeks=i) for i in range(weeks)]
        assert (stats.weekly.topic_shares, stats.weekly.topic_counts) == reference_weekly(
            varied_user, "topic_name", first, weeks
        )
        assert (stats.weekly.level_shares, stats.weekly.level_counts) == reference_weekly(
            varied_user, "level", first, weeks
        )
        assert stats.weekly.seconds == pytest.approx(reference_seconds(varied_user, first, weeks))
        assert any(stats.weekly.seconds) and len(stats.days) > 20

        # The dashboard's variant: the last 90 days' standings, no weekly sets.
        dashboard = progress.attempt_stats(
            varied_user,
            days_since=NOW.date() - timedelta(days=20),
            standings_since=NOW - timedelta(days=20),
        )
        assert dashboard.weekly is None
        assert dashboard.days == reference_days(varied_user, NOW.date() - timedelta(days=20))
        assert [
            (s.topic, s.graded, s.good_share, s.average_seconds) for s in dashboard.standings
        ] == reference_standings(varied_user, NOW - timedelta(days=20))


def test_a_user_without_attempts_gets_empty_stats(django_assert_num_queries):
    user = make_user()
    with django_assert_num_queries(1):
        stats = progress.attempt_stats(user, days_since=NOW.date(), weeks=4, now=NOW)
    assert stats.days == {} and stats.standings == []
    assert stats.weekly is not None and stats.weekly.seconds == [None] * 4
    assert stats.weekly.topic_shares == {} and stats.weekly.level_counts == {}


def test_another_users_attempts_do_not_count(varied_user):
    other = make_user()
    stats = progress.attempt_stats(other, days_since=NOW.date() - timedelta(days=400))
    assert stats.days == {} and stats.standings == []


def test_recent_sessions_are_the_newest_five_with_their_totals(
    varied_user, django_assert_num_queries
):
    expected = [
        (s.pk, s.answered, s.graded, s.average_grade, s.late, s.timed_out, s.last_activity)
        for s in progress.sessions_with_totals(varied_user)[:5]
    ]
    with django_assert_num_queries(1):
        recent = progress.recent_sessions(varied_user, 5)
    assert [
        (s.pk, s.answered, s.graded, s.average_grade, s.late, s.timed_out, s.last_activity)
        for s in recent
    ] == expected
    assert len(expected) == 5 and any(s[1] != s[2] for s in expected)  # some left ungraded
