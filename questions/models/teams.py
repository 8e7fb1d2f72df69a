"""Hiring teams: members and roles, invitations, and the audit of kit and loop changes.

A team's kits and loops are shared by its members and 404 to everyone else. The one rule for who
sees a kit or loop is `OwnedQuerySet.for_user` (in kits.py); who may change one is
`Kit.is_editable_by` / `Loop.is_editable_by`, both built on `Membership` here.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse

from questions.models.kits import TOKEN_MAX_LENGTH, TOKEN_MIN_LENGTH

MAX_TEAM_MEMBERS = 100


class TeamRole(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user: models.Model) -> "TeamQuerySet":
        """The teams a user belongs to (staff too: a team's candidates are its own business)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user_id=user.pk)


class Team(models.Model):
    """Interviewers who hire together: they share kits, loops, candidates and scorecards."""

    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("questions:team_detail", args=[self.pk])


class MembershipQuerySet(models.QuerySet["Membership"]):
    def editors(self) -> "MembershipQuerySet":
        """Members who may change the team's kits and loops: managers and editors."""
        return self.filter(Q(role=TeamRole.MANAGER) | Q(can_edit=True))


class Membership(models.Model):
    Role = TeamRole

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    can_edit = models.BooleanField(
        "editor", default=False, help_text="May change the team's kits and loops."
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=Q(role__in=TeamRole.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role == TeamRole.MANAGER

    @property
    def is_editor(self) -> bool:
        return self.is_manager or self.can_edit


class InvitationState(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An invitation to join a team: for one username, or a link anyone signed in can use.

    A username invitation is used once; a link works for anyone until it expires or is revoked.
    Either way the token is random (256 bits) and only a team manager sees it.
    """

    State = InvitationState

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=TOKEN_MAX_LENGTH, unique=True, editable=False)
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_invitations",
    )
    can_edit = models.BooleanField("editor", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("token"), TOKEN_MIN_LENGTH),
                name="invitation_token_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to team {self.team_id}"

    def state(self, now: datetime) -> InvitationState:
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.accepted_at is not None and self.invitee_id is not None:
            return InvitationState.ACCEPTED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    def get_absolute_url(self) -> str:
        return reverse("questions:team_join", args=[self.token])


class AuditEntry(models.Model):
    """One line of a team's audit: who changed which kit or loop, how, and when."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    subject = models.CharField(max_length=10)  # "kit" or "loop"
    subject_id = models.PositiveBigIntegerField()
    subject_title = models.CharField(max_length=200)
    action = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["team", "-at"], name="audit_team_at_idx")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} ({self.subject} {self.subject_id})"
