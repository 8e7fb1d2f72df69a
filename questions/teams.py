"""Team services: creating teams, invitations, membership changes, moving kits and loops into a
team, the round plan, and the audit of who changed a team's kit or loop.

Every write is one atomic function with conditional updates; the views check who may call it.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from interviewprep.names import clean_line
from questions.models import AuditEntry, Invitation, Kit, Loop, LoopRound, Membership, Team
from questions.models.teams import MAX_TEAM_MEMBERS, TeamRole
from questions.roles import INTERVIEWERS_GROUP

INVITATION_DAYS = 7
MAX_OPEN_INVITATIONS = 50
MAX_COMPETENCIES = 8


class TeamError(ValueError):
    """A refused team change, with the message to show."""


class InvitationUnavailable(Exception):
    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _is_interviewer(user: Any) -> bool:
    return bool(user.is_staff or user.groups.filter(name=INTERVIEWERS_GROUP).exists())


@transaction.atomic
def create_team(*, user: Any, name: str) -> Team:
    """A new team with its creator as its first manager."""
    team = Team.objects.create(name=name, created_by=user)
    Membership.objects.create(team=team, user=user, role=TeamRole.MANAGER, can_edit=True)
    return team


def _check_room(team: Team) -> None:
    if Membership.objects.filter(team=team).count() >= MAX_TEAM_MEMBERS:
        raise TeamError(f"A team has at most {MAX_TEAM_MEMBERS} members.")
    open_count = Invitation.objects.filter(
        team=team, revoked_at__isnull=True, accepted_at__isnull=True
    ).count()
    if open_count >= MAX_OPEN_INVITATIONS:
        raise TeamError("Too many open invitations: revoke some first.")


@transaction.atomic
def invite_username(
    *, team: Team, by: Any, username: str, can_edit: bool, now: datetime
) -> Invitation:
    """Invite one interviewer by username; they accept it from their Teams page."""
    Team.objects.select_for_update().get(pk=team.pk)
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None or not user.is_active or not _is_interviewer(user):
        raise TeamError(f"No interviewer has the username “{username.strip()}”.")
    if Membership.objects.filter(team=team, user=user).exists():
        raise TeamError(f"{user.username} is already in this team.")
    if Invitation.objects.filter(
        team=team,
        invitee=user,
        revoked_at__isnull=True,
        accepted_at__isnull=True,
        expires_at__gt=now,
    ).exists():
        raise TeamError(f"{user.username} already has an open invitation.")
    _check_room(team)
    return Invitation.objects.create(
        team=team,
        token=_new_token(),
        invitee=user,
        can_edit=can_edit,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )


@transaction.atomic
def create_invitation_link(
    *, team: Team, by: Any, can_edit: bool, days: int, now: datetime
) -> Invitation:
    """A link any signed-in interviewer can use to join, until it expires or is revoked."""
    if not 1 <= days <= 30:
        raise TeamError("An invitation link lasts 1 to 30 days.")
    Team.objects.select_for_update().get(pk=team.pk)
    _check_room(team)
    return Invitation.objects.create(
        team=team,
        token=_new_token(),
        can_edit=can_edit,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )


def revoke_invitation(*, team: Team, invitation_id: int, now: datetime) -> bool:
    """Revoke an open invitation (one conditional UPDATE: a replay changes nothing)."""
    return bool(
        Invitation.objects.filter(
            pk=invitation_id, team=team, revoked_at__isnull=True, accepted_at__isnull=True
        ).update(revoked_at=now)
    )


def decline_invitation(*, user: Any, invitation_id: int, now: datetime) -> bool:
    return bool(
        Invitation.objects.filter(
            pk=invitation_id, invitee=user, revoked_at__isnull=True, accepted_at__isnull=True
        ).update(revoked_at=now)
    )


def open_invitation(*, token: str, user: Any, now: datetime) -> Invitation:
    """The invitation behind a token, if this user may use it; else InvitationUnavailable.

    A username invitation is someone else's: "missing", as if it did not exist.
    """
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    if invitation is None or (invitation.invitee_id not in (None, user.pk)):
        raise InvitationUnavailable("missing")
    state = invitation.state(now)
    if state != Invitation.State.OPEN:
        raise InvitationUnavailable(state)
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: Any, now: datetime) -> Team:
    """Join the team; joining twice is harmless (the membership is there already)."""
    invitation = open_invitation(token=token, user=user, now=now)
    team = Team.objects.select_for_update().get(pk=invitation.team_id)
    if Membership.objects.filter(team=team, user=user).exists():
        return team
    if Membership.objects.filter(team=team).count() >= MAX_TEAM_MEMBERS:
        raise TeamError(f"This team is full ({MAX_TEAM_MEMBERS} members).")
    if invitation.invitee_id is not None:
        used = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=now)
        if not used:
            raise InvitationUnavailable("revoked")
    Membership.objects.create(team=team, user=user, can_edit=invitation.can_edit)
    return team


def _managers_after(team: Team, *, excluding: int) -> int:
    return Membership.objects.filter(team=team, role=TeamRole.MANAGER).exclude(pk=excluding).count()


@transaction.atomic
def leave_team(*, team: Team, user: Any) -> bool:
    """Leave at once: the team's kits, loops and candidates are out of reach from now on."""
    Team.objects.select_for_update().get(pk=team.pk)
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None:
        return False
    others = Membership.objects.filter(team=team).exclude(pk=membership.pk).count()
    if membership.is_manager and others and not _managers_after(team, excluding=membership.pk):
        raise TeamError("You are the team's only manager: make someone else a manager first.")
    membership.delete()
    return True


@transaction.atomic
def remove_member(*, team: Team, membership_id: int, by: Any) -> Membership | None:
    Team.objects.select_for_update().get(pk=team.pk)
    membership = (
        Membership.objects.filter(team=team, pk=membership_id).select_related("user").first()
    )
    if membership is None:
        return None
    if membership.user_id == by.pk:
        raise TeamError("To leave the team yourself, use “Leave team”.")
    if membership.is_manager and not _managers_after(team, excluding=membership.pk):
        raise TeamError("A team keeps at least one manager.")
    membership.delete()
    return membership


@transaction.atomic
def set_member_role(
    *, team: Team, membership_id: int, role: str, can_edit: bool
) -> Membership | None:
    if role not in TeamRole.values:
        raise TeamError("Choose member or manager.")
    Team.objects.select_for_update().get(pk=team.pk)
    membership = (
        Membership.objects.filter(team=team, pk=membership_id).select_related("user").first()
    )
    if membership is None:
        return None
    if (
        membership.is_manager
        and role != TeamRole.MANAGER
        and not _managers_after(team, excluding=membership.pk)
    ):
        raise TeamError("A team keeps at least one manager.")
    Membership.objects.filter(pk=membership.pk).update(
        role=role, can_edit=can_edit or role == TeamRole.MANAGER
    )
    membership.refresh_from_db()
    return membership


# Kits and loops in a team ------------------------------------------------------------------------


def _is_editor(team_id: int, user: Any) -> bool:
    return Membership.objects.editors().filter(team_id=team_id, user_id=user.pk).exists()


@transaction.atomic
def move_kit(*, kit: Kit, team: Team | None, user: Any, now: datetime) -> None:
    """Give a kit to a team (or take it back as the mover's own). The mover must be able to edit
    the kit and be an editor of the team it goes to; only a manager takes a kit out of a team."""
    kit = Kit.objects.select_for_update().get(pk=kit.pk)
    if not kit.is_editable_by(user):
        raise TeamError("Only the kit's editors may move it.")
    if team is not None and not _is_editor(team.pk, user):
        raise TeamError("Only the team's managers and editors may add kits to it.")
    source = kit.team_id
    if team is None and source is not None:
        if not Membership.objects.filter(team_id=source, user=user, role=TeamRole.MANAGER).exists():
            raise TeamError("Only a manager takes a kit out of the team.")
        if kit.loop_rounds.filter(loop__team_id=source).exists():
            raise TeamError("The kit is a round of one of the team's loops: remove it there first.")
    Kit.objects.filter(pk=kit.pk).update(
        team=team, owner=user if team is None else kit.owner, in_use_for_hiring=False
    )
    new = team.pk if team is not None else None
    if source is not None and source != new:
        record(
            team_id=source, actor=user, subject=kit, action="moved the kit out of the team", now=now
        )
    if new is not None and new != source:
        record(team_id=new, actor=user, subject=kit, action="added the kit to the team", now=now)


@transaction.atomic
def move_loop(*, loop: Loop, team: Team, user: Any, now: datetime) -> int:
    """Give a personal loop to a team, with its rounds' personal kits; the count of kits moved."""
    loop = Loop.objects.select_for_update().get(pk=loop.pk)
    if loop.team_id is not None:
        raise TeamError("The loop already belongs to a team.")
    if not loop.is_editable_by(user) or not _is_editor(team.pk, user):
        raise TeamError("Only the loop's owner, as an editor of the team, may move it there.")
    kits = Kit.objects.filter(loop_rounds__loop=loop)
    if kits.filter(~Q(team_id=team.pk) & Q(team__isnull=False)).exists():
        raise TeamError("A round's kit belongs to another team.")
    moved = kits.filter(team__isnull=True).update(team=team)
    Loop.objects.filter(pk=loop.pk).update(team=team)
    record(team_id=team.pk, actor=user, subject=loop, action="added the loop to the team", now=now)
    return moved


def set_hiring_hold(*, kit: Kit, on: bool, user: Any, now: datetime) -> bool:
    """Mark a team kit "in use for hiring" (or not); one conditional UPDATE."""
    changed = Kit.objects.filter(pk=kit.pk, team__isnull=False).exclude(in_use_for_hiring=on)
    if not changed.update(in_use_for_hiring=on):
        return False
    action = "marked the kit in use for hiring" if on else "lifted the kit's hiring hold"
    record(team_id=kit.team_id, actor=user, subject=kit, action=action, now=now)
    return True


def clean_competencies(text: str) -> list[str]:
    """Competencies typed one per line or separated by commas: trimmed, deduplicated, in order."""
    seen: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        name = clean_line(part).strip()
        if not name:
            continue
        if len(name) > 80:
            raise TeamError(f"“{name[:40]}…” is longer than 80 characters.")
        seen.setdefault(name.casefold(), name)
    if len(seen) > MAX_COMPETENCIES:
        raise TeamError(f"A round assesses at most {MAX_COMPETENCIES} competencies.")
    return list(seen.values())


@transaction.atomic
def plan_round(
    *,
    loop: Loop,
    round_id: int,
    competencies: list[str],
    interviewer_ids: list[int],
    user: Any,
    now: datetime,
) -> LoopRound | None:
    """Set a round's competencies and interviewers (team members only)."""
    loop_round = LoopRound.objects.select_for_update().filter(loop=loop, pk=round_id).first()
    if loop_round is None or loop.team_id is None:
        return None
    members = set(
        Membership.objects.filter(team_id=loop.team_id, user_id__in=interviewer_ids).values_list(
            "user_id", flat=True
        )
    )
    if set(interviewer_ids) - members:
        raise TeamError("Interviewers must be members of the team.")
    LoopRound.objects.filter(pk=loop_round.pk).update(competencies=competencies)
    loop_round.interviewers.set(members)
    Loop.objects.filter(pk=loop.pk).update(updated_at=now)
    record(
        team_id=loop.team_id,
        actor=user,
        subject=loop,
        action=f"planned round {loop_round.position}",
        now=now,
    )
    return loop_round


# The audit -----------------------------------------------------------------------------------

# What a POST to a kit or loop URL did, by URL name.
AUDIT_ACTIONS = {
    "kit_edit": "changed the kit's settings",
    "kit_item_add": "added a question",
    "kit_item_remove": "removed a question",
    "kit_item_move": "reordered the questions",
    "kit_item_edit": "changed a question's minutes or notes",
    "kit_delete": "deleted the kit",
    "kit_share": "created a share link",
    "kit_share_revoke": "revoked a share link",
    "loop_edit": "changed the loop's name or description",
    "loop_delete": "deleted the loop",
    "loop_round_add": "added a round",
    "loop_round_move": "reordered the rounds",
    "loop_round_remove": "removed a round",
}


def record(
    *, team_id: int | None, actor: Any, subject: Kit | Loop, action: str, now: datetime
) -> None:
    if team_id is None:
        return
    AuditEntry.objects.create(
        team_id=team_id,
        actor=actor,
        actor_name=actor.get_username(),
        at=now,
        subject="kit" if isinstance(subject, Kit) else "loop",
        subject_id=subject.pk,
        subject_title=str(subject)[:200],
        action=action,
    )


def _audit_mark(subject: Kit | Loop) -> dict[str, Any]:
    # Taken before the view runs: a deleted kit loses its pk.
    return {
        "team_id": subject.team_id,
        "subject": "kit" if isinstance(subject, Kit) else "loop",
        "subject_id": subject.pk,
        "subject_title": str(subject)[:200],
    }


def mark_for_audit(request: HttpRequest, subject: Model) -> None:
    """Called by the kit and loop access helpers: a write to a team's kit or loop gets an audit
    line once it has succeeded (TeamAuditMiddleware)."""
    if request.method == "POST" and getattr(subject, "team_id", None) is not None:
        request.team_audit = _audit_mark(subject)  # type: ignore[attr-defined,arg-type]


class TeamAuditMiddleware:
    """After a successful write to a team's kit or loop, one audit line: who, what, when."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        mark = getattr(request, "team_audit", None)
        user = request.user
        if mark is not None and response.status_code < 400 and user.is_authenticated:
            match = request.resolver_match
            name = (match.url_name if match else "") or ""
            with contextlib.suppress(IntegrityError):  # the team went away meanwhile
                AuditEntry.objects.create(
                    **mark,
                    actor=user,
                    actor_name=user.get_username(),
                    at=timezone.now(),
                    action=AUDIT_ACTIONS.get(name, "changed it"),
                )
        return response


def team_panel(user: Any, subject: Kit | Loop) -> dict[str, Any]:
    """What a kit or loop page shows about its team: the team, whether this user may change the
    kit or loop, and the teams it could be moved into (teams where the user is an editor)."""
    team = subject.team if subject.team_id else None
    editable = subject.is_editable_by(user)
    targets = []
    if editable and team is None:
        targets = list(
            Team.objects.filter(
                memberships__in=Membership.objects.editors().filter(user_id=user.pk)
            ).order_by("name")
        )
    manager = bool(
        team
        and Membership.objects.filter(team=team, user_id=user.pk, role=TeamRole.MANAGER).exists()
    )
    return {
        "subject": subject,
        "kind": "kit" if isinstance(subject, Kit) else "loop",
        "team": team,
        "can_edit": editable,
        "is_manager": manager,
        "targets": targets,
    }


@transaction.atomic
def hand_over_before_account_deletion(user: Any) -> None:
    """Before an account goes: the team kits and loops it created pass to another member of
    their team (a manager first), so the team keeps them; a team with no other member is deleted
    with its candidates and scorecards (nobody could reach them any more). The person's
    scorecards stay in their teams' packets under the username they had (the team's record)."""
    for membership in Membership.objects.filter(user=user).select_related("team"):
        heir = (
            Membership.objects.filter(team_id=membership.team_id)
            .exclude(user=user)
            .order_by("-role", "joined_at", "pk")  # "manager" sorts after "member"
            .first()
        )
        if heir is None:
            membership.team.delete()
            continue
        Kit.objects.filter(team_id=membership.team_id, owner=user).update(owner_id=heir.user_id)
        Loop.objects.filter(team_id=membership.team_id, owner=user).update(owner_id=heir.user_id)
        if membership.is_manager and not _managers_after(membership.team, excluding=membership.pk):
            Membership.objects.filter(pk=heir.pk).update(role=TeamRole.MANAGER, can_edit=True)
