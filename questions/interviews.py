"""Live interviews: candidates, scorecards, notes autosave, submitting, corrections, and who may
see whose scorecard (independent feedback).

The rule of independent feedback lives in `may_see_others`: an interviewer sees no other
scorecard for a candidate until their own for that candidate is submitted; a manager who is not
interviewing the candidate sees them all (to run the debrief).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from questions.models import (
    Candidate,
    CompetencyRating,
    Correction,
    Kit,
    Loop,
    LoopRound,
    Membership,
    Scorecard,
    ScorecardItem,
)
from questions.models.interviews import (
    MAX_NOTES_LENGTH,
    MAX_RATIONALE_LENGTH,
    RATING_MAX,
    RATING_MIN,
    Recommendation,
    ScorecardState,
)
from questions.models.teams import TeamRole
from questions.services import InvalidAnswer, SaveResult, validate_answer

MAX_CANDIDATES_PER_TEAM = 5000


class ScorecardError(ValueError):
    """Refused input: the message says what to fix (422)."""


class ScorecardClosed(Exception):
    """The scorecard was submitted: nothing in it changes any more (409)."""


def may_see_others(*, candidate: Candidate, user: Any, membership: Membership) -> bool:
    """Whether `user` may see other interviewers' scorecards for `candidate`.

    Only after submitting their own scorecard for this candidate; a manager with no scorecard of
    their own in progress for the candidate sees them (they run the debrief).
    """
    own = list(
        Scorecard.objects.filter(candidate=candidate, interviewer=user).values_list(
            "state", flat=True
        )
    )
    if ScorecardState.DRAFT in own:
        return False
    if ScorecardState.SUBMITTED in own:
        return True
    return membership.role == TeamRole.MANAGER


@transaction.atomic
def add_candidate(*, team: Any, loop_id: int | None, name: str, email: str, by: Any) -> Candidate:
    if not name and not email:
        raise ScorecardError("Give the candidate's name or e-mail address.")
    loop = None
    if loop_id is not None:
        loop = Loop.objects.filter(pk=loop_id, team=team).first()
        if loop is None:
            raise ScorecardError("Choose one of the team's loops.")
    if Candidate.objects.filter(team=team).count() >= MAX_CANDIDATES_PER_TEAM:
        raise ScorecardError("This team has too many candidates: delete old packets first.")
    return Candidate.objects.create(
        team=team, loop=loop, name=name or email, email=email, created_by=by
    )


def _snapshot_items(scorecard: Scorecard, kit: Kit) -> None:
    items = kit.items.usable().select_related("question__topic").order_by("position")
    ScorecardItem.objects.bulk_create(
        ScorecardItem(
            scorecard=scorecard,
            question=item.question,
            position=n,
            title=item.question.title,
            topic=item.question.topic.name,
            minutes=item.minutes or kit.minutes,
            key_points=item.question.key_points,
            key_point_weights=item.question.key_point_weights,
            red_flags=item.question.red_flags,
        )
        for n, item in enumerate(items, 1)
    )


@transaction.atomic
def start_scorecard(
    *, candidate: Candidate, loop_round: LoopRound, interviewer: Any, now: datetime
) -> Scorecard:
    """The interviewer's scorecard for this candidate and round: the existing one, or a new one
    with a snapshot of the round's questions. Starting twice opens the same scorecard."""
    existing = Scorecard.objects.filter(
        candidate=candidate, loop_round=loop_round, interviewer=interviewer
    ).first()
    if existing is not None:
        return existing
    assigned = list(loop_round.interviewers.values_list("pk", flat=True))
    if assigned and interviewer.pk not in assigned:
        raise ScorecardError("This round has its own interviewers; you are not one of them.")
    kit = loop_round.kit
    try:
        with transaction.atomic():
            scorecard = Scorecard.objects.create(
                candidate=candidate,
                interviewer=interviewer,
                interviewer_name=interviewer.get_username(),
                loop_round=loop_round,
                kit=kit,
                round_position=loop_round.position,
                round_title=kit.round or kit.title,
                competencies=loop_round.competencies,
                started_at=now,
            )
    except IntegrityError:  # a double click: the other request created it
        return Scorecard.objects.get(
            candidate=candidate, loop_round=loop_round, interviewer=interviewer
        )
    _snapshot_items(scorecard, kit)
    return scorecard


def _writable_item(scorecard: Scorecard, item_id: int) -> Any:
    return ScorecardItem.objects.writable().filter(
        pk=item_id, scorecard_id=scorecard.pk, scorecard__interviewer_id=scorecard.interviewer_id
    )


def save_notes(
    *, scorecard: Scorecard, item_id: int, text: str, base: int, writer: str, now: datetime
) -> SaveResult | None:
    """Autosave an item's notes: the candidate's answer box protocol (compare-and-swap on the
    revision the page saw; the server owns the revision; a retry of an applied save is saved;
    a stale page gets the current text back). None when there is no such item."""
    try:
        validate_answer(text)
    except InvalidAnswer as invalid:
        raise ScorecardError(str(invalid).replace("answer", "notes")) from None
    if len(text) > MAX_NOTES_LENGTH:
        raise ScorecardError(f"Notes are limited to {MAX_NOTES_LENGTH:,} characters.")
    updated = (
        _writable_item(scorecard, item_id)
        .filter(Q(revision=base) | (Q(writer=writer) & ~Q(writer="")))
        .update(notes=text, revision=F("revision") + 1, writer=writer, saved_at=now)
    )
    item = ScorecardItem.objects.filter(pk=item_id, scorecard=scorecard).first()
    if item is None:
        return None
    if updated:
        return SaveResult("saved", item.revision, None, item.saved_at)
    if scorecard_state(scorecard) != ScorecardState.DRAFT:
        return SaveResult("closed", item.revision, None, item.saved_at)
    if item.notes == text:
        return SaveResult("saved", item.revision, None, item.saved_at)
    return SaveResult("conflict", item.revision, None, item.saved_at, item.notes)


def scorecard_state(scorecard: Scorecard) -> str:
    return Scorecard.objects.filter(pk=scorecard.pk).values_list("state", flat=True).first() or ""


def _check_open(updated: int) -> None:
    if not updated:
        raise ScorecardClosed


def mark_item(
    *,
    scorecard: Scorecard,
    item: ScorecardItem,
    ticked: list[int],
    flagged: list[int],
    rating: int | None,
) -> None:
    """Store the ticked key points, the red flags shown and the 1-4 rating of one question."""
    if rating is not None and not RATING_MIN <= rating <= RATING_MAX:
        raise ScorecardError(f"A rating is {RATING_MIN} to {RATING_MAX}.")
    ticks = sorted({i for i in ticked if 0 <= i < len(item.key_points)})
    flags = sorted({i for i in flagged if 0 <= i < len(item.red_flags)})
    _check_open(
        _writable_item(scorecard, item.pk).update(ticked=ticks, flagged=flags, rating=rating)
    )


def run_timer(*, scorecard: Scorecard, item: ScorecardItem, action: str, now: datetime) -> None:
    """The interviewer's stopwatch for one question: start, pause or reset."""
    rows = _writable_item(scorecard, item.pk)
    if action == "start":
        _check_open(
            rows.filter(timer_started_at__isnull=True).update(timer_started_at=now) or rows.count()
        )
    elif action == "pause":
        current = rows.filter(timer_started_at__isnull=False).first()
        if current is not None:
            rows.filter(timer_started_at=current.timer_started_at).update(
                timer_seconds=current.elapsed(now), timer_started_at=None
            )
        else:
            _check_open(rows.count())
    elif action == "reset":
        _check_open(rows.update(timer_seconds=0, timer_started_at=None))
    else:
        raise ScorecardError("Start, pause or reset the timer.")


@dataclass(frozen=True)
class Submission:
    recommendation: str
    rationale: str
    competencies: dict[str, int]


def check_submission(
    scorecard: Scorecard, *, recommendation: str, rationale: str, ratings: dict[str, str]
) -> tuple[Submission | None, dict[str, str]]:
    """The submission, or the errors by field name (nothing is stored either way)."""
    errors: dict[str, str] = {}
    if recommendation not in Recommendation.values:
        errors["recommendation"] = "Choose strong no, no, yes or strong yes."
    rationale = rationale.replace("\x00", "").strip()
    if not rationale:
        errors["rationale"] = (
            "Write the rationale: what in the interview supports your recommendation."
        )
    elif len(rationale) > MAX_RATIONALE_LENGTH:
        errors["rationale"] = f"The rationale is limited to {MAX_RATIONALE_LENGTH:,} characters."
    competencies: dict[str, int] = {}
    for n, name in enumerate(scorecard.competencies):
        raw = ratings.get(f"competency_{n}", "")
        if not (raw.isdigit() and len(raw) == 1 and RATING_MIN <= int(raw) <= RATING_MAX):
            errors[f"competency_{n}"] = f"Rate “{name}” from {RATING_MIN} to {RATING_MAX}."
        else:
            competencies[name] = int(raw)
    if errors:
        return None, errors
    return Submission(recommendation, rationale, competencies), {}


@transaction.atomic
def submit_scorecard(*, scorecard: Scorecard, submission: Submission, now: datetime) -> None:
    """Submit, once: one conditional UPDATE from draft. A second submission raises
    ScorecardClosed."""
    updated = Scorecard.objects.filter(pk=scorecard.pk, state=ScorecardState.DRAFT).update(
        state=ScorecardState.SUBMITTED,
        recommendation=submission.recommendation,
        rationale=submission.rationale,
        submitted_at=now,
    )
    _check_open(updated)
    ScorecardItem.objects.filter(scorecard=scorecard, timer_started_at__isnull=False).update(
        timer_started_at=None
    )
    CompetencyRating.objects.bulk_create(
        CompetencyRating(scorecard=scorecard, competency=name, rating=rating)
        for name, rating in submission.competencies.items()
    )


def add_correction(*, scorecard: Scorecard, author: Any, text: str, now: datetime) -> Correction:
    """Append a correction to a submitted scorecard (the scorecard itself stays as submitted)."""
    text = text.replace("\x00", "").strip()
    if not text:
        raise ScorecardError("Write the correction.")
    if len(text) > MAX_RATIONALE_LENGTH:
        raise ScorecardError(f"A correction is limited to {MAX_RATIONALE_LENGTH:,} characters.")
    if scorecard_state(scorecard) != ScorecardState.SUBMITTED:
        raise ScorecardError("Corrections are for submitted scorecards; edit the draft instead.")
    return Correction.objects.create(
        scorecard=scorecard,
        author=author,
        author_name=author.get_username(),
        text=text,
        created_at=now,
    )


def delete_candidate(*, candidate: Candidate) -> int:
    """Delete a candidate's packet: the candidate, every scorecard, item, note, rating and
    correction (the foreign keys cascade). Returns the number of scorecards removed."""
    count = candidate.scorecards.count()
    candidate.delete()
    return count
