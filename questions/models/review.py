"""Spaced review: one FSRS card per user and question (or follow-up), and its log."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from questions.models.bank import FollowUp, Question
from questions.models.practice import Attempt

LEECH_LAPSES = 8  # failed this many times: flagged as a leech, to rewrite or relearn differently


class ReviewCardQuerySet(models.QuerySet["ReviewCard"]):
    def for_user(self, user: models.Model) -> "ReviewCardQuerySet":
        return self.filter(owner_id=user.pk)

    def active(self) -> "ReviewCardQuerySet":
        """Not suspended: the cards that come back for review."""
        return self.filter(suspended=False)

    def due(self, now: object) -> "ReviewCardQuerySet":
        """Due now, most overdue first (suspended cards never are)."""
        return self.active().filter(due__lte=now).order_by("due")

    def leeches(self) -> "ReviewCardQuerySet":
        return self.filter(leech=True)


class ReviewCard(models.Model):
    """The scheduler's card (fields of `fsrs.Card`), kept in columns so due dates can be queried."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_cards")
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="review_cards"
    )
    state = models.PositiveSmallIntegerField(
        help_text="fsrs.State: 1 learning, 2 review, 3 relearning"
    )
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0, help_text="How many times graded Again.")
    leech = models.BooleanField(default=False)
    suspended = models.BooleanField(
        default=False, help_text="Kept out of review until the candidate resumes it."
    )

    objects = ReviewCardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "question", "follow_up"],
                name="reviewcard_one_per_item",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["owner", "due"], name="reviewcard_owner_due_idx")]

    def __str__(self) -> str:
        item = f"{self.question_id}/{self.follow_up_id or '-'}"
        return f"{self.owner_id}: {item} due {self.due:%Y-%m-%d}"


class ReviewLog(models.Model):
    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    attempt = models.ForeignKey(
        Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="review_logs"
    )
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    card_before = models.JSONField(
        default=dict, blank=True, help_text="The card as it was before this review, for undo."
    )

    class Meta:
        ordering = ["reviewed_at"]
        constraints = [
            # A grade is recorded once however many requests carry it.
            models.UniqueConstraint(
                fields=["attempt"],
                condition=Q(attempt__isnull=False),
                name="reviewlog_one_per_attempt",
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=4), name="reviewlog_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} rated {self.rating} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class ReviewSettings(models.Model):
    """A candidate's own review preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings"
    )
    daily_limit = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="At most this many review questions a day.",
    )
    desired_retention = models.FloatField(
        default=0.9,
        validators=[MinValueValidator(0.7), MaxValueValidator(0.97)],
        help_text="How likely you want to be to recall a question when it comes back (0.70-0.97).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_limit__gte=1, daily_limit__lte=200), name="reviewsettings_limit"
            ),
            models.CheckConstraint(
                condition=Q(desired_retention__gte=0.7, desired_retention__lte=0.97),
                name="reviewsettings_retention",
            ),
        ]

    def __str__(self) -> str:
        return f"Review settings of {self.user_id}"
