"""Spaced review with FSRS (the `fsrs` package): self-grades move each item's next due date.

Each user has one card per question and one per follow-up. Ratings map directly: Again, Hard,
Good, Easy are 1-4 in both. Fuzzing is off so that the schedule is reproducible and testable.
"""

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Model
from fsrs import Card, Rating, Scheduler, State

from questions.models import Attempt, ReviewCard, ReviewLog, ReviewSettings
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


def take_fsrs_state(card: ReviewCard, state: Card) -> None:
    """Copy the scheduler's result into the card's columns (the inverse of `_to_fsrs`)."""
    card.state = state.state.value
    card.step = state.step
    card.stability = state.stability
    card.difficulty = state.difficulty
    card.due = state.due
    card.last_review = state.last_review


@transaction.atomic
def record_review(*, attempt: Attempt, grade: int, now: datetime) -> ReviewCard | None:
    """Feed a self-grade into the owner's card for that question or follow-up."""
    if attempt.question_id is None:
        return None  # the question was deleted from the bank; history keeps the attempt
    owner_id = attempt.session.owner_id
    card, created = ReviewCard.objects.select_for_update().get_or_create(
        owner_id=owner_id,
        question_id=attempt.question_id,
        follow_up_id=attempt.follow_up_id,
        defaults={"state": State.Learning, "step": 0, "due": now},
    )
    before = {} if created else _card_state(card)
    scheduler = scheduler_for(settings_for(card.owner_id))
    seconds = attempt.seconds_spent
    updated, _log = scheduler.review_card(
        _to_fsrs(card),
        Rating(grade),
        review_datetime=now.astimezone(UTC),
        review_duration=seconds * 1000 if seconds is not None else None,
    )
    take_fsrs_state(card, updated)
    card.reps += 1
    if grade == Rating.Again:
        card.lapses += 1
        card.leech = card.lapses >= LEECH_LAPSES
    card.save()
    ReviewLog.objects.create(
        card=card,
        attempt=attempt,
        card_before=before,
        rating=grade,
        reviewed_at=now,
        duration_ms=seconds * 1000 if seconds is not None else None,
    )
    return card


_CARD_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def _card_state(card: ReviewCard) -> dict[str, object]:
    """The card's scheduling state as JSON, so that a review can be undone exactly."""
    state: dict[str, object] = {name: getattr(card, name) for name in _CARD_FIELDS}
    state["leech"] = card.leech
    for name in ("due", "last_review"):
        value = state[name]
        state[name] = value.isoformat() if isinstance(value, datetime) else None
    return state


@transaction.atomic
def undo_review(*, attempt: Attempt) -> None:
    """Return the card and its log to exactly what they were before this attempt's review."""
    log = ReviewLog.objects.select_related("card").filter(attempt=attempt).first()
    if log is None:
        return
    card = ReviewCard.objects.select_for_update().get(pk=log.card_id)
    log.delete()
    if not log.card_before:  # the review created the card
        card.delete()
        return
    for name, value in log.card_before.items():
        if name in ("due", "last_review") and value is not None:
            value = datetime.fromisoformat(value)
        setattr(card, name, value)
    card.save()


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC: the day boundary for the daily cap."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def reviews_today(user: Model, now: datetime) -> int:
    """Review-session items graded since midnight: they count against the daily cap."""
    return ReviewLog.objects.filter(
        card__owner_id=user.pk,
        reviewed_at__gte=start_of_day(now),
        attempt__session__source="review",
    ).count()


def due_cards(user: Model, now: datetime, *, limit: int | None = None) -> list[ReviewCard]:
    """Cards due now, most overdue first, of published questions only, up to `limit`."""
    qs = (
        ReviewCard.objects.for_user(user)
        .due(now)
        .filter(question__status="published")
        .select_related("question__topic", "follow_up")
    )
    return list(qs[:limit] if limit is not None else qs)


def due_today(user: Model, now: datetime) -> tuple[int, int]:
    """(how many are due now, how many of them today's cap still allows)."""
    settings = settings_for(user.pk)
    due = ReviewCard.objects.for_user(user).due(now).filter(question__status="published").count()
    remaining = max(0, settings.daily_limit - reviews_today(user, now))
    return due, min(due, remaining)


def cards_for_review(user: Model, now: datetime) -> list[ReviewCard]:
    """What a review session asks: the cards due now, most overdue first, within today's cap."""
    _due, allowed = due_today(user, now)
    return due_cards(user, now, limit=min(allowed, MAX_REVIEW_SESSION))


def next_due(user: Model, now: datetime) -> datetime | None:
    card = ReviewCard.objects.for_user(user).filter(due__gt=now).order_by("due").first()
    return card.due if card else None
