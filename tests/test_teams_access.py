"""The permission matrix of every team, interview, debrief and calibration URL, walked as seven
people: anonymous, a candidate (no interviewer), an interviewer outside the team, a team member,
an editor, a manager, and staff (not in the team). A refused write changes nothing."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from questions import teams
from questions.models import (
    AuditEntry,
    Candidate,
    Correction,
    Invitation,
    Kit,
    LoopRound,
    Membership,
    Scorecard,
    ScorecardItem,
    Team,
)
from tests.factories import (
    make_candidate,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_scorecard,
    make_staff,
    make_team,
    make_user,
)
from tests.test_access import APP_ROUTES

pytestmark = pytest.mark.django_db

ROLES = ("anon", "candidate", "outsider", "member", "editor", "manager", "staff")


def row(*values):
    return dict(zip(ROLES, values, strict=True))


# GET statuses; refused POSTs (the people who may write are left to the feature tests).
MEMBERS = row(302, 403, 404, 200, 200, 200, 404)
MANAGER_ONLY = row(302, 403, 404, 403, 403, 200, 404)
OWN_SCORECARD = row(302, 404, 404, 200, 404, 404, 404)
POST_ONLY = row(302, 405, 405, 405, 405, 405, 405)
LOCKED_DEBRIEF = row(302, 403, 404, 403, 403, 200, 404)
NOT_MANAGER_POST = {
    "anon": 302,
    "candidate": 403,
    "outsider": 404,
    "member": 403,
    "editor": 403,
    "staff": 404,
}
NOT_MEMBER_POST = {"anon": 302, "candidate": 403, "outsider": 404, "staff": 404}
NOT_MY_SCORECARD_POST = {
    "anon": 302,
    "candidate": 404,
    "outsider": 404,
    "editor": 404,
    "manager": 404,
    "staff": 404,
}

MATRIX = {
    "teams/": ("/teams/", row(302, 403, 200, 200, 200, 200, 200), {}),
    "teams/new/": ("/teams/new/", POST_ONLY, {"anon": 302, "candidate": 403}),
    "teams/join/<share_token:token>/": (
        "/teams/join/{token}/",
        row(302, 403, 200, 200, 200, 200, 200),
        {"anon": 302, "candidate": 403},
    ),
    "teams/invitations/<int:invitation_id>/decline/": (
        "/teams/invitations/{personal_invitation}/decline/",
        POST_ONLY,
        {**NOT_MEMBER_POST, "member": 404, "editor": 404, "manager": 404},
    ),
    "teams/<int:team_id>/": ("/teams/{team}/", MEMBERS, {}),
    "teams/<int:team_id>/invite/": ("/teams/{team}/invite/", POST_ONLY, NOT_MANAGER_POST),
    "teams/<int:team_id>/links/": ("/teams/{team}/links/", POST_ONLY, NOT_MANAGER_POST),
    "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/": (
        "/teams/{team}/invitations/{invitation}/revoke/",
        POST_ONLY,
        NOT_MANAGER_POST,
    ),
    "teams/<int:team_id>/leave/": ("/teams/{team}/leave/", POST_ONLY, NOT_MEMBER_POST),
    "teams/<int:team_id>/members/<int:membership_id>/": (
        "/teams/{team}/members/{membership}/",
        POST_ONLY,
        NOT_MANAGER_POST,
    ),
    "teams/<int:team_id>/members/<int:membership_id>/remove/": (
        "/teams/{team}/members/{membership}/remove/",
        POST_ONLY,
        NOT_MANAGER_POST,
    ),
    "teams/<int:team_id>/calibration/": ("/teams/{team}/calibration/", MANAGER_ONLY, {}),
    "teams/<int:team_id>/candidates/new/": (
        "/teams/{team}/candidates/new/",
        POST_ONLY,
        NOT_MEMBER_POST,
    ),
    "teams/kits/<int:kit_id>/move/": (
        "/teams/kits/{kit}/move/",
        POST_ONLY,
        # Taking a kit out of a team is a manager's: the editor and staff are refused too.
        {
            "anon": 302,
            "candidate": 403,
            "outsider": 404,
            "member": 403,
            "editor": 302,
            "staff": 302,
        },
    ),
    "teams/kits/<int:kit_id>/hold/": (
        "/teams/kits/{kit}/hold/",
        POST_ONLY,
        {"anon": 302, "candidate": 403, "outsider": 404, "member": 403},
    ),
    "teams/kits/<int:kit_id>/alternates/": (
        "/teams/kits/{kit}/alternates/",
        row(302, 403, 404, 200, 200, 200, 200),
        {},
    ),
    "teams/loops/<int:loop_id>/move/": (
        "/teams/loops/{loop}/move/",
        POST_ONLY,
        # The loop is already the team's: moving it again is refused with a message.
        {"anon": 302, "candidate": 403, "outsider": 404, "member": 302, "editor": 302},
    ),
    "teams/loops/<int:loop_id>/plan/": ("/teams/loops/{loop}/plan/", MEMBERS, {}),
    "teams/loops/<int:loop_id>/rounds/<int:round_id>/plan/": (
        "/teams/loops/{loop}/rounds/{round}/plan/",
        POST_ONLY,
        {"anon": 302, "candidate": 403, "outsider": 404, "member": 403, "staff": 404},
    ),
    "teams/candidates/<int:candidate_id>/": ("/teams/candidates/{candidate}/", MEMBERS, {}),
    "teams/candidates/<int:candidate_id>/rounds/<int:round_id>/start/": (
        "/teams/candidates/{candidate}/rounds/{round}/start/",
        POST_ONLY,
        NOT_MEMBER_POST,
    ),
    "teams/candidates/<int:candidate_id>/debrief/": (
        "/teams/candidates/{candidate}/debrief/",
        LOCKED_DEBRIEF,
        {},
    ),
    "teams/candidates/<int:candidate_id>/packet/": (
        "/teams/candidates/{candidate}/packet/",
        LOCKED_DEBRIEF,
        {},
    ),
    "teams/candidates/<int:candidate_id>/packet.json": (
        "/teams/candidates/{candidate}/packet.json",
        LOCKED_DEBRIEF,
        {},
    ),
    "teams/candidates/<int:candidate_id>/delete/": (
        "/teams/candidates/{candidate}/delete/",
        MANAGER_ONLY,
        NOT_MANAGER_POST,
    ),
    "teams/scorecards/<int:scorecard_id>/": ("/teams/scorecards/{scorecard}/", OWN_SCORECARD, {}),
    "teams/scorecards/<int:scorecard_id>/submit/": (
        "/teams/scorecards/{scorecard}/submit/",
        OWN_SCORECARD,
        # The interviewer's own POST here has no rationale: refused with 422.
        {**NOT_MY_SCORECARD_POST, "member": 422},
    ),
    "teams/scorecards/<int:scorecard_id>/corrections/": (
        "/teams/scorecards/{scorecard}/corrections/",
        POST_ONLY,
        # A draft takes no corrections: 409 for its own interviewer too.
        {**NOT_MY_SCORECARD_POST, "member": 409},
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/": (
        "/teams/scorecards/{scorecard}/items/{item}/notes/",
        row(405, 405, 405, 405, 405, 405, 405),
        NOT_MY_SCORECARD_POST,
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/state/": (
        "/teams/scorecards/{scorecard}/items/{item}/notes/state/",
        OWN_SCORECARD,
        {},
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/mark/": (
        "/teams/scorecards/{scorecard}/items/{item}/mark/",
        POST_ONLY,
        NOT_MY_SCORECARD_POST,
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/timer/": (
        "/teams/scorecards/{scorecard}/items/{item}/timer/",
        POST_ONLY,
        NOT_MY_SCORECARD_POST,
    ),
}


@pytest.fixture
def people() -> dict:
    return {
        "anon": None,
        "candidate": make_user(username="cand"),
        "outsider": make_interviewer(username="outsider"),
        "member": make_interviewer(username="member"),
        "editor": make_interviewer(username="editor"),
        "manager": make_interviewer(username="manager"),
        "staff": make_staff(username="root"),
    }


@pytest.fixture
def clients(people) -> dict:
    result = {}
    for role, user in people.items():
        result[role] = Client()
        if user is not None:
            result[role].force_login(user)
    return result


@pytest.fixture
def world(people) -> dict:
    now = timezone.now()
    team = make_team(people["manager"], members=[people["member"]], editors=[people["editor"]])
    question = make_question(key_points=["bias and variance"], key_point_weights=["must"])
    kit = make_kit(people["manager"], questions=[question], team=team)
    loop = make_loop(people["manager"], kits=[kit], team=team)
    loop_round = loop.rounds.get()
    LoopRound.objects.filter(pk=loop_round.pk).update(competencies=["ML fundamentals"])
    loop_round.refresh_from_db()
    candidate = make_candidate(team, loop=loop)
    scorecard = make_scorecard(candidate, loop_round, people["member"], now=now)
    link = teams.create_invitation_link(
        team=team, by=people["manager"], can_edit=False, days=7, now=now
    )
    invitee = make_interviewer(username="invitee")
    personal = teams.invite_username(
        team=team, by=people["manager"], username="invitee", can_edit=False, now=now
    )
    assert invitee.pk == personal.invitee_id
    return {
        "team": team.pk,
        "kit": kit.pk,
        "loop": loop.pk,
        "round": loop_round.pk,
        "candidate": candidate.pk,
        "scorecard": scorecard.pk,
        "item": scorecard.items.get().pk,
        "token": link.token,
        "invitation": link.pk,
        "personal_invitation": personal.pk,
        "membership": Membership.objects.get(team=team, user=people["member"]).pk,
    }


def snapshot() -> tuple:
    return (
        list(Team.objects.order_by("pk").values_list("pk", "name")),
        list(Membership.objects.order_by("pk").values_list("pk", "role", "can_edit")),
        list(Invitation.objects.order_by("pk").values_list("pk", "revoked_at", "accepted_at")),
        list(
            Kit.objects.order_by("pk").values_list("pk", "team_id", "owner_id", "in_use_for_hiring")
        ),
        list(LoopRound.objects.order_by("pk").values_list("pk", "competencies")),
        list(Candidate.objects.order_by("pk").values_list("pk", "name")),
        list(Scorecard.objects.order_by("pk").values_list("pk", "state", "rationale")),
        list(
            ScorecardItem.objects.order_by("pk").values_list(
                "pk", "notes", "revision", "rating", "ticked", "timer_started_at"
            )
        ),
        Correction.objects.count(),
        AuditEntry.objects.count(),
    )


TEAM_ROUTES = [r for r in APP_ROUTES if r.startswith("teams/")]


def test_every_team_url_is_in_the_matrix():
    assert sorted(TEAM_ROUTES) == sorted(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_person_gets_the_expected_answer_and_refused_writes_change_nothing(
    world, clients, route
):
    path_template, gets, posts = MATRIX[route]
    path = path_template.format(**world)
    for role in ROLES:
        response = clients[role].get(path)
        assert response.status_code == gets[role], f"GET {path} as {role}: {response.status_code}"
        if gets[role] == 302 and role == "anon":
            assert response["Location"].startswith("/accounts/login/")
    for role, expected in posts.items():
        before = snapshot()
        response = clients[role].post(path, {"answer": "x", "base": "0", "writer": "intruder"})
        assert response.status_code == expected, f"POST {path} as {role}: {response.status_code}"
        assert snapshot() == before, f"a refused POST to {path} as {role} changed something"
    huge = re.sub(r"/\d+/", f"/{2**70}/", path)
    for variant in (huge, path.rstrip("/") + "%00/"):
        assert clients["manager"].get(variant).status_code < 500, variant
