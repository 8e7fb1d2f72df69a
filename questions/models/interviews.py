"""Live interviews: candidates of a team, and the scorecards interviewers keep for them.

A scorecard is one interviewer's record of one round with one candidate. Its items are a snapshot
of the round's questions (key points, weights, red flags), so editing the kit or the bank never
rewrites what was ticked. Submitting is final: later corrections are appended, never overwritten.
Candidates and notes are personal data: only the team's members reach them, and deleting a
candidate deletes every scorecard, item, note and correction with it (CASCADE).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from questions.models.bank import Question, full_weights
from questions.models.kits import Kit, Loop, LoopRound
from questions.models.teams import Team

RATING_MIN = 1
RATING_MAX = 4
MAX_NOTES_LENGTH = 20_000
MAX_RATIONALE_LENGTH = 5_000

# The written anchors of the 1-4 scale, shown beside every rating.
RATING_ANCHORS = {
    1: "Missed the must-have points or showed a red flag; could not get there with hints.",
    2: "Some of the must-have points, with help; gaps a hire at this level should not have.",
    3: "Every must-have point and most should-haves, unprompted; sound reasoning.",
    4: "All of it and beyond: bonus points, trade-offs and follow-ups handled with depth.",
}


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"


RECOMMENDATION_SCORE = {
    Recommendation.STRONG_NO: 1,
    Recommendation.NO: 2,
    Recommendation.YES: 3,
    Recommendation.STRONG_YES: 4,
}


class CandidateQuerySet(models.QuerySet["Candidate"]):
    def for_user(self, user: models.Model) -> "CandidateQuerySet":
        """A team's candidates, for its members only (staff included: personal data)."""
        return self.filter(team__memberships__user_id=user.pk)


class Candidate(models.Model):
    """A person a team interviews: a name or an e-mail address; no account needed."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="candidates")
    loop = models.ForeignKey(
        Loop, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("questions:candidate_detail", args=[self.pk])


class ScorecardState(models.TextChoices):
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"


class ScorecardQuerySet(models.QuerySet["Scorecard"]):
    def submitted(self) -> "ScorecardQuerySet":
        return self.filter(state=ScorecardState.SUBMITTED)


class Scorecard(models.Model):
    State = ScorecardState

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scorecards")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="scorecards"
    )
    interviewer_name = models.CharField(max_length=150)
    loop_round = models.ForeignKey(
        LoopRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="scorecards"
    )
    kit = models.ForeignKey(
        Kit, on_delete=models.SET_NULL, null=True, blank=True, related_name="scorecards"
    )
    round_position = models.PositiveIntegerField(default=1)
    round_title = models.CharField(max_length=200)
    competencies = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    state = models.CharField(
        max_length=10, choices=ScorecardState.choices, default=ScorecardState.DRAFT
    )
    recommendation = models.CharField(max_length=12, choices=Recommendation.choices, blank=True)
    rationale = models.TextField(blank=True, max_length=MAX_RATIONALE_LENGTH)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        ordering = ["round_position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "loop_round", "interviewer"],
                name="scorecard_one_per_round_and_interviewer",
            ),
            models.CheckConstraint(
                condition=Q(state=ScorecardState.DRAFT)
                | (Q(submitted_at__isnull=False) & ~Q(recommendation="") & ~Q(rationale="")),
                name="scorecard_submitted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Scorecard {self.pk} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("questions:scorecard", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.state == ScorecardState.SUBMITTED


class ScorecardItemQuerySet(models.QuerySet["ScorecardItem"]):
    def writable(self) -> "ScorecardItemQuerySet":
        """Items whose scorecard is still a draft: the rule every write to an item goes through."""
        return self.filter(scorecard__state=ScorecardState.DRAFT)


class ScorecardItem(models.Model):
    """One question of a live interview: its rubric's snapshot and what the interviewer noted."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(default=5)
    key_points = ArrayField(models.TextField(), default=list, blank=True)
    key_point_weights = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    red_flags = ArrayField(models.TextField(), default=list, blank=True)
    ticked = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    flagged = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    writer = models.CharField(max_length=64, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # The interviewer's stopwatch: seconds counted before `timer_started_at` (None: paused).
    timer_seconds = models.PositiveIntegerField(default=0)
    timer_started_at = models.DateTimeField(null=True, blank=True)

    objects = ScorecardItemQuerySet.as_manager()

    class Meta:
        ordering = ["scorecard_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "position"], name="scorecarditem_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | (Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX)),
                name="scorecarditem_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id}/{self.position}"

    @property
    def weighted_key_points(self) -> list[tuple[str, str]]:
        return list(
            zip(self.key_points, full_weights(self.key_points, self.key_point_weights), strict=True)
        )

    def elapsed(self, now: datetime) -> int:
        """Seconds on the interviewer's stopwatch now."""
        running = 0
        if self.timer_started_at is not None:
            running = max(0, int((now - self.timer_started_at).total_seconds()))
        return self.timer_seconds + running


class CompetencyRating(models.Model):
    """A scorecard's 1-4 rating of one competency its round assesses."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="competency_ratings"
    )
    competency = models.CharField(max_length=80)
    rating = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["scorecard_id", "competency"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "competency"], name="competencyrating_unique"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                name="competencyrating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.rating}"


class Correction(models.Model):
    """A note appended to a submitted scorecard: the scorecard itself never changes."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="corrections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    text = models.TextField(max_length=MAX_RATIONALE_LENGTH)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Correction to scorecard {self.scorecard_id}"
