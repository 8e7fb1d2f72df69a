"""Abandoning a practice session: it stays in history, but what it fed into spaced review leaves.

A session is abandoned with one conditional UPDATE (only an in-progress one, once). Its grades
had already been fed into the candidate's review cards as they were given, so their review-log
rows are deleted and every card they touched is rebuilt by replaying the card's remaining log,
as if the abandoned session had never been graded (a card with nothing left is deleted).
"""

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Value
from fsrs import Card, Rating

from questions.models import PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import AttemptState, SessionStatus
from questions.models.review import LEECH_LAPSES
from questions.scheduling import scheduler_for, settings_for, take_fsrs_state

ABANDONED = SessionStatus.ABANDONED


def abandon_session(*, session: PracticeSession, now: datetime) -> bool:
    """Abandon an in-progress session once; replays and closed sessions change nothing."""
    with transaction.atomic():
        changed = PracticeSession.objects.filter(
            pk=session.pk, status=SessionStatus.IN_PROGRESS
        ).update(status=ABANDONED, finished_at=now)
        if not changed:
            return False
        # What was being answered is locked as last saved; questions never reached stay so.
        session.attempts.filter(state=AttemptState.ACTIVE).update(
            state=AttemptState.SUBMITTED,
            submitted_at=now,
            time_spent=ExpressionWrapper(
                Value(now) - F("started_at"), output_field=DurationField()
            ),
        )
        forget_reviews(session)
    session.status = ABANDONED
    session.finished_at = now
    return True


def forget_reviews(session: PracticeSession) -> int:
    """Delete the session's review-log rows and rebuild the cards they moved; returns rows gone."""
    logs = ReviewLog.objects.filter(attempt__session=session)
    card_ids = set(logs.values_list("card_id", flat=True))
    deleted, _ = logs.delete()
    for card in ReviewCard.objects.select_for_update().filter(pk__in=card_ids):
        _replay(card)
    return deleted


def _replay(card: ReviewCard) -> None:
    remaining = list(card.logs.order_by("reviewed_at", "pk"))
    if not remaining:
        card.delete()
        return
    scheduler = scheduler_for(settings_for(card.owner_id))
    state = Card(card_id=card.pk, step=0, due=remaining[0].reviewed_at.astimezone(UTC))
    for log in remaining:
        state, _ = scheduler.review_card(
            state,
            Rating(log.rating),
            review_datetime=log.reviewed_at.astimezone(UTC),
            review_duration=log.duration_ms,
        )
    take_fsrs_state(card, state)
    card.reps = len(remaining)
    card.lapses = sum(log.rating == Rating.Again for log in remaining)
    card.leech = card.lapses >= LEECH_LAPSES
    card.save()
