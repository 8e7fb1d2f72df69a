"""Interview kits: ordered question sets for the rounds of a hiring loop, and their share links.

A kit refers to live bank questions; sessions taken from a kit keep their own snapshot (Attempt),
so editing a kit or the bank never rewrites what a candidate answered.
"""

from datetime import datetime
from typing import Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse

from questions.models.bank import FollowUp, Question, Status

MIN_MINUTES = 1
MAX_MINUTES = 120
MINUTES_VALIDATORS = [MinValueValidator(MIN_MINUTES), MaxValueValidator(MAX_MINUTES)]
# secrets.token_urlsafe(32) gives 43 characters: 256 bits. Shorter tokens are refused outright.
TOKEN_MIN_LENGTH = 43
TOKEN_MAX_LENGTH = 64

ROUND_SUGGESTIONS = (
    "ML fundamentals",
    "ML system design",
    "Coding",
    "Deep learning",
    "MLOps",
    "Behavioural",
)


def _minutes_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": MIN_MINUTES, f"{field}__lte": MAX_MINUTES})


class OwnedQuerySet(models.QuerySet):
    def for_user(self, user: models.Model) -> Self:
        """What a user may open and edit: their own; staff reach everyone's."""
        if getattr(user, "is_staff", False):
            return self
        return self.filter(owner_id=user.pk)


class KitQuerySet(OwnedQuerySet):
    def with_totals(self) -> "KitQuerySet":
        return self.annotate(item_count=models.Count("items"))


class Kit(models.Model):
    """An interview kit: the questions of one round, in order, with minutes and notes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kits"
    )
    title = models.CharField(max_length=200)
    round = models.CharField(
        max_length=120, blank=True, help_text="The round it is for, e.g. “ML system design”."
    )
    description = models.TextField(blank=True, max_length=5000)
    minutes = models.PositiveSmallIntegerField(
        "minutes per question",
        default=5,
        validators=MINUTES_VALIDATORS,
        help_text=f"The default for every question, {MIN_MINUTES} to {MAX_MINUTES}.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KitQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = "interview kit"
        indexes = [models.Index(fields=["owner", "-updated_at"], name="kit_owner_updated_idx")]
        constraints = [
            models.CheckConstraint(
                condition=_minutes_in_range("minutes"), name="kit_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("questions:kit_detail", args=[self.pk])


class KitItemQuerySet(models.QuerySet["KitItem"]):
    def usable(self) -> "KitItemQuerySet":
        """Items a candidate gets: questions retired or unpublished since being added drop out.
        (`KitItem.is_usable` is the same rule for one item.)"""
        return self.filter(question__status=Status.PUBLISHED)

    def with_minutes(self) -> "KitItemQuerySet":
        """Annotate `minutes_allowed`: the item's own minutes, else its kit's. (The SQL twin of
        `KitItem.effective_minutes`, for lists that show or sum it.)"""
        return self.annotate(minutes_allowed=Coalesce("minutes", "kit__minutes"))

    def with_questions(self) -> "KitItemQuerySet":
        """In order, with each whole question, its topic and follow-ups: for guides and exports."""
        follow_ups = models.Prefetch(
            "question__follow_ups", queryset=FollowUp.objects.order_by("position")
        )
        return (
            self.with_minutes()
            .select_related("question__topic")
            .defer("question__search")
            .prefetch_related(follow_ups)
            .order_by("position")
        )


class KitItem(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="items")
    # PROTECT: a question in someone's kit is retired, not deleted.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="kit_items")
    position = models.PositiveIntegerField(help_text="From 1.")
    notes = models.TextField(
        blank=True, max_length=5000, help_text="For the interviewer only: what to listen for."
    )
    minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=MINUTES_VALIDATORS,
        help_text="Empty: the kit's minutes per question.",
    )

    objects = KitItemQuerySet.as_manager()
    minutes_allowed: int  # annotated by KitItemQuerySet.with_minutes (not a column)

    class Meta:
        ordering = ["kit_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "question"], name="kititem_unique_question"),
            # Deferred so that two items can swap places inside one transaction.
            models.UniqueConstraint(
                fields=["kit", "position"],
                name="kititem_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | _minutes_in_range("minutes"),
                name="kititem_minutes_range",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="kititem_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit_id}/{self.position}: {self.question_id}"

    def effective_minutes(self, kit: Kit | None = None) -> int:
        """This item's own minutes, else its kit's (`with_minutes()` for a list)."""
        return self.minutes or (kit or self.kit).minutes

    @property
    def is_usable(self) -> bool:
        """Whether candidates get this question (`usable()` for a list)."""
        return self.question.status == Status.PUBLISHED


class Loop(models.Model):
    """A hiring loop: several kits in order, one per round."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="loops"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="loop_owner_updated_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("questions:loop_detail", args=[self.pk])


class LoopRound(models.Model):
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="rounds")
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="loop_rounds")
    position = models.PositiveIntegerField(help_text="Round 1, 2, 3…")

    class Meta:
        ordering = ["loop_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["loop", "kit"], name="loopround_unique_kit"),
            models.UniqueConstraint(
                fields=["loop", "position"],
                name="loopround_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="loopround_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loop_id} round {self.position}: {self.kit_id}"


class ShareLinkState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ShareLink(models.Model):
    """A practice link to one kit. The token grants starting a session on the kit, nothing else.

    The token is kept readable (unique-indexed) so that the owner can copy the link again later;
    it only opens a kit's questions without answers, which its owner chose to share.
    """

    State = ShareLinkState

    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=TOKEN_MAX_LENGTH, unique=True, editable=False)
    label = models.CharField(
        max_length=120, blank=True, help_text="Who it is for, e.g. “Backend candidates, June”."
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="sharelink_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("token"), TOKEN_MIN_LENGTH),
                name="sharelink_token_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Share link to kit {self.kit_id}"

    def state(self, now: datetime) -> ShareLinkState:
        if self.revoked_at is not None:
            return ShareLinkState.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return ShareLinkState.EXPIRED
        return ShareLinkState.ACTIVE

    def get_absolute_url(self) -> str:
        return reverse("questions:kit_share_page", args=[self.token])


class QuestionStatistics(Question):
    """The bank seen through its attempts, for admins: which questions people find hardest."""

    class Meta:
        proxy = True
        verbose_name = "question statistics"
        verbose_name_plural = "question statistics"
