"""The review page's tools: one open review at a time, the 30-day forecast, measured retention,
and suspending or resetting leeches.

Reads are a few aggregate queries whatever the history's size; writes lock what they change.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from fsrs import State

from questions import services
from questions.models import PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import Source

FORECAST_DAYS = 30
RETENTION_DAYS = 30


# One open review ----------------------------------------------------------------------------


def open_session(user: Any, source: str) -> PracticeSession | None:
    """The user's session of this kind still open, if any (the newest)."""
    return (
        PracticeSession.objects.for_user(user)
        .in_progress()
        .filter(source=source)
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def lock_user(user: Any) -> None:
    """Serialise one user's session starts: two clicks at once wait for each other here, so the
    second finds the session the first created."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def start_or_resume_review(*, user: Any, now: datetime) -> tuple[PracticeSession | None, bool]:
    """(the review session, whether it was already open). Starting while one is open resumes
    it; None when nothing is due."""
    with transaction.atomic():
        lock_user(user)
        for overdue in PracticeSession.objects.for_user(user).overdue(now):
            services.close_overdue(session=overdue, now=now)
        current = open_session(user, Source.REVIEW)
        if current is not None:
            return current, True
        return services.start_review(user=user, now=now), False


# Forecast and retention -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastDay:
    day: date
    count: int


def due_forecast(user: Any, now: datetime, days: int = FORECAST_DAYS) -> list[ForecastDay]:
    """Cards coming due on each of the next `days` days (in the viewer's time zone); what is
    overdue now counts on today. One query."""
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    end = datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    rows = (
        ReviewCard.objects.for_user(user)
        .active()
        .filter(question__status="published", due__lt=end)
        .annotate(day=TruncDate("due", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts: dict[date, int] = {}
    for row in rows:
        day = max(row["day"], today)
        counts[day] = counts.get(day, 0) + row["n"]
    return [
        ForecastDay(today + timedelta(days=i), counts.get(today + timedelta(days=i), 0))
        for i in range(days)
    ]


@dataclass(frozen=True)
class Retention:
    passed: int
    due_reviews: int
    days: int

    @property
    def share(self) -> float | None:
        return self.passed / self.due_reviews if self.due_reviews else None


def measured_retention(user: Any, now: datetime, days: int = RETENTION_DAYS) -> Retention:
    """Of the reviews of cards that were in review (not still being learnt) in the last `days`
    days, the share graded Hard or better: what FSRS's desired retention aims at. One query."""
    totals = ReviewLog.objects.filter(
        card__owner_id=user.pk,
        reviewed_at__gte=now - timedelta(days=days),
        card_before__state=State.Review.value,
    ).aggregate(total=Count("pk"), passed=Count("pk", filter=Q(rating__gte=2)))
    return Retention(passed=totals["passed"], due_reviews=totals["total"], days=days)


# Leeches --------------------------------------------------------------------------------------


def leeches(user: Any) -> list[ReviewCard]:
    """Leeches, suspended ones included (to resume), most lapses first."""
    return list(
        ReviewCard.objects.for_user(user)
        .leeches()
        .select_related("question__topic", "follow_up")
        .order_by("-lapses", "pk")[:50]
    )


def set_suspended(*, card_id: int, user: Any, suspended: bool) -> bool:
    """Suspend (or resume) one of the user's cards: one conditional UPDATE; False if no change."""
    return bool(
        ReviewCard.objects.for_user(user)
        .filter(pk=card_id)
        .exclude(suspended=suspended)
        .update(suspended=suspended)
    )


def reset_card(*, card_id: int, user: Any) -> bool:
    """Forget a card's schedule: the card and its review log go, so the question counts as new
    again (the plan offers it as new; grading it starts a fresh card). The candidate's answers and
    grades stay in their history. Deleting rather than rewinding keeps abandoning a session
    (which replays a card's log) from bringing the old schedule back."""
    deleted, _ = ReviewCard.objects.for_user(user).filter(pk=card_id).delete()
    return bool(deleted)
