"""A candidate's interview date and the time they can give each day: what the readiness plan
(questions/readiness.py) is computed from."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from questions.models.bank import Topic
from questions.models.kits import Kit

MAX_MINUTES_PER_DAY = 480
MAX_DAYS_AHEAD = 365


class InterviewPlan(models.Model):
    """One per candidate: the interview they are preparing for. No topics and no kit: every
    topic of the bank."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_plan"
    )
    interview_date = models.DateField()
    minutes_per_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES_PER_DAY)]
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    kit = models.ForeignKey(
        Kit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An interview kit the interview covers (one the candidate owns or was shared).",
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_day__gte=1, minutes_per_day__lte=MAX_MINUTES_PER_DAY),
                name="interviewplan_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Interview of {self.user_id} on {self.interview_date:%Y-%m-%d}"
