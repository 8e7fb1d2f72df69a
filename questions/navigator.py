"""The question navigator: whole-session interviews answered in any order (Moodle-style).

A session started with `navigator` (whole-session clock only) opens every question at once, on
the session's clock, without follow-ups. The candidate moves between questions, flags some to
come back to, changes earlier answers while the session's time remains, and finishes from a
"review before finishing" page. Only then are the answers locked and revealed one by one for
grading, through the same reveal and grade steps as every session.

Whether an answer may still be written is `Attempt.objects.writable` (the one rule), for the
autosave (`services.save_answer`, compare-and-swap on the revision) and for every write here:
the navigator's questions are simply all "being answered" until the candidate finishes or the
clock runs out. Flags and confirmations are single conditional UPDATEs under that rule.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from questions import services
from questions.models import Attempt, PracticeSession
from questions.models.practice import AttemptState, NavigatorState, SessionStatus

LOCKED_TOGETHER = (
    "In this session, answers are locked together: use “Review and finish” when you are done."
)


@dataclass(frozen=True)
class Item:
    """One line of the navigator's list."""

    number: int
    title: str
    state: str
    state_label: str
    flagged: bool

    @property
    def unanswered(self) -> bool:
        return self.state != NavigatorState.ANSWERED


def items(session: PracticeSession) -> list[Item]:
    """The session's questions in order with their state: one query."""
    return [
        Item(
            number=attempt.position,
            title=attempt.title,
            state=attempt.navigator_state,
            state_label=NavigatorState(attempt.navigator_state).label,
            flagged=attempt.flagged_for_review,
        )
        for attempt in session.attempts.navigator()
    ]


def question(session: PracticeSession, number: int) -> Attempt | None:
    """The session's question `number` (from 1), or None for a number it does not have."""
    if not 0 < number <= session.question_count:
        return None
    return session.attempts.filter(sub=0, position=number).first()


def is_answering(session: PracticeSession, attempt: Attempt | None) -> bool:
    """The navigator is in charge of this attempt: its session is open and it is being answered.

    The linear steps (submit, skip) refuse such an attempt: a navigator's answers are locked
    together, by `finish_answering`.
    """
    return (
        session.navigator
        and session.is_open
        and attempt is not None
        and attempt.state == AttemptState.ACTIVE
    )


def set_flag(*, session: PracticeSession, number: int, flagged: bool, now: datetime) -> bool:
    """Flag (or unflag) a question to come back to, while its answer may still be written."""
    return bool(
        Attempt.objects.writable(now)
        .filter(session_id=session.pk, position=number, sub=0, session__navigator=True)
        .update(flagged_for_review=flagged)
    )


def confirm_answer(*, session: PracticeSession, number: int, revision: int, now: datetime) -> bool:
    """Mark the answer at `revision` as the candidate's answer ("answered", not a draft).

    Applies only if `revision` is still the current one: if another tab saved since, the
    question stays a draft, which is the truth.
    """
    return bool(
        Attempt.objects.writable(now)
        .filter(
            session_id=session.pk,
            position=number,
            sub=0,
            revision=revision,
            session__navigator=True,
        )
        .update(answered_revision=F("revision"))
    )


def keep_late_draft(*, attempt: Attempt, text: str, now: datetime) -> None:
    """At time-up, text from a page that had not seen the newest revision: the answer saved in
    time stands, and this text is kept beside it as a late draft (as a linear submit does)."""
    if text and text != attempt.answer:
        Attempt.objects.filter(pk=attempt.pk).update(
            late_answer=text, late_revision=F("late_revision") + 1, late_saved_at=now
        )


def finish_answering(*, session: PracticeSession, now: datetime) -> bool:
    """Lock every answer as last saved and move on to revealing and grading them. Exactly once.

    Like a linear submit: once the session's time is up (and its grace period), the session
    closes as expired instead; at or past the deadline within the grace period, the answers
    count and the session finishes; otherwise the answers are revealed one by one, the clock
    pausing for that in practice mode. Returns whether this call locked the answers.
    """
    with transaction.atomic():
        services.lock_session(session)
        if not session.navigator or not session.is_open:
            return False
        if session.is_past_deadline(now):
            services.close_overdue(session=session, now=now)
            return False
        # Time on each question is not measured when they are all open at once: left empty.
        locked = session.attempts.filter(state=AttemptState.ACTIVE).update(
            state=AttemptState.SUBMITTED, submitted_at=now
        )
        if not locked:
            return False
        if now >= session.deadline:
            services.finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
        else:
            services.pause_for_review(session, now)
    return True
