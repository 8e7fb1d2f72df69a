"""Teams: members, invitations, team kits and loops, the round plan with its coverage check, and
calibration for managers.

Interviewers and staff only (403 for candidates). A team is found through `_membership`, so a
person outside the team gets a 404 for every page of it, staff included (its candidates are
personal data). Managers manage; members with the editor flag change the team's kits and loops.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviewprep.http import AuthenticatedHttpRequest
from interviewprep.names import clean_line
from interviewprep.throttling import rate_limit
from questions import calibration, teams
from questions.models import (
    AuditEntry,
    Candidate,
    Invitation,
    Kit,
    KitItem,
    Loop,
    LoopRound,
    Membership,
    Team,
)
from questions.models.teams import TeamRole
from questions.roles import require_interviewer

AUDIT_LINES = 30


def _membership(request: AuthenticatedHttpRequest, team_id: int) -> Membership:
    """The user's membership of the team (with the team); 403 for candidates, 404 otherwise."""
    require_interviewer(request)
    return get_object_or_404(
        Membership.objects.select_related("team"), team_id=team_id, user_id=request.user.pk
    )


def _manager(request: AuthenticatedHttpRequest, team_id: int) -> Membership:
    membership = _membership(request, team_id)
    if not membership.is_manager:
        raise PermissionDenied("Only the team's managers do this.")
    return membership


def _back(team: Team, anchor: str = "") -> HttpResponse:
    return redirect(team.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@login_required
@require_GET
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_interviewer(request)
    return _team_list(request)


def _team_list(request: AuthenticatedHttpRequest, status: int = 200) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("team")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__name")
    )
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(
            invitee=request.user,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).select_related("team", "created_by")
    )
    context = {"memberships": memberships, "invitations": invitations}
    return render(request, "questions/teams/team_list.html", context, status=status)


@login_required
@require_POST
@rate_limit("team_write")
def team_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_interviewer(request)
    name = clean_line(request.POST.get("name", "")).strip()
    if not name or len(name) > 120:
        messages.error(request, "Give the team a name of 1 to 120 characters.")
        return _team_list(request, status=422)
    team = teams.create_team(user=request.user, name=name)
    messages.success(request, "Team created. Invite your interviewers.")
    return redirect(team)


def _team_context(request: AuthenticatedHttpRequest, membership: Membership) -> dict[str, Any]:
    team = membership.team
    now = timezone.now()
    members = list(team.memberships.select_related("user").order_by("user__username"))
    kits = list(Kit.objects.filter(team=team).with_totals().order_by("title"))
    loops = list(Loop.objects.filter(team=team).annotate(round_count=Count("rounds")))
    candidates = list(
        Candidate.objects.filter(team=team)
        .select_related("loop")
        .annotate(scorecard_count=Count("scorecards"))
    )
    invitations: list[Invitation] = []
    if membership.is_manager:
        invitations = [
            inv
            for inv in team.invitations.select_related("invitee").order_by("-created_at")[:50]
            if inv.state(now) == Invitation.State.OPEN
        ]
        for inv in invitations:
            inv.url = request.build_absolute_uri(inv.get_absolute_url())  # type: ignore[attr-defined]
    movable_kits: list[Kit] = []
    movable_loops: list[Loop] = []
    if membership.is_editor:
        movable_kits = list(
            Kit.objects.filter(owner=request.user, team__isnull=True)
            .only("title")
            .order_by("title")
        )
        movable_loops = list(
            Loop.objects.filter(owner=request.user, team__isnull=True).only("name").order_by("name")
        )
    return {
        "team": team,
        "membership": membership,
        "members": members,
        "kits": kits,
        "loops": loops,
        "candidates": candidates,
        "invitations": invitations,
        "movable_kits": movable_kits,
        "movable_loops": movable_loops,
        "audit": list(AuditEntry.objects.filter(team=team)[:AUDIT_LINES]),
        "roles": TeamRole.choices,
    }


@login_required
@require_GET
def team_detail(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = _membership(request, team_id)
    return render(request, "questions/teams/team_detail.html", _team_context(request, membership))


def refuse_on_team_page(
    request: AuthenticatedHttpRequest, membership: Membership, message: str, status: int = 422
) -> HttpResponse:
    messages.error(request, message)
    context = _team_context(request, membership)
    return render(request, "questions/teams/team_detail.html", context, status=status)


@login_required
@require_POST
@rate_limit("team_write")
def team_invite(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = _manager(request, team_id)
    username = request.POST.get("username", "")[:150]
    if not username.strip():
        return refuse_on_team_page(request, membership, "Type the interviewer's username.")
    try:
        invitation = teams.invite_username(
            team=membership.team,
            by=request.user,
            username=username,
            can_edit=request.POST.get("can_edit") == "on",
            now=timezone.now(),
        )
    except teams.TeamError as refused:
        return refuse_on_team_page(request, membership, str(refused))
    messages.success(
        request,
        f"Invited {invitation.invitee.username}: they accept it on their Teams page.",  # type: ignore[union-attr]
    )
    return _back(membership.team, "invitations")


@login_required
@require_POST
@rate_limit("team_write")
def team_invite_link(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = _manager(request, team_id)
    days = request.POST.get("days", "7")
    if not (days.isdigit() and len(days) < 3):
        return refuse_on_team_page(request, membership, "An invitation link lasts 1 to 30 days.")
    try:
        invitation = teams.create_invitation_link(
            team=membership.team,
            by=request.user,
            can_edit=request.POST.get("can_edit") == "on",
            days=int(days),
            now=timezone.now(),
        )
    except teams.TeamError as refused:
        return refuse_on_team_page(request, membership, str(refused))
    messages.success(request, "Invitation link created: copy it from the list below.")
    return _back(membership.team, f"invitation-{invitation.pk}")


@login_required
@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, team_id: int, invitation_id: int
) -> HttpResponse:
    membership = _manager(request, team_id)
    get_object_or_404(Invitation, pk=invitation_id, team=membership.team)
    if teams.revoke_invitation(
        team=membership.team, invitation_id=invitation_id, now=timezone.now()
    ):
        messages.success(request, "Invitation revoked: it no longer works.")
    else:
        messages.info(request, "That invitation was already used or revoked.")
    return _back(membership.team, "invitations")


@login_required
@require_POST
def invitation_decline(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    require_interviewer(request)
    get_object_or_404(Invitation, pk=invitation_id, invitee=request.user)
    teams.decline_invitation(user=request.user, invitation_id=invitation_id, now=timezone.now())
    messages.success(request, "Invitation declined.")
    return redirect("questions:team_list")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("team_write", methods=("GET", "POST"))
def team_join(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """An invitation's page: the team's name and a button to join (a button, so that link
    scanners join nobody)."""
    require_interviewer(request)
    now = timezone.now()
    try:
        invitation = teams.open_invitation(token=token[:100], user=request.user, now=now)
    except teams.InvitationUnavailable as unavailable:
        gone = {"state": unavailable.state}
        status = 404 if unavailable.state == "missing" else 410
        return render(request, "questions/teams/join_unavailable.html", gone, status=status)
    if request.method == "POST":
        try:
            team = teams.accept_invitation(token=token, user=request.user, now=now)
        except teams.InvitationUnavailable as unavailable:
            gone = {"state": unavailable.state}
            return render(request, "questions/teams/join_unavailable.html", gone, status=410)
        except teams.TeamError as refused:
            messages.error(request, str(refused))
            return redirect("questions:team_list")
        messages.success(request, f"You joined {team.name}.")
        return redirect(team)
    member = Membership.objects.filter(team=invitation.team, user=request.user).exists()
    context: dict[str, Any] = {
        "invitation": invitation,
        "team": invitation.team,
        "already_member": member,
    }
    return render(request, "questions/teams/join.html", context)


@login_required
@require_POST
def team_leave(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = _membership(request, team_id)
    try:
        teams.leave_team(team=membership.team, user=request.user)
    except teams.TeamError as refused:
        return refuse_on_team_page(request, membership, str(refused), status=409)
    messages.success(request, f"You left {membership.team.name}.")
    return redirect("questions:team_list")


@login_required
@require_POST
def member_update(
    request: AuthenticatedHttpRequest, team_id: int, membership_id: int
) -> HttpResponse:
    membership = _manager(request, team_id)
    get_object_or_404(Membership, pk=membership_id, team=membership.team)
    try:
        changed = teams.set_member_role(
            team=membership.team,
            membership_id=membership_id,
            role=request.POST.get("role", ""),
            can_edit=request.POST.get("can_edit") == "on",
        )
    except teams.TeamError as refused:
        return refuse_on_team_page(request, membership, str(refused), status=409)
    if changed is not None:
        messages.success(request, f"Saved {changed.user.username}'s role.")
    if changed is not None and changed.user_id == request.user.pk and not changed.is_manager:
        return redirect(membership.team)
    return _back(membership.team, "members")


@login_required
@require_POST
def member_remove(
    request: AuthenticatedHttpRequest, team_id: int, membership_id: int
) -> HttpResponse:
    membership = _manager(request, team_id)
    get_object_or_404(Membership, pk=membership_id, team=membership.team)
    try:
        removed = teams.remove_member(
            team=membership.team, membership_id=membership_id, by=request.user
        )
    except teams.TeamError as refused:
        return refuse_on_team_page(request, membership, str(refused), status=409)
    if removed is not None:
        messages.success(
            request, f"Removed {removed.user.username}: the team's pages are closed to them now."
        )
    return _back(membership.team, "members")


# Team kits and loops ---------------------------------------------------------------------------


def _visible_kit(request: AuthenticatedHttpRequest, kit_id: int) -> Kit:
    require_interviewer(request)
    return get_object_or_404(Kit.objects.for_user(request.user).select_related("team"), pk=kit_id)


def _posted_team(request: AuthenticatedHttpRequest) -> Team | None:
    raw = request.POST.get("team", "")
    if not raw:
        return None
    if not (raw.isdigit() and len(raw) < 19):
        raise teams.TeamError("Choose one of your teams.")
    team = Team.objects.for_user(request.user).filter(pk=int(raw)).first()
    if team is None:
        raise teams.TeamError("Choose one of your teams.")
    return team


@login_required
@require_POST
@rate_limit("team_write")
def kit_move(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _visible_kit(request, kit_id)
    if not kit.is_editable_by(request.user):
        raise PermissionDenied("Only the kit's editors move it.")
    try:
        team = _posted_team(request)
        teams.move_kit(kit=kit, team=team, user=request.user, now=timezone.now())
    except teams.TeamError as refused:
        messages.error(request, str(refused))
        return redirect(kit)
    messages.success(
        request,
        f"“{kit.title}” now belongs to {team.name}."
        if team
        else f"“{kit.title}” is yours alone now.",
    )
    return redirect(team or kit)


@login_required
@require_POST
def kit_hold(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    kit = _visible_kit(request, kit_id)
    if kit.team_id is None or not kit.is_editable_by(request.user):
        raise PermissionDenied("Only a team kit's editors mark it in use for hiring.")
    on = request.POST.get("on") == "1"
    teams.set_hiring_hold(kit=kit, on=on, user=request.user, now=timezone.now())
    messages.success(
        request,
        "In use for hiring: its questions are withheld from the team's share links."
        if on
        else "The hiring hold is lifted.",
    )
    return redirect(reverse("questions:kit_alternates", args=[kit.pk]))


@login_required
@require_GET
def kit_alternates(request: AuthenticatedHttpRequest, kit_id: int) -> HttpResponse:
    """The leak guard's page: the hold, and for each question alternates of the same topic and
    level that no kit of the team uses, most attempted first (the bank statistics)."""
    kit = _visible_kit(request, kit_id)
    if kit.team_id is None:
        raise PermissionDenied("The leak guard is for team kits.")
    rows = calibration.alternates(kit)
    context = {"kit": kit, "rows": rows, "can_edit": kit.is_editable_by(request.user)}
    return render(request, "questions/teams/kit_alternates.html", context)


@login_required
@require_POST
@rate_limit("team_write")
def loop_move(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    require_interviewer(request)
    loop = get_object_or_404(Loop.objects.for_user(request.user), pk=loop_id)
    try:
        team = _posted_team(request)
        if team is None:
            raise teams.TeamError("Choose one of your teams.")
        moved = teams.move_loop(loop=loop, team=team, user=request.user, now=timezone.now())
    except teams.TeamError as refused:
        messages.error(request, str(refused))
        return redirect(loop)
    messages.success(
        request,
        f"“{loop.name}” and {moved} of its kit{'s' if moved != 1 else ''} "
        f"now belong to {team.name}.",
    )
    return redirect(reverse("questions:loop_plan", args=[loop.pk]))


def _team_loop(request: AuthenticatedHttpRequest, loop_id: int) -> tuple[Loop, Membership]:
    require_interviewer(request)
    loop = get_object_or_404(Loop.objects.select_related("team"), pk=loop_id, team__isnull=False)
    membership = get_object_or_404(Membership, team_id=loop.team_id, user_id=request.user.pk)
    return loop, membership


def _plan_context(loop: Loop, membership: Membership, **extra: Any) -> dict[str, Any]:
    rounds = list(
        loop.rounds.select_related("kit")
        .prefetch_related(
            Prefetch("interviewers"),
            Prefetch("kit__items", queryset=KitItem.objects.select_related("question__topic")),
        )
        .order_by("position")
    )
    members = list(
        Membership.objects.filter(team_id=membership.team_id)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        "loop": loop,
        "membership": membership,
        "rounds": rounds,
        "members": members,
        "coverage": calibration.coverage(rounds),
        **extra,
    }


@login_required
@require_GET
def loop_plan(request: AuthenticatedHttpRequest, loop_id: int) -> HttpResponse:
    loop, membership = _team_loop(request, loop_id)
    return render(request, "questions/teams/loop_plan.html", _plan_context(loop, membership))


@login_required
@require_POST
def round_plan(request: AuthenticatedHttpRequest, loop_id: int, round_id: int) -> HttpResponse:
    loop, membership = _team_loop(request, loop_id)
    if not membership.is_editor:
        raise PermissionDenied("Only the team's managers and editors plan its loops.")
    get_object_or_404(LoopRound, pk=round_id, loop=loop)
    ids = request.POST.getlist("interviewers")
    try:
        if any(not (i.isdigit() and len(i) < 19) for i in ids):
            raise teams.TeamError("Interviewers must be members of the team.")
        competencies = teams.clean_competencies(request.POST.get("competencies", "")[:2000])
        teams.plan_round(
            loop=loop,
            round_id=round_id,
            competencies=competencies,
            interviewer_ids=[int(i) for i in ids],
            user=request.user,
            now=timezone.now(),
        )
    except teams.TeamError as refused:
        context = _plan_context(loop, membership, error=str(refused), error_round=round_id)
        return render(request, "questions/teams/loop_plan.html", context, status=422)
    messages.success(request, "Round saved.")
    return redirect(reverse("questions:loop_plan", args=[loop.pk]) + f"#round-{round_id}")


# Calibration ----------------------------------------------------------------------------------


@login_required
@require_GET
def team_calibration(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = _manager(request, team_id)
    context = {"team": membership.team, **calibration.calibrate(membership.team)}
    return render(request, "questions/teams/calibration.html", context)
