"""Practice sessions: starting, answering, grading and finishing them.

Every step of a session (submit, grade, undo, skip, finish) first locks the session's row, then
checks the state it expects, so double clicks, replays and concurrent requests change nothing
more. Autosave is the one hot path that does not lock the session: it is a single conditional
UPDATE that compares and swaps the answer's revision. Time comes in as `now` from the view.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least

from questions import scheduling
from questions.models import (
    Attempt,
    FollowUp,
    PracticeSession,
    Question,
    SuggestionRecord,
)
from questions.models.bank import follow_up_tree
from questions.models.practice import (
    MAX_ANSWER_LENGTH,
    AttemptState,
    Clock,
    Mode,
    SessionStatus,
    attempt_with_session,
    grace,
    longest_session,
)
from questions.prepared import prepared_cursor

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
    qs = Question.objects.published().matching(
        topics=topics, levels=levels, kinds=kinds, roles=roles
    )
    ids = list(qs.values_list("pk", flat=True))
    (rng or random.SystemRandom()).shuffle(ids)
    chosen = ids[:count]
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=chosen)}
    return [by_id[pk] for pk in chosen]


def follow_up_seconds(question_seconds: int) -> int:
    """A follow-up's clock: half its question's, and never under a minute."""
    return max(MIN_FOLLOW_UP_SECONDS, question_seconds // 2)


def _allowed_seconds(
    clock: str, minutes: int | None, base_seconds: int, follow_up: bool
) -> int | None:
    if clock == Clock.SUGGESTED:
        seconds = base_seconds
    elif clock == Clock.PER_QUESTION:
        seconds = (minutes or 1) * 60
    else:  # untimed, or timed by the session as a whole
        return None
    return follow_up_seconds(seconds) if follow_up else seconds


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
    allowed_seconds: Sequence[int | None] | None = None,
    alone: Sequence[FollowUp | None] | None = None,
    mode: str = Mode.INTERVIEW,
    navigator: bool = False,
) -> PracticeSession:
    """Create a session with a snapshot of every question and follow-up, and start the first.

    The one way a session starts, whatever chose its questions (filters, a kit, the review queue).
    `allowed_seconds`, one entry per question, gives a question its own clock (an interview kit's
    minutes); None entries, or no list, leave it to `clock`. Follow-ups get half, at least 60 s.
    `alone`, one entry per question, asks that follow-up on its own in the question's place (a
    follow-up's review card). `mode` matters only with a whole-session clock: in practice mode
    the clock pauses while the candidate reads the model answer and grades.
    `navigator` (whole-session clock only) opens every question at once, without follow-ups,
    for the candidate to answer in any order (questions.navigator).
    """
    if not questions:
        raise ValueError("a session needs at least one question")
    for name, per_question in (("allowed_seconds", allowed_seconds), ("alone", alone)):
        if per_question is not None and len(per_question) != len(questions):
            raise ValueError(f"{name} needs one entry per question")
    if navigator and clock != Clock.SESSION:
        raise ValueError("the question navigator needs a time limit for the whole session")
    if clock == Clock.SESSION:
        deadline = now + timedelta(minutes=minutes or 1)
    else:
        deadline = now + longest_session()
        mode = Mode.INTERVIEW  # nothing to pause
    session = PracticeSession.objects.create(
        owner=user,
        title=title,
        source=source,
        filters=filters or {},
        clock=clock,
        minutes=minutes,
        mode=mode,
        started_at=now,
        deadline=deadline,
        question_count=len(questions),
        navigator=navigator,
    )
    if navigator:
        with_follow_ups, alone = False, None
    # A navigator's questions are all open from the start, on the session's clock.
    opened: dict[str, Any] = {"state": AttemptState.ACTIVE, "started_at": now, "deadline": deadline}
    attempts = []
    prefetched = (
        Question.objects.filter(pk__in=[q.pk for q in questions])
        .select_related("topic")
        .prefetch_related("follow_ups")
    )
    by_id = {q.pk: q for q in prefetched}
    for position, chosen in enumerate(questions, start=1):
        question = by_id[chosen.pk]
        # Depth-first: a chained follow-up comes right after its parent (and its parent's own).
        follow_ups = follow_up_tree(question.follow_ups.all()) if with_follow_ups else []
        sub_of: dict[int | None, int] = {
            follow_up.pk: sub for sub, follow_up in enumerate(follow_ups, start=1)
        }
        own_seconds = allowed_seconds[position - 1] if allowed_seconds is not None else None
        allowed = _allowed_seconds(clock, minutes, question.seconds, follow_up=False)
        follow_up_allowed = _allowed_seconds(clock, minutes, allowed or question.seconds, True)
        if own_seconds is not None:
            allowed = own_seconds
            follow_up_allowed = follow_up_seconds(own_seconds)
        single = alone[position - 1] if alone is not None else None
        if single is not None:
            attempts.append(
                Attempt.from_bank(
                    question,
                    single,
                    session=session,
                    position=position,
                    allowed_seconds=follow_up_allowed,
                )
            )
            continue
        attempts.append(
            Attempt.from_bank(
                question,
                session=session,
                position=position,
                sub=0,
                follow_up_count=len(follow_ups),
                allowed_seconds=allowed,
                **(opened if navigator else {}),
            )
        )
        attempts.extend(
            Attempt.from_bank(
                question,
                follow_up,
                session=session,
                position=position,
                sub=sub,
                follow_up_count=len(follow_ups),
                allowed_seconds=follow_up_allowed,
                depth=follow_up.depth + 1,
                parent_sub=sub_of.get(follow_up.parent_id, 0),
            )
            for sub, follow_up in enumerate(follow_ups, start=1)
        )
    Attempt.objects.bulk_create(attempts)
    if not navigator:
        activate_next(session, now)
    return session


def start_review(*, user: Any, now: datetime) -> PracticeSession | None:
    """A session of the items due now, most overdue first, within today's cap; None if none."""
    cards = scheduling.cards_for_review(user, now)
    if not cards:
        return None
    count = len(cards)
    return start_session(
        user=user,
        questions=[card.question for card in cards],
        alone=[card.follow_up for card in cards],
        clock=Clock.SUGGESTED,
        minutes=None,
        now=now,
        title=f"Review: {count} due question{'s' if count != 1 else ''}",
        source=PracticeSession.Source.REVIEW,
        filters={"cards": [card.pk for card in cards]},
    )


def lock_session(session: PracticeSession) -> PracticeSession:
    """Lock the session's row for this transaction and refresh what the steps depend on."""
    locked = PracticeSession.objects.select_for_update().get(pk=session.pk)
    for field in ("status", "deadline", "paused_at", "finished_at"):
        setattr(session, field, getattr(locked, field))
    return session


def activate_next(session: PracticeSession, now: datetime) -> Attempt | None:
    """Start the clock of the first attempt not yet reached, unless one is already open.

    A paused session clock (practice mode) resumes here, its deadline moved by the pause. A
    question is never opened with no time left: when the session's clock has run out, the
    session finishes and what it never reached stays "not reached".
    """
    if session.attempts.current().exists():
        return None
    following = (
        session.attempts.filter(state=AttemptState.PENDING).order_by("position", "sub").first()
    )
    if following is None:
        finish_session(session=session, now=now)
        return None
    if session.paused_at is not None:
        session.deadline += now - session.paused_at
        session.paused_at = None
        PracticeSession.objects.filter(pk=session.pk).update(
            deadline=session.deadline, paused_at=None
        )
    if session.timed_as_a_whole and session.deadline <= now:
        finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
        return None
    deadline = None
    if following.allowed_seconds is not None:
        deadline = now + timedelta(seconds=following.allowed_seconds)
    elif session.timed_as_a_whole:
        deadline = session.deadline
    if deadline is not None and session.clock != Clock.UNTIMED:
        deadline = min(deadline, session.deadline)
    Attempt.objects.filter(pk=following.pk, state=AttemptState.PENDING).update(
        state=AttemptState.ACTIVE, started_at=now, deadline=deadline
    )
    return following


def pause_for_review(session: PracticeSession, now: datetime) -> None:
    """Practice mode: the session clock stops while the candidate reads and grades."""
    if session.timed_as_a_whole and session.mode == Mode.PRACTICE and session.paused_at is None:
        session.paused_at = now
        PracticeSession.objects.filter(pk=session.pk).update(paused_at=now)


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
    """What an autosave did: `saved`, or why not (`conflict`, `limited`, `closed`, `late`).

    On a conflict, `text` is the answer the server holds at `revision`, for the page to show.
    """

    outcome: str
    revision: int
    seconds_left: int | None = None
    saved_at: datetime | None = None
    text: str = ""
    retry_after: int = 0


# The compare-and-swap: the answer is written only if the page's base is still the current
# revision, or if the current revision is this page's own (a save whose response was lost,
# followed by more typing), and only while `Attempt.objects.writable` holds. The rule's WHERE clause
# is the QuerySet's own, compiled; in an UPDATE, PostgreSQL re-checks it on the newest version of
# the row when a concurrent write made the save wait. The statement also counts the saves in the
# current rate-limit window on the row itself, so the limit costs no query of its own.
_SAVE_SQL = """
UPDATE "questions_attempt"
   SET answer = %s, revision = "questions_attempt".revision + 1, saved_at = %s, writer = %s,
       saves_in_window = CASE WHEN "questions_attempt".save_window_start > %s
                              THEN "questions_attempt".saves_in_window + 1 ELSE 1 END,
       save_window_start = CASE WHEN "questions_attempt".save_window_start > %s
                                THEN "questions_attempt".save_window_start ELSE %s END
  FROM "questions_practicesession"
 WHERE "questions_attempt"."session_id" = "questions_practicesession"."id"
   AND {writable}
   AND ("questions_attempt".revision = %s
        OR ("questions_attempt".writer = %s AND "questions_attempt".writer <> ''))
   AND ("questions_attempt".save_window_start IS NULL
        OR "questions_attempt".save_window_start <= %s
        OR "questions_attempt".saves_in_window < %s)
RETURNING "questions_attempt".revision, "questions_attempt".deadline
"""


_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def autosave_limit() -> tuple[int, timedelta]:
    """`RATE_LIMITS["autosave"]` as (count, window), in the format of every limit: "240/m",
    "10/15m" (a number of seconds, minutes, hours or days)."""
    match = _RATE.fullmatch(settings.RATE_LIMITS["autosave"])
    if match is None:
        raise ValueError(
            f"RATE_LIMIT_AUTOSAVE {settings.RATE_LIMITS['autosave']!r} is not count/period"
        )
    count, number, unit = match.groups()
    return int(count), timedelta(seconds=int(number or 1) * _UNIT_SECONDS[unit])


class _Slot(str):
    """A parameter of the compiled autosave statement that each save fills in."""


_SLOTS: dict[str, Any] = {
    "cutoff": datetime(1900, 1, 1, tzinfo=UTC),
    "attempt": -7_000_001,
    "session": -7_000_002,
    "owner": -7_000_003,
}


@functools.cache
def _save_statement() -> tuple[str, list[Any]]:
    """The autosave statement, compiled once from `Attempt.objects.writable` (the one rule).

    Compiling a QuerySet costs more than the save itself, so it is compiled with placeholder
    values and the parameters are filled in per save. The list holds, in order, either a
    constant (the states) or the name of the value to put there.
    """
    cutoff = _SLOTS["cutoff"]
    writable = (
        Attempt.objects.writable(cutoff + grace())
        .filter(pk=_SLOTS["attempt"], session_id=_SLOTS["session"])
        .filter(session__owner_id=_SLOTS["owner"])
        .order_by()
        .values("pk")
    )
    sql, params = writable.query.sql_with_params()
    # The SELECT joins the session (INNER JOIN ... ON ids) and has no ORDER BY: its WHERE clause
    # is the rule, over the same two tables the UPDATE names.
    head, where = sql.split(" WHERE ", 1)
    assert '"questions_practicesession"' in head and " WHERE " not in where, sql
    by_value = {value: _Slot(name) for name, value in _SLOTS.items()}
    names = [by_value.get(value, value) for value in params]
    assert sorted(n for n in names if isinstance(n, _Slot)) == sorted(
        ["cutoff", "cutoff", "attempt", "session", "owner"]
    ), names
    return _SAVE_SQL.format(writable=where), names


def save_answer(
    *,
    session_id: int,
    attempt_id: int,
    owner_id: int,
    text: str,
    base: int,
    writer: str,
    now: datetime,
) -> SaveResult | None:
    """Store a typed answer if the page saw the current revision and the answer is writable.

    The server owns the revision: the page says which revision its text was based on (`base`),
    and gets back the new one. The happy path is one statement. Otherwise it says why: a
    `conflict` (another page saved first; the current text comes back), or `closed`/`late`,
    keeping text that came too late as a flagged late draft. A retry of a save already applied
    (same text) is answered as saved. Returns None when the attempt is not the owner's.
    """
    validate_answer(text)
    sql, names = _save_statement()
    values: dict[str, Any] = {
        "cutoff": now - grace(),
        "attempt": attempt_id,
        "session": session_id,
        "owner": owner_id,
    }
    params = [values[name] if isinstance(name, _Slot) else name for name in names]
    limit, window = autosave_limit()
    window_cutoff = now - window
    # Prepared once per connection: this statement runs on every save, and planning its join
    # cost PostgreSQL more than running it.
    with prepared_cursor() as cursor:
        cursor.execute(
            sql,
            [
                *(text, now, writer, window_cutoff, window_cutoff, now),
                *params,
                *(base, writer, window_cutoff, limit),
            ],
        )
        row = cursor.fetchone()
    if row is not None:
        revision, deadline = row
        seconds_left = None if deadline is None else max(0, int((deadline - now).total_seconds()))
        return SaveResult("saved", revision, seconds_left, now)

    attempt = attempt_with_session.first(attempt_id, session_id, owner_id)
    if attempt is None:
        return None
    if attempt.is_writable(now):
        if attempt.answer == text:  # a retry of a save already applied: nothing is different
            return SaveResult(
                "saved", attempt.revision, attempt.seconds_left(now), attempt.saved_at
            )
        started = attempt.save_window_start
        if started and started > window_cutoff and attempt.saves_in_window >= limit:
            return SaveResult(
                "limited",
                attempt.revision,
                attempt.seconds_left(now),
                attempt.saved_at,
                retry_after=max(1, math.ceil((started + window - now).total_seconds())),
            )
        return SaveResult(
            "conflict",
            attempt.revision,
            attempt.seconds_left(now),
            attempt.saved_at,
            attempt.answer,
        )
    if _keep_late_draft(attempt, text, now):
        return SaveResult("late", attempt.revision, 0, attempt.saved_at)
    return SaveResult("closed", attempt.revision, None, attempt.saved_at)


def _keep_late_draft(attempt: Attempt, text: str, now: datetime) -> bool:
    """Text that arrived after the clock ran out: too late to count, too valuable to drop.

    Kept (the newest one) as a flagged late draft, unless it is what was saved anyway. Then the
    clock is applied, so the attempt or the session closes with the answer saved in time.
    """
    session = attempt.session
    past = attempt.is_past_deadline(now) or session.is_past_deadline(now)
    if not past or attempt.state not in (AttemptState.ACTIVE, AttemptState.SUBMITTED):
        return False
    kept = text != attempt.answer and text != attempt.late_answer
    if kept:
        Attempt.objects.filter(pk=attempt.pk).update(
            late_answer=text, late_revision=F("late_revision") + 1, late_saved_at=now
        )
    close_overdue(session=session, now=now)
    return kept


def _time_spent_until(at: datetime) -> Greatest:
    """Time on the clock from start until `at`: never more than allowed, never below zero."""
    return Greatest(
        Least(Value(at) - F("started_at"), F("deadline") - F("started_at")),
        Value(timedelta(0)),
    )


@dataclass(frozen=True)
class SubmitResult:
    """`submitted`; `conflict` (the page's text is based on an old revision: `attempt` holds the
    current one); `late` (kept as a late draft); or `closed` (nothing to submit any more)."""

    outcome: str
    attempt: Attempt | None = None


def submit_attempt(
    *,
    session: PracticeSession,
    attempt_id: int,
    now: datetime,
    text: str | None = None,
    base: int | None = None,
    writer: str = "",
    peeked: bool = False,
    time_up: bool = False,
) -> SubmitResult:
    """Lock the answer (taking `text` when it is based on the current revision) and reveal.

    A submit based on an old revision is a conflict, shown to the candidate to choose, except at
    time-up: then the answer saved in time stands and the page's text is kept as a late draft.
    Only an active attempt of an open session, before its deadline plus grace, is submitted;
    a replay or a double click finds nothing to change.
    """
    if text is not None:
        validate_answer(text)
    with transaction.atomic():
        lock_session(session)
        attempt = Attempt.objects.select_for_update().filter(pk=attempt_id, session=session).first()
        if attempt is None:
            return SubmitResult("closed")
        attempt.session = session
        if not attempt.is_writable(now):
            late = text is not None and _keep_late_draft(attempt, text, now)
            close_overdue(session=session, now=now)
            return SubmitResult("late" if late else "closed", attempt)
        updates: dict[str, Any] = {
            "state": AttemptState.SUBMITTED,
            "submitted_at": now,
            "time_spent": _time_spent_until(now),
            "peeked": peeked,
        }
        if text is not None and text != attempt.answer:
            if base == attempt.revision or (writer and attempt.writer == writer):
                updates |= {
                    "answer": text,
                    "revision": F("revision") + 1,
                    "saved_at": now,
                    "writer": writer,
                }
            elif time_up:
                updates |= {"late_answer": text, "late_saved_at": now}
            else:
                return SubmitResult("conflict", attempt)
        Attempt.objects.filter(pk=attempt.pk, state=AttemptState.ACTIVE).update(**updates)
        if session.timed_as_a_whole and now >= session.deadline:
            # The session's time is up with this answer: finish rather than open another.
            finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
        else:
            pause_for_review(session, now)
    return SubmitResult("submitted", attempt)


def grade_attempt(
    *, session: PracticeSession, attempt_id: int, grade: int, ticked: Sequence[int], now: datetime
) -> bool:
    """Record the self-grade and ticked key points, feed the review schedule, then move on.

    Exactly once: the session's row is locked and only a submitted attempt of an open session is
    graded; every other request carrying the same grade finds it graded and changes nothing.
    """
    with transaction.atomic():
        lock_session(session)
        attempt = Attempt.objects.filter(pk=attempt_id, session=session).first()
        if (
            attempt is None
            or not session.is_open
            or attempt.state != AttemptState.SUBMITTED
            or session.is_past_deadline(now)
        ):
            return False
        valid_ticks = sorted({i for i in ticked if 0 <= i < len(attempt.key_points)})
        Attempt.objects.filter(pk=attempt.pk).update(
            state=AttemptState.GRADED, grade=grade, ticked=valid_ticks, graded_at=now
        )
        attempt.session = session
        scheduling.record_review(attempt=attempt, grade=grade, now=now)
        activate_next(session, now)
    return True


def undoable_grade(session: PracticeSession, current: Attempt | None) -> Attempt | None:
    """The graded attempt whose grade can still be undone: the one just before `current`, while
    nothing has been typed into `current` yet."""
    if not session.is_open or current is None or current.state != AttemptState.ACTIVE:
        return None
    if current.revision or current.late_revision or (current.position, current.sub) == (1, 0):
        return None
    previous = (
        session.attempts.filter(
            Q(position=current.position, sub__lt=current.sub) | Q(position__lt=current.position)
        )
        .order_by("-position", "-sub")
        .first()
    )
    return previous if previous and previous.state == AttemptState.GRADED else None


def undo_grade(*, session: PracticeSession, attempt_id: int, now: datetime) -> bool:
    """Take back the last grade until the next question has been started on.

    The graded attempt returns to its reveal stage, the question that had opened goes back to
    "not reached", the review card and its log return to exactly their state before, and the
    grade's suggestion record goes.
    """
    with transaction.atomic():
        lock_session(session)
        current = session.attempts.current().select_for_update().first()
        graded = undoable_grade(session, current)
        if graded is None or graded.pk != attempt_id or current is None:
            return False
        Attempt.objects.filter(pk=current.pk, state=AttemptState.ACTIVE).update(
            state=AttemptState.PENDING, started_at=None, deadline=None
        )
        Attempt.objects.filter(pk=graded.pk).update(
            state=AttemptState.SUBMITTED, grade=None, ticked=[], graded_at=None
        )
        # What was suggested beside what was ticked belongs to the grade: the regrade records it
        # again, and meanwhile the calibration does not count it.
        SuggestionRecord.objects.filter(attempt_id=graded.pk).delete()
        scheduling.undo_review(attempt=graded)
        pause_for_review(session, now)
    return True


def _descendants(attempt: Attempt) -> list[int]:
    """The chained follow-ups under a follow-up: the attempts right after it, deeper than it."""
    following = attempt.session.attempts.filter(
        position=attempt.position, sub__gt=attempt.sub
    ).order_by("sub")
    ids = []
    for row in following.only("pk", "depth"):
        if row.depth <= attempt.depth:
            break
        ids.append(row.pk)
    return ids


def skip_attempt(*, session: PracticeSession, attempt_id: int, now: datetime) -> bool:
    """Skip a question or follow-up (what was typed is kept), then move on. Exactly once.

    A follow-up skipped before it was answered takes its chained follow-ups with it: they are
    asked only after their parent.
    """
    with transaction.atomic():
        lock_session(session)
        if not session.is_open:
            return False
        attempt = Attempt.objects.filter(pk=attempt_id, session_id=session.pk).first()
        if attempt and attempt.state == AttemptState.ACTIVE and attempt.depth > 0:
            attempt.session = session
            Attempt.objects.filter(pk__in=_descendants(attempt), state=AttemptState.PENDING).update(
                state=AttemptState.SKIPPED
            )
        changed = Attempt.objects.filter(
            pk=attempt_id,
            session_id=session.pk,
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
        lock_session(session)
        if not session.is_open:
            return 0
        changed = Attempt.objects.filter(
            session_id=session.pk,
            position=position,
            sub__gt=0,
            state__in=[AttemptState.PENDING, AttemptState.ACTIVE, AttemptState.SUBMITTED],
        ).update(
            state=AttemptState.SKIPPED,
            submitted_at=Coalesce(F("submitted_at"), Value(now)),
        )
        if changed:
            activate_next(session, now)
    return changed


# Finishing and closing --------------------------------------------------------------------------


def finish_session(
    *, session: PracticeSession, now: datetime, status: str = SessionStatus.FINISHED
) -> bool:
    """Close the session once; replays and concurrent calls change nothing."""
    expired = status == SessionStatus.EXPIRED
    finished_at = min(now, session.deadline) if expired and session.paused_at is None else now
    with transaction.atomic():
        changed = PracticeSession.objects.filter(
            pk=session.pk, status=SessionStatus.IN_PROGRESS
        ).update(status=status, finished_at=finished_at, paused_at=None)
        if changed:
            _close_attempts(session, finished_at, timed_out=expired)
    if changed:
        session.status = status
        session.finished_at = finished_at
        session.paused_at = None
    return bool(changed)


def _close_attempts(session: PracticeSession, at: datetime, *, timed_out: bool) -> None:
    """Lock what is still open with the answer as last saved. What the session never reached
    stays "not reached", to be practised another time."""
    session.attempts.filter(state=AttemptState.ACTIVE).update(
        state=AttemptState.SUBMITTED,
        submitted_at=at,
        # A navigator's questions are all open at once: time per question is not measured.
        time_spent=None if session.navigator else _time_spent_until(at),
        timed_out=timed_out,
    )


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
    if not session.is_open:
        return
    if session.is_past_deadline(now):
        finish_session(session=session, now=now, status=SessionStatus.EXPIRED)
    elif _time_out_overdue_attempts(session.attempts.all(), now):
        pause_for_review(session, now)


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
