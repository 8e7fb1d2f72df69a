"""Practice: timed mock-interview sessions and the attempts in them.

The server owns the clock: deadlines are stored in UTC when a session or question starts, and
every write that depends on time is a conditional UPDATE judged by when it arrived.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Avg, Count, Q
from django.db.models.functions import Cast, NullIf
from django.urls import reverse

from questions.models.bank import FollowUp, Question, full_weights
from questions.prepared import PreparedQuery

MAX_ANSWER_LENGTH = 20_000


def grace() -> timedelta:
    """The network allowance after a deadline within which a save still counts as on time."""
    return timedelta(seconds=settings.PRACTICE_GRACE_SECONDS)


def longest_session() -> timedelta:
    """How long a session may stay open at most, paused or not."""
    return timedelta(hours=settings.PRACTICE_SESSION_MAX_HOURS)


class Clock(models.TextChoices):
    SUGGESTED = "suggested", "Each question's suggested time"
    PER_QUESTION = "per-question", "A fixed number of minutes per question"
    SESSION = "session", "A time limit for the whole session"
    UNTIMED = "untimed", "Untimed practice"


class Mode(models.TextChoices):
    """Whether reading the model answer and grading count against a whole-session clock."""

    INTERVIEW = "interview", "Interview: the clock runs while I read and grade"
    PRACTICE = "practice", "Practice: the clock pauses while I read and grade"


class SessionStatus(models.TextChoices):
    IN_PROGRESS = "in-progress", "In progress"
    FINISHED = "finished", "Finished"
    # The labels are what pages say: a person reads "Closed when its time ran out", not "Expired".
    EXPIRED = "expired", "Closed when its time ran out"
    ABANDONED = "abandoned", "Abandoned"


class Source(models.TextChoices):
    FILTERS = "filters", "Chosen by filters"
    KIT = "kit", "Interview kit"
    REVIEW = "review", "Due for review"
    PLAN = "plan", "Today's plan"


class SessionQuerySet(models.QuerySet["PracticeSession"]):
    def for_user(self, user: models.Model) -> "SessionQuerySet":
        return self.filter(owner_id=user.pk)

    def in_progress(self) -> "SessionQuerySet":
        return self.filter(status=SessionStatus.IN_PROGRESS)

    def overdue(self, now: datetime) -> "SessionQuerySet":
        """Open sessions whose clock ran out (a paused one after the longest a session lasts)."""
        return self.in_progress().filter(
            Q(deadline__lt=now - grace(), paused_at__isnull=True)
            | Q(started_at__lt=now - longest_session())
        )


class PracticeSession(models.Model):
    Clock = Clock
    Mode = Mode
    Status = SessionStatus
    Source = Source

    # Empty only for kit results a candidate shared and then deleted their account: the kit's
    # owner keeps them, anonymised (interviewprep.accounts.delete_account).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="practice_sessions",
    )
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.FILTERS)
    filters = models.JSONField(default=dict, blank=True, help_text="How questions were chosen.")
    clock = models.CharField(max_length=20, choices=Clock.choices, default=Clock.SUGGESTED)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    mode = models.CharField(
        max_length=20,
        choices=Mode.choices,
        default=Mode.INTERVIEW,
        help_text="With a whole-session clock: does reading and grading count?",
    )
    paused_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Practice mode: when the session clock paused for reading and grading.",
    )
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="When the session closes by itself (UTC).")
    finished_at = models.DateTimeField(null=True, blank=True)
    question_count = models.PositiveIntegerField(
        default=0, help_text="Main questions, fixed at start."
    )
    share_results = models.BooleanField(
        default=False, help_text="The candidate agreed to share results with the kit's owner."
    )
    navigator = models.BooleanField(
        default=False,
        help_text="Whole-session clock only: every question open at once, answered in any "
        "order and revised while time remains; answers are revealed after finishing.",
    )
    kit = models.ForeignKey(
        "questions.Kit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="The interview kit it was started from, if any.",
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["owner", "-started_at"], name="session_owner_started_idx"),
            models.Index(
                fields=["deadline"],
                condition=Q(status="in-progress"),
                name="session_open_deadline_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("started_at")),
                name="session_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(navigator=False) | Q(clock=Clock.SESSION),
                name="session_navigator_needs_session_clock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("questions:session", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.IN_PROGRESS

    @property
    def ended_early(self) -> bool:
        """Closed by the clock or abandoned, rather than finished."""
        return self.status in (SessionStatus.EXPIRED, SessionStatus.ABANDONED)

    @property
    def timed_as_a_whole(self) -> bool:
        return self.clock == Clock.SESSION

    def is_past_deadline(self, now: datetime) -> bool:
        """The session's clock ran out (a paused one only after the longest a session lasts)."""
        if self.paused_at is not None:
            return now > self.started_at + longest_session()
        return now > self.deadline + grace()

    def seconds_left(self, now: datetime) -> int:
        """Seconds on the session's clock; a paused clock stands where it paused."""
        at = self.paused_at or now
        return max(0, int((self.deadline - at).total_seconds()))


class AttemptState(models.TextChoices):
    PENDING = "pending", "Not reached"  # also what a session's clock never reached
    ACTIVE = "active", "Answering"
    SUBMITTED = "submitted", "Submitted"
    GRADED = "graded", "Graded"
    SKIPPED = "skipped", "Skipped"


class NavigatorState(models.TextChoices):
    """Where a question stands in the question navigator (a flag is shown beside it)."""

    NOT_STARTED = "not-started", "Not started"
    DRAFT = "draft", "Draft"  # saved as typed, not yet confirmed with "Save answer"
    ANSWERED = "answered", "Answered"


class Grade(models.IntegerChoices):
    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def current(self) -> "AttemptQuerySet":
        """The attempt being answered or graded; a session has at most one at a time."""
        return self.filter(state__in=[AttemptState.ACTIVE, AttemptState.SUBMITTED]).order_by(
            "position", "sub"
        )

    def for_user(self, user: models.Model) -> "AttemptQuerySet":
        return self.filter(session__owner_id=user.pk)

    def graded(self) -> "AttemptQuerySet":
        return self.filter(grade__isnull=False)

    def navigator(self) -> "AttemptQuerySet":
        """A navigator session's questions in order, with what its list shows of each."""
        return (
            self.filter(sub=0)
            .order_by("position")
            .only(
                "session_id",
                "position",
                "sub",
                "title",
                "state",
                "answer",
                "revision",
                "answered_revision",
                "flagged_for_review",
            )
        )

    def writable(self, now: datetime) -> "AttemptQuerySet":
        """The one rule for "may this answer still be written at `now`": the attempt is being
        answered, its session is open, and neither clock ran out (allowing the grace period).

        `Attempt.is_writable` is the same rule for a loaded row.
        """
        cutoff = now - grace()
        return self.filter(
            Q(deadline__isnull=True) | Q(deadline__gte=cutoff),
            Q(session__paused_at__isnull=False) | Q(session__deadline__gte=cutoff),
            state=AttemptState.ACTIVE,
            session__status=SessionStatus.IN_PROGRESS,
        )


class Attempt(models.Model):
    """One answer to one question or follow-up, with a snapshot of what was asked."""

    State = AttemptState
    Grade = Grade

    # No index of its own: attempt_unique_place and attempt_session_stats_id_idx lead with it.
    session = models.ForeignKey(
        PracticeSession, on_delete=models.CASCADE, related_name="attempts", db_index=False
    )
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts"
    )
    position = models.PositiveIntegerField(help_text="The question's place in the session, from 1.")
    sub = models.PositiveIntegerField(
        default=0, help_text="0 for the question, then its follow-ups."
    )
    follow_up_count = models.PositiveIntegerField(
        default=0, help_text="How many follow-ups its question has in this session."
    )
    # The snapshot: editing the bank never rewrites history.
    question_version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    topic_name = models.CharField(max_length=120, blank=True)
    level = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    prompt_html = models.TextField()
    answer_html = models.TextField()
    key_points = ArrayField(models.TextField(), default=list, blank=True)
    key_point_weights = ArrayField(
        models.CharField(max_length=10), default=list, blank=True, help_text="One per key point."
    )
    red_flags = ArrayField(models.TextField(), default=list, blank=True)
    depth = models.PositiveSmallIntegerField(
        default=0, help_text="0 for the question, 1 for its follow-ups, 2 for theirs, ..."
    )
    parent_sub = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The `sub` of the attempt this one follows up (0: the question); empty for it.",
    )
    # The clock.
    allowed_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty when untimed or timed by the session."
    )
    state = models.CharField(
        max_length=20, choices=AttemptState.choices, default=AttemptState.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    # The answer, saved as typed: revision only grows.
    answer = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    writer = models.CharField(
        max_length=40, blank=True, help_text="The page (tab) whose save made this revision."
    )
    # The autosave rate limit, kept on the row the save writes anyway (no extra query).
    save_window_start = models.DateTimeField(null=True, blank=True)
    saves_in_window = models.PositiveIntegerField(default=0)
    # What arrived after the deadline: kept, flagged, never counted as on time.
    late_answer = models.TextField(blank=True)
    late_revision = models.PositiveIntegerField(default=0)
    late_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False)
    peeked = models.BooleanField(default=False)
    time_spent = models.DurationField(null=True, blank=True)
    ticked = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    flagged = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        help_text="Indexes of the red flags the candidate ticked.",
    )
    suggested_grade = models.PositiveSmallIntegerField(
        choices=Grade.choices,
        null=True,
        blank=True,
        help_text="What the rubric suggested for the ticks when it was graded.",
    )
    grade = models.PositiveSmallIntegerField(choices=Grade.choices, null=True, blank=True)
    # The question navigator (sessions with `navigator`): a flag to come back to, and the
    # revision the candidate confirmed with "Save answer" (a later autosave makes it a draft).
    flagged_for_review = models.BooleanField(default=False)
    answered_revision = models.PositiveIntegerField(default=0)
    graded_at = models.DateTimeField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["session", "position", "sub"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position", "sub"], name="attempt_unique_place"
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=4),
                name="attempt_grade_range",
            ),
        ]
        indexes = [
            models.Index(fields=["question", "graded_at"], name="attempt_question_graded_idx"),
            # The dashboard's and progress page's aggregates (progress.attempt_stats) read only
            # these columns of a user's attempts: an index-only scan, not one heap page per row.
            # With the id, the calibration's join to the suggestion records is index-only too.
            models.Index(
                fields=["session"],
                include=[
                    "id",
                    "state",
                    "grade",
                    "graded_at",
                    "submitted_at",
                    "time_spent",
                    "topic_name",
                    "level",
                ],
                name="attempt_session_stats_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.position}.{self.sub} {self.title}"

    @classmethod
    def from_bank(
        cls, question: Question, follow_up: FollowUp | None = None, **fields: object
    ) -> "Attempt":
        """An unsaved attempt holding a snapshot of the question (or one of its follow-ups)."""
        source = follow_up or question
        return cls(
            question=question,
            follow_up=follow_up,
            question_version=question.version,
            title=f"Follow-up to: {question.title}" if follow_up else question.title,
            topic_name=question.topic.name,
            level=question.level,
            kind=question.kind,
            prompt_html=source.prompt_html,
            answer_html=source.answer_html,
            key_points=list(source.key_points),
            key_point_weights=[weight for _, weight in source.weighted_key_points],
            red_flags=[] if follow_up else list(question.red_flags),
            **fields,
        )

    @property
    def weighted_key_points(self) -> list[tuple[str, str]]:
        weights = full_weights(self.key_points, self.key_point_weights)
        return list(zip(self.key_points, weights, strict=True))

    @property
    def is_follow_up(self) -> bool:
        return self.sub > 0

    @property
    def late(self) -> bool:
        return bool(self.late_saved_at)

    def seconds_left(self, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - now).total_seconds()))

    def is_past_deadline(self, now: datetime) -> bool:
        return self.deadline is not None and now > self.deadline + grace()

    def is_writable(self, now: datetime) -> bool:
        """`AttemptQuerySet.writable` for a loaded row (with its session)."""
        return (
            self.state == AttemptState.ACTIVE
            and self.session.is_open
            and not self.is_past_deadline(now)
            and not self.session.is_past_deadline(now)
        )

    @property
    def navigator_state(self) -> str:
        """`NavigatorState`: nothing saved, a draft, or the text confirmed with "Save answer"."""
        if not self.answer.strip():
            return NavigatorState.NOT_STARTED
        if self.answered_revision == self.revision:
            return NavigatorState.ANSWERED
        return NavigatorState.DRAFT

    @property
    def seconds_spent(self) -> int | None:
        return None if self.time_spent is None else int(self.time_spent.total_seconds())


def attempt_statistics(path: str = "") -> dict[str, Any]:
    """Per-question statistics of main attempts (follow-ups count towards their own rows), as
    aggregate expressions: one definition for the admin's bank statistics and a kit's results.

    `path` leads from the rows being grouped to Attempt: "attempts__" to annotate Questions,
    "" to aggregate Attempt rows grouped by question. Rates are shares of the attempts that
    were reached (not left pending), from 0 to 1, NULL when none was.
    """
    rows = path.removesuffix("__") or "pk"
    main = Q(**{f"{path}sub": 0})
    reached = main & ~Q(**{f"{path}state": AttemptState.PENDING})
    answered = main & Q(**{f"{path}state__in": [AttemptState.SUBMITTED, AttemptState.GRADED]})

    def rate(part: Q) -> Any:
        share = Cast(Count(rows, filter=reached & part), models.FloatField())
        return share / NullIf(Cast(Count(rows, filter=reached), models.FloatField()), 0.0)

    return {
        "attempt_count": Count(rows, filter=reached),
        "answered": Count(rows, filter=answered),
        "graded": Count(f"{path}grade", filter=main),
        "average_grade": Avg(f"{path}grade", filter=main),
        "average_time": Avg(f"{path}time_spent", filter=reached),
        "average_allowed": Avg(f"{path}allowed_seconds", filter=reached),
        "skip_rate": rate(Q(**{f"{path}state": AttemptState.SKIPPED})),
        "peek_rate": rate(Q(**{f"{path}peeked": True})),
    }


# The hot reads of an attempt with its session, compiled once per process (questions/prepared.py).
# The session page's: a session's current attempt, if the session is the owner's.
current_attempt_with_session = PreparedQuery(
    lambda session_id, owner_id: (
        Attempt.objects.current()
        .select_related("session")
        .filter(session_id=session_id, session__owner_id=owner_id)[:1]
    ),
    arity=2,
)
# The autosave's, when a save did not apply (a retry, a conflict, a closed answer).
attempt_with_session = PreparedQuery(
    lambda attempt_id, session_id, owner_id: Attempt.objects.filter(
        pk=attempt_id, session_id=session_id, session__owner_id=owner_id
    ).select_related("session")[:1],
    arity=3,
)
