"""What the key-point suggestions proposed for an answer, beside what the candidate ticked.

One row per graded attempt, written with the grade (questions.suggest.records) and deleted when
the grade is undone: the progress page compares the two (calibration: self versus suggestion).
The row carries its owner, so a user's calibration is one index range, however many rows.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, Q, Sum

from questions.models.practice import Attempt


class SuggestionRecordQuerySet(models.QuerySet["SuggestionRecord"]):
    def for_user(self, user: models.Model) -> "SuggestionRecordQuerySet":
        return self.filter(owner_id=user.pk)

    def calibration(self) -> dict[str, int]:
        """Totals over the rows, in one query (zeros when there are none)."""
        # Counted by owner (never null), not by pk: every column read is in
        # suggestion_owner_counts_idx, so a user's rows are one range of the index alone.
        totals = self.aggregate(
            answers=Count("owner"),
            with_suggestions=Count("owner", filter=Q(suggested_count__gt=0)),
            key_points=Sum("key_point_count", default=0),
            suggested=Sum("suggested_count", default=0),
            suggested_ticked=Sum("suggested_ticked", default=0),
            unsuggested_ticked=Sum("unsuggested_ticked", default=0),
        )
        return {key: int(value or 0) for key, value in totals.items()}


class SuggestionRecord(models.Model):
    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, related_name="suggestion_record"
    )
    # The attempt's session's owner, kept here so the calibration reads no join.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    method = models.CharField(
        max_length=20, blank=True, help_text="The matcher that made the suggestions (empty: off)."
    )
    suggested = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        help_text="Indexes of the key points suggested, in order.",
    )
    quotes = ArrayField(
        models.TextField(), default=list, blank=True, help_text="The sentence quoted for each."
    )
    ticked = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        help_text="Indexes of the key points the candidate ticked when grading.",
    )
    key_point_count = models.PositiveSmallIntegerField(default=0)
    suggested_count = models.PositiveSmallIntegerField(default=0)
    suggested_ticked = models.PositiveSmallIntegerField(
        default=0, help_text="Suggested key points the candidate ticked."
    )
    unsuggested_ticked = models.PositiveSmallIntegerField(
        default=0, help_text="Key points the candidate ticked that were not suggested."
    )
    recorded_at = models.DateTimeField()

    objects = SuggestionRecordQuerySet.as_manager()

    class Meta:
        indexes = [
            # The progress page's calibration sums these over a user's graded answers, one
            # record per answer: one range of this index, no heap page and no join per record.
            models.Index(
                fields=["owner"],
                include=[
                    "key_point_count",
                    "suggested_count",
                    "suggested_ticked",
                    "unsuggested_ticked",
                ],
                name="suggestion_owner_counts_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(suggested_ticked__lte=models.F("suggested_count")),
                name="suggestion_ticked_within_suggested",
            ),
        ]

    def __str__(self) -> str:
        return f"Suggestions for attempt {self.attempt_id}: {self.suggested} / ticked {self.ticked}"
