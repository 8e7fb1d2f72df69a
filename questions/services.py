"""Writes that touch several rows: starting, answering, grading and finishing practice sessions.

Every state change is a conditional UPDATE that names the state it expects, so double clicks,
replays and concurrent requests change nothing more; time comes in as `now` from the view.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Q, TextField, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from questions import scheduling
from questions.models import Attempt, PracticeSession, Question
from questions.models.practice import MAX_ANSWER_LENGTH, AttemptState, Clock, SessionStatus, grace

MIN_FOLLOW_UP_SECONDS = 60


class InvalidAnswer(ValueError):
    """The answer text cannot be stored (too long, NUL characters)."""


# Starting ---------------------------------------------------------------------------------------


def choose_questions(
    *,
    topics: Sequence[str] = (),
    levels: Sequence[str] = (),
    kinds: Sequence[str] = (),
    roles: Sequence[str] = (),
    count: int,
    rng: random.Random | None = None,
) -> list[Question]:
    """Up to `count` published questions matching every filter given, in random order."""
    qs = Question.objects.published()
    if topics:
        qs = qs.filter(topic__slug__in=topics)
    if levels:
        qs = qs.filter(level__in=levels)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if roles:
        qs = qs.filter(roles__overlap=list(roles))
    ids = list(qs.values_list("pk", flat=True))
    (rng or random.SystemRandom()).shuffle(ids)
    chosen = ids[:count]
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=chosen)}
    return [by_id[pk] for pk in chosen]


def _allowed_seconds(
    clock: str, minutes: int | None, base_seconds: int, follow_up: bool
) -> int | None:
    if clock == Clock.SUGGESTED:
        seconds = base_seconds
    elif clock == Clock.PER_QUESTION:
        seconds = (minutes or 1) * 60
    else:  # untimed, or timed by the session as a whole
        return None
    return max(MIN_FOLLOW_UP_SECONDS, seconds // 2) if follow_up else seconds


@transaction.atomic
def start_session(
    *,
    user: Any,
    questions: Sequence[Question],
    clock: str,
    minutes: int | None,
    now: datetime,
    title: str,
    source: str = PracticeSession.Source.FILTERS,
    filters: dict[str, Any] | None = None,
    with_follow_ups: bool = True,
) -> PracticeSession:
    """Create a session with a snapshot of every question and follow-up, and start the first."""
    if not questions:
        raise ValueError("a session needs at least one question")
    if clock == Clock.SESSION:
        deadline = now + timedelta(minutes=minutes or 1)
    else:
        deadline = now + timedelta(hours=settings.PRACTICE_SESSION_MAX_HOURS)
    session = PracticeSession.objects.create(
        owner=user,
        title=title,
        source=source,
        filters=filters or {},
        clock=clock,
        minutes=minutes,
        started_at=now,
        deadline=deadline,
        question_count=len(questions),
    )
    attempts = []
    prefetched = (
        Question.objects.filter(pk__in=[q.pk for q in questions])
        .select_related("topic")
        .prefetch_related("follow_ups")
    )
    by_id = {q.pk: q for q in prefetched}
    for position, chosen in enumerate(questions, start=1):
        question = by_id[chosen.pk]
        follow_ups = list(question.follow_ups.all()) if with_follow_ups else []
        allowed = _allowed_seconds(clock, minutes, question.seconds, follow_up=False)
        attempts.append(
            Attempt(
                session=session,
                question=question,
                position=position,
                sub=0,
                follow_up_count=len(follow_ups),
                question_version=question.version,
                title=question.title,
                topic_name=question.topic.name,
                level=question.level,
                kind=question.kind,
                prompt_html=question.prompt_html,
                answer_html=question.answer_html,
                key_points=list(question.key_points),
                allowed_seconds=allowed,
            )
        )
        for sub, follow_up in enumerate(follow_ups, start=1):
            attempts.append(
                Attempt(
                    session=session,
                    question=question,
                    follow_up=follow_up,
                    position=position,
                    sub=sub,
                    follow_up_count=len(follow_ups),
                    question_version=question.version,
                    title=f"Follow-up to: {question.title}",
                    topic_name=question.topic.name,
                    level=question.level,
                    kind=question.kind,
                    prompt_html=follow_up.prompt_html,
                    answer_html=follow_up.answer_html,
                    key_points=list(follow_up.key_points),
                    allowed_seconds=_allowed_seconds(
                        clock, minutes, allowed or question.seconds, True
                    ),
                )
            )
    Attempt.objects.bulk_create(attempts)
    activate_next(session, now)
    return session


def activate_next(session: PracticeSession, now: datetime) -> Attempt | None:
    """Start the clock of the first attempt not yet reached, unless one is already open."""
    if session.attempts.filter(state__in=[AttemptState.ACTIVE, AttemptState.SUBMITTED]).exists():
        return None
    following = (
        session.attempts.filter(state=AttemptState.PENDING).order_by("position", "sub").first()
    )
    if following is None:
        finish_session(session=session, now=now)
        return None
    deadline = None
    if following.allowed_seconds is not None:
        deadline = now + timedelta(seconds=following.allowed_seconds)
    elif session.clock == Clock.SESSION:
        deadline = session.deadline
    if deadline is not None and session.clock != Clock.UNTIMED:
        deadline = min(deadline, session.deadline)
    Attempt.objects.filter(pk=following.pk, state=AttemptState.PENDING).update(
        state=AttemptState.ACTIVE, started_at=now, deadline=deadline
    )
    return following


# Answering --------------------------------------------------------------------------------------


def validate_answer(text: str) -> str:
    if "\x00" in text:
        raise InvalidAnswer("The answer contains a NUL character, which cannot be stored.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise InvalidAnswer(
            f"The answer is {len(text):,} characters long; the limit is {MAX_ANSWER_LENGTH:,}."
        )
    return text


@dataclass(frozen=True)
class SaveResult:
    """What an autosave did: `saved`, or why not (`stale`, `closed`, `late`)."""

    outcome: str
    revision: int
    seconds_left: int | None = None
    saved_at: datetime | None = None


_SAVE_SQL = """
UPDATE questions_attempt AS a
   SET answer = %(text)s, revision = %(revision)s, saved_at = %(now)s
  FROM questions_practicesession AS s
 WHERE a.id = %(attempt)s
   AND a.session_id = %(session)s
   AND s.id = %(session)s
   AND s.owner_id = %(owner)s
   AND s.status = 'in-progress'
   AND s.deadline + %(grace)s >= %(now)s
   AND a.state = 'active'
   AND a.revision < %(revision)s
   AND (a.deadline IS NULL OR a.deadline + %(grace)s >= %(now)s)
RETURNING a.deadline
"""


def save_answer(
    *, session_id: int, attempt_id: int, owner_id: int, text: str, revision: int, now: datetime
) -> SaveResult | None:
    """Store a typed answer if it is newer, the attempt is open, and its deadline has not passed.

    The happy path is one UPDATE ... RETURNING (the ORM's update() cannot return the deadline the
    page needs). Otherwise it says why, keeping text that came too late as a flagged late draft.
    Returns None when the attempt is not the owner's.
    """
    validate_answer(text)
    params = {
        "text": text,
        "revision": revision,
        "now": now,
        "attempt": attempt_id,
        "session": session_id,
        "owner": owner_id,
        "grace": grace(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_SQL, params)
        row = cursor.fetchone()
    if row is not None:
        deadline = row[0]
        seconds_left = None if deadline is None else max(0, int((deadline - now).total_seconds()))
        return SaveResult("saved", revision, seconds_left, now)

    attempt = (
        Attempt.objects.filter(pk=attempt_id, session_id=session_id, session__owner_id=owner_id)
        .select_related("session")
        .first()
    )
    if attempt is None:
        return None
    session = attempt.session
    past_deadline = attempt.is_past_deadline(now) or now > session.deadline + grace()
    if attempt.state == AttemptState.ACTIVE and session.is_open and not past_deadline:
        return SaveResult("stale", attempt.revision, attempt.seconds_left(now), attempt.saved_at)
    if past_deadline and attempt.state in (AttemptState.ACTIVE, AttemptState.SUBMITTED):
        # Too late to count, too valuable to drop: keep the newest late text, flagged.
        Attempt.objects.filter(pk=attempt.pk, late_revision__lt=revision).update(
            late_answer=text, late_revision=revision, late_saved_at=now
        )
        close_overdue(session=session, now=now)
        return SaveResult("late", attempt.revision, 0, attempt.saved_at)
    return SaveResult("closed", attempt.revision, None, attempt.saved_at)


def _time_spent_until(at: datetime) -> Least:
    """Seconds on the clock from start until `at`, never more than the time allowed."""
    return Least(Value(at) - F("started_at"), F("deadline") - F("started_at"))


def submit_attempt(
    *,
    session: PracticeSession,
    attempt_id: int,
    now: datetime,
    text: str | None = None,
    revision: int | None = None,
    peeked: bool = False,
) -> bool:
    """Lock the answer (taking `text` if its revision is newer) and reveal the model answer.

    One conditional UPDATE: only an active attempt of an open session, before its deadline plus
    grace, changes; a replay or a double click finds nothing to change.
    """
    updates: dict[str, Any] = {
        "state": AttemptState.SUBMITTED,
        "submitted_at": now,
        "time_spent": _time_spent_until(now),
        "peeked": peeked,
    }
    if text is not None and revision is not None:
        validate_answer(text)
        newer = Q(revision__lt=revision)
        updates |= {
            "answer": Case(
                When(newer, then=Value(text)), default=F("answer"), output_field=TextField()
            ),
            "saved_at": Case(
                When(newer, then=Value(now)), default=F("saved_at"), output_field=DateTimeField()
            ),
            "revision": Greatest(F("revision"), Value(revision)),
        }
    changed = Attempt.objects.filter(
        Q(deadline__isnull=True) | Q(deadline__gte=now - grace()),
        pk=attempt_id,
        session=session,
        session__status=SessionStatus.IN_PROGRESS,
        session__deadline__gte=now - grace(),
        state=AttemptState.ACTIVE,
    ).update(**updates)
    if not changed:
        close_overdue(session=session, now=now)
    return bool(changed)


def grade_attempt(
    *, session: PracticeSession, attempt_id: int, grade: int, ticked: Sequence[int], now: datetime
) -> bool:
    """Record the self-grade and ticked key points, feed the review schedule, then move on.

    Idempotent: only a submitted attempt of an open session can be graded, once.
    """
    with transaction.atomic():
        attempt = Attempt.objects.filter(pk=attempt_id, session=session).first()
        if attempt is None:
            return False
        valid_ticks = sorted({i for i in ticked if 0 <= i < len(attempt.key_points)})
        changed = Attempt.objects.filter(
            pk=attempt_id,
            session=session,
            session__status=SessionStatus.IN_PROGRESS,
            state=AttemptState.SUBMITTED,
        ).update(state=AttemptState.GRADED, grade=grade, ticked=valid_ticks, graded_at=now)
        if changed:
            attempt.session = session
            scheduling.record_review(attempt=attempt, grade=grade, now=now)
            activate_next(session, now)
    return bool(changed)


def skip_attempt(*, session: PracticeSession, attempt_id: int, now: datetime) -> bool:
    """Skip a question or follow-up (what was typed is kept), then move on. Idempotent."""
    with transaction.atomic():
        changed = Attempt.objects.filter(
            pk=attempt_id,
            session=session,
            session__status=SessionStatus.IN_PROGRESS,
            state__in=[AttemptState.ACTIVE, AttemptState.SUBMITTED],
        ).update(
            state=AttemptState.SKIPPED,
            submitted_at=Coalesce(F("submitted_at"), Value(now)),
            time_spent=Coalesce(F("time_spent"), _time_spent_until(now)),
        )
        if changed:
            activate_next(session, now)
    return bool(changed)


def skip_follow_ups(*, session: PracticeSession, position: int, now: datetime) -> int:
    """Skip every remaining follow-up of the question at `position`."""
    with transaction.atomic():
        changed = Attempt.objects.filter(
            session=session,
            session__status=SessionStatus.IN_PROGRESS,
            position=position,
            sub__gt=0,
            state__in=[AttemptState.PENDING, AttemptState.ACTIVE, AttemptState.SUBMITTED],
        ).update(state=AttemptState.SKIPPED)
        if changed:
            activate_next(session, now)
    return changed


# Finishing and closing --------------------------------------------------------------------------


def finish_session(
    *, session: PracticeSession, now: datetime, status: str = SessionStatus.FINISHED
) -> bool:
    """Close the session once; replays and concurrent calls change nothing."""
    expired = status == SessionStatus.EXPIRED
    finished_at = min(now, session.deadline) if expired else now
    with transaction.atomic():
        changed = PracticeSession.objects.filter(
            pk=session.pk, status=SessionStatus.IN_PROGRESS
        ).update(status=status, finished_at=finished_at)
        if changed:
            _close_attempts(session, finished_at, timed_out=expired)
    if changed:
        session.status = status
        session.finished_at = finished_at
    return bool(changed)


def _close_attempts(session: PracticeSession, at: datetime, *, timed_out: bool) -> None:
    """Lock what is still open: answers as last saved; questions never reached are skipped."""
    session.attempts.filter(state=AttemptState.ACTIVE).update(
        state=AttemptState.SUBMITTED,
        submitted_at=at,
        time_spent=_time_spent_until(at),
        timed_out=timed_out,
    )
    session.attempts.filter(state=AttemptState.PENDING).update(state=AttemptState.SKIPPED)


def _time_out_overdue_attempts(attempts: Any, now: datetime) -> int:
    """Questions whose own deadline passed: locked with the last saved answer, at the deadline."""
    return attempts.filter(
        state=AttemptState.ACTIVE, deadline__isnull=False, deadline__lt=now - grace()
    ).update(
        state=AttemptState.SUBMITTED,
        submitted_at=F("deadline"),
        time_spent=F("deadline") - F("started_at"),
        timed_out=True,
    )


def close_overdue(*, session: PracticeSession, now: datetime) -> None:
    """Apply the clock on access: expire an overdue session, or time out its current question."""
    if session.status == SessionStatus.IN_PROGRESS and session.deadline < now - grace():
        finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
    elif session.status == SessionStatus.IN_PROGRESS:
        _time_out_overdue_attempts(session.attempts.all(), now)


def close_expired_sessions(*, now: datetime) -> tuple[int, int]:
    """For a scheduler: expire every overdue session and time out every overdue question.

    Returns (sessions closed, questions timed out).
    """
    closed = sum(
        finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
        for session in PracticeSession.objects.overdue(now).iterator()
    )
    timed_out = _time_out_overdue_attempts(
        Attempt.objects.filter(session__status=SessionStatus.IN_PROGRESS), now
    )
    return closed, timed_out
