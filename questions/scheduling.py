"""Spaced review with FSRS (the `fsrs` package): self-grades move each item's next due date.

Each user has one card per question and one per follow-up. Ratings map directly: Again, Hard,
Good, Easy are 1-4 in both. Fuzzing is off so that the schedule is reproducible and testable.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from fsrs import Card, Rating, Scheduler, State

from questions.models import Attempt, PracticeSession, ReviewCard, ReviewLog, ReviewSettings
from questions.models.practice import Clock
from questions.models.review import LEECH_LAPSES

MAX_REVIEW_SESSION = 20  # items in one review session; the rest wait for the next one

DEFAULT_SETTINGS = ReviewSettings(daily_limit=20, desired_retention=0.9)


def settings_for(user_id: int) -> ReviewSettings:
    """The user's review settings, or the defaults (not saved) when they never changed them."""
    return ReviewSettings.objects.filter(user_id=user_id).first() or DEFAULT_SETTINGS


def scheduler_for(settings: ReviewSettings) -> Scheduler:
    return Scheduler(desired_retention=settings.desired_retention, enable_fuzzing=False)


def _to_fsrs(card: ReviewCard) -> Card:
    return Card(
        card_id=card.pk or 1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.astimezone(UTC),
        last_review=card.last_review.astimezone(UTC) if card.last_review else None,
    )


@transaction.atomic
def record_review(*, attempt: Attempt, grade: int, now: datetime) -> ReviewCard | None:
    """Feed a self-grade into the owner's card for that question or follow-up."""
    if attempt.question_id is None:
        return None  # the question was deleted from the bank; history keeps the attempt
    owner_id = attempt.session.owner_id
    card, _ = ReviewCard.objects.select_for_update().get_or_create(
        owner_id=owner_id,
        question_id=attempt.question_id,
        follow_up_id=attempt.follow_up_id,
        defaults={"state": State.Learning, "step": 0, "due": now},
    )
    scheduler = scheduler_for(settings_for(owner_id))
    seconds = attempt.seconds_spent
    updated, _log = scheduler.review_card(
        _to_fsrs(card),
        Rating(grade),
        review_datetime=now.astimezone(UTC),
        review_duration=seconds * 1000 if seconds is not None else None,
    )
    card.state = updated.state.value
    card.step = updated.step
    card.stability = updated.stability
    card.difficulty = updated.difficulty
    card.due = updated.due
    card.last_review = updated.last_review
    card.reps += 1
    if grade == Rating.Again:
        card.lapses += 1
        card.leech = card.lapses >= LEECH_LAPSES
    card.save()
    ReviewLog.objects.create(
        card=card,
        attempt=attempt,
        rating=grade,
        reviewed_at=now,
        duration_ms=seconds * 1000 if seconds is not None else None,
    )
    return card


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC: the day boundary for the daily cap."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def reviews_today(user: object, now: datetime) -> int:
    """Review-session items graded since midnight: they count against the daily cap."""
    return ReviewLog.objects.filter(
        card__owner_id=user.pk,  # type: ignore[attr-defined]
        reviewed_at__gte=start_of_day(now),
        attempt__session__source="review",
    ).count()


def due_cards(user: object, now: datetime, *, limit: int | None = None) -> list[ReviewCard]:
    """Cards due now, most overdue first, of published questions only, up to `limit`."""
    qs = (
        ReviewCard.objects.for_user(user)
        .due(now)
        .filter(question__status="published")
        .select_related("question__topic", "follow_up")
    )
    return list(qs[:limit] if limit is not None else qs)


def due_today(user: object, now: datetime) -> tuple[int, int]:
    """(how many are due now, how many of them today's cap still allows)."""
    settings = settings_for(user.pk)  # type: ignore[attr-defined]
    due = ReviewCard.objects.for_user(user).due(now).filter(question__status="published").count()
    remaining = max(0, settings.daily_limit - reviews_today(user, now))
    return due, min(due, remaining)


@transaction.atomic
def start_review_session(*, user: object, now: datetime) -> PracticeSession | None:
    """A session of the items due now, most overdue first, within today's cap; None if none."""
    from questions import services

    _due, allowed = due_today(user, now)
    cards = due_cards(user, now, limit=min(allowed, MAX_REVIEW_SESSION))
    if not cards:
        return None
    session = PracticeSession.objects.create(
        owner=user,
        title=f"Review: {len(cards)} due question{'s' if len(cards) != 1 else ''}",
        source=PracticeSession.Source.REVIEW,
        clock=Clock.SUGGESTED,
        filters={"cards": [card.pk for card in cards]},
        started_at=now,
        deadline=now + timedelta(hours=django_settings.PRACTICE_SESSION_MAX_HOURS),
        question_count=len(cards),
    )
    Attempt.objects.bulk_create(
        Attempt.from_bank(
            card.question,
            card.follow_up,
            session=session,
            position=position,
            allowed_seconds=(
                services.follow_up_seconds(card.question.seconds)
                if card.follow_up
                else card.question.seconds
            ),
        )
        for position, card in enumerate(cards, start=1)
    )
    services.activate_next(session, now)
    return session


def next_due(user: object, now: datetime) -> datetime | None:
    card = ReviewCard.objects.for_user(user).filter(due__gt=now).order_by("due").first()
    return card.due if card else None
