"""The weighted rubric: the grade that ticked key points and red flags suggest, and grading with it.

The rule (static/js/rubric.js applies the same one live on the reveal stage; keep them in step):

1. Each key point is worth points by its weight: must 3, should 2, bonus 1.
2. The share is the points of the ticked key points over the points of all must and should
   points. Bonus points count when ticked but are not needed, so they can make up for a missed
   should. (A rubric of bonus points only divides by their points.)
3. Share 100% or more suggests Easy, 75% Good, 40% Hard, less Again. These are the thresholds of
   the first edition, so a rubric of must points only suggests what it always did.
4. Easy needs every must point: bonus points never stand in for a must-have.
5. A ticked red flag caps the suggestion at Hard, whatever else was ticked.

Integer arithmetic only (no floating point), so Python and JavaScript agree on every boundary.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction

from questions import services
from questions.models import Attempt, PracticeSession
from questions.models.bank import Weight
from questions.models.practice import Grade

POINTS = {Weight.MUST: 3, Weight.SHOULD: 2, Weight.BONUS: 1}
# (numerator, denominator) of the share each grade needs, best first.
THRESHOLDS = ((Grade.EASY, 1, 1), (Grade.GOOD, 3, 4), (Grade.HARD, 2, 5))
RED_FLAG_CAP = Grade.HARD


def suggest_grade(
    weights: Sequence[str], ticked: Iterable[int], red_flags_ticked: int = 0
) -> int | None:
    """The grade the ticks suggest (1 Again .. 4 Easy), or None without key points.

    `weights` has one entry per key point (must/should/bonus; anything else counts as must),
    `ticked` the indexes of the ticked key points (others are ignored), `red_flags_ticked` how
    many red flags were ticked.
    """
    if not weights:
        return None
    kinds = [w if w in POINTS else Weight.MUST for w in weights]
    points = [POINTS[w] for w in kinds]  # type: ignore[index]
    chosen = {i for i in ticked if 0 <= i < len(points)}
    got = sum(points[i] for i in chosen)
    full = sum(p for w, p in zip(kinds, points, strict=True) if w != Weight.BONUS) or sum(points)
    grade = next((g for g, num, den in THRESHOLDS if got * den >= full * num), Grade.AGAIN)
    if grade == Grade.EASY and any(
        w == Weight.MUST and i not in chosen for i, w in enumerate(kinds)
    ):
        grade = Grade.GOOD
    if red_flags_ticked > 0:
        grade = min(grade, RED_FLAG_CAP)
    return int(grade)


def grade_with_rubric(
    *,
    session: PracticeSession,
    attempt_id: int,
    grade: int,
    ticked: Sequence[int],
    flagged: Sequence[int],
    now: datetime,
) -> bool:
    """Grade through services.grade_attempt and, in the same transaction, record the ticked red
    flags and the grade the rubric suggested. Idempotent as grade_attempt is.

    (A separate step so that services.py stays as it is while it is being rewritten; it can
    move into grade_attempt later.)
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.filter(pk=attempt_id, session=session)
            .only("key_points", "key_point_weights", "red_flags")
            .first()
        )
        if attempt is None:
            return False
        valid_flags = sorted({i for i in flagged if 0 <= i < len(attempt.red_flags)})
        valid_ticks = sorted({i for i in ticked if 0 <= i < len(attempt.key_points)})
        graded = services.grade_attempt(
            session=session, attempt_id=attempt_id, grade=grade, ticked=valid_ticks, now=now
        )
        if graded:
            weights = [weight for _, weight in attempt.weighted_key_points]
            Attempt.objects.filter(pk=attempt_id).update(
                flagged=valid_flags,
                suggested_grade=suggest_grade(weights, valid_ticks, len(valid_flags)),
            )
    return graded
