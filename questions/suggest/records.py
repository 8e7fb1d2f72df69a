"""Key-point suggestions on the reveal stage and the record of them kept with each grade."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from questions import rubric
from questions.models import Attempt, PracticeSession, SuggestionRecord
from questions.suggest import METHODS, Suggestion, suggest


@dataclass(frozen=True)
class RevealSuggestions:
    """What the reveal stage shows: how suggestions were found, and one per key point (or None)."""

    how: str
    by_point: list[Suggestion | None]

    @property
    def count(self) -> int:
        return sum(1 for s in self.by_point if s is not None)


def for_reveal(attempt: Attempt | None) -> RevealSuggestions | None:
    """Suggestions for a submitted attempt's key points; None when there is nothing to show."""
    if attempt is None or attempt.state != Attempt.State.SUBMITTED or not attempt.key_points:
        return None
    if not attempt.answer.strip():
        return None  # nothing typed: nothing to suggest or to say about it
    method, found = suggest(attempt.answer, attempt.key_points)
    if not method:
        return None
    by_point: list[Suggestion | None] = [None] * len(attempt.key_points)
    for suggestion in found:
        by_point[suggestion.index] = suggestion
    return RevealSuggestions(METHODS[method].how, by_point)


def grade_with_suggestions(
    *,
    session: PracticeSession,
    attempt_id: int,
    grade: int,
    ticked: Sequence[int],
    flagged: Sequence[int],
    now: datetime,
) -> bool:
    """rubric.grade_with_rubric, and in the same transaction a record of what was suggested for
    the answer beside what the candidate ticked (undoing the grade deletes it)."""
    with transaction.atomic():
        graded = rubric.grade_with_rubric(
            session=session,
            attempt_id=attempt_id,
            grade=grade,
            ticked=ticked,
            flagged=flagged,
            now=now,
        )
        if graded and session.owner_id is not None:
            attempt = Attempt.objects.only("answer", "key_points", "ticked").get(pk=attempt_id)
            method, found = suggest(attempt.answer, attempt.key_points)
            SuggestionRecord.objects.update_or_create(
                attempt_id=attempt_id,
                defaults={
                    "owner_id": session.owner_id,
                    **record_fields(attempt, method, found, now),
                },
            )
    return graded


def record_fields(
    attempt: Attempt, method: str, found: Sequence[Suggestion], now: datetime
) -> dict[str, Any]:
    suggested = [s.index for s in found]
    ticked = sorted(set(attempt.ticked))
    return {
        "method": method,
        "suggested": suggested,
        "quotes": [s.sentence for s in found],
        "ticked": ticked,
        "key_point_count": len(attempt.key_points),
        "suggested_count": len(suggested),
        "suggested_ticked": len(set(suggested) & set(ticked)),
        "unsuggested_ticked": len(set(ticked) - set(suggested)),
        "recorded_at": now,
    }


@dataclass(frozen=True)
class Calibration:
    answers: int
    with_suggestions: int
    key_points: int
    suggested: int
    suggested_ticked: int
    unsuggested_ticked: int

    @property
    def not_suggested(self) -> int:
        return self.key_points - self.suggested

    @property
    def agreement(self) -> float | None:
        """Share of the suggested key points the candidate ticked."""
        return self.suggested_ticked / self.suggested if self.suggested else None

    @property
    def beyond(self) -> float | None:
        """Share of the key points not suggested that the candidate ticked anyway."""
        return self.unsuggested_ticked / self.not_suggested if self.not_suggested else None


def calibration(user: Any) -> Calibration:
    """Self versus suggestion over the user's graded answers (one query)."""
    return Calibration(**SuggestionRecord.objects.for_user(user).calibration())
