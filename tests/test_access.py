"""Every URL of the project, walked as six people: who gets what, and private pages never cached.

`ROUTES` has one entry per URL pattern outside the admin (the admin gets one rule, `ADMIN`). A
pattern without an entry fails `test_every_url_has_an_access_rule`, so a new view cannot ship
without saying who may open it. To add one: the pattern's route as the key, the path with
`{placeholders}` from `World.args()`, and the status each person gets for GET (and, for views that
write, the status a refused POST gets; the owner's POST is left to the feature's own tests).

People: anonymous, a candidate (who owns the sessions), another candidate, an interviewer (who
owns the kit, loop and share link), another interviewer, and staff.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from questions import services, teams
from questions.models import (
    Attempt,
    Kit,
    KitItem,
    Loop,
    LoopRound,
    PracticeSession,
    ReviewCard,
    ShareLink,
)
from tests.factories import (
    make_candidate,
    make_follow_up,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_scorecard,
    make_session,
    make_share_link,
    make_staff,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db

ROLES = ("anon", "candidate", "other_candidate", "interviewer", "other_interviewer", "staff")
LOGIN = "/accounts/login/"


def statuses(anon, candidate, other_candidate, interviewer, other_interviewer, staff) -> dict:
    return dict(
        zip(
            ROLES,
            (anon, candidate, other_candidate, interviewer, other_interviewer, staff),
            strict=True,
        )
    )


# Common shapes. 302 for the anonymous user is always a redirect to the login page.
PUBLIC = statuses(200, 200, 200, 200, 200, 200)
SIGNED_IN = statuses(302, 200, 200, 200, 200, 200)
OWN_SESSION = statuses(302, 200, 404, 404, 404, 404)
INTERVIEWERS = statuses(302, 403, 403, 200, 200, 200)
OWN_KIT = statuses(302, 403, 403, 200, 404, 200)
POST_ONLY = statuses(302, 405, 405, 405, 405, 405)
# Refused POSTs: who may not write (the owner and staff are left out).
NOT_MY_SESSION = {"anon": 302, "other_candidate": 404, "interviewer": 404, "staff": 404}
NOT_MY_KIT = {"anon": 302, "candidate": 403, "other_candidate": 403, "other_interviewer": 404}
# Teams: the interviewer manages the team; staff outside it get a 404 like anyone outside.
TEAM = statuses(302, 403, 403, 200, 404, 404)
LOCKED = statuses(302, 403, 403, 403, 404, 404)
SCORECARD = statuses(302, 404, 404, 200, 404, 404)
NOT_IN_TEAM = {**NOT_MY_KIT, "staff": 404}
NOT_MY_SCORECARD = {
    "anon": 302,
    "candidate": 404,
    "other_candidate": 404,
    "other_interviewer": 404,
    "staff": 404,
}


@dataclass(frozen=True)
class Route:
    path: str
    get: dict
    post: dict = field(default_factory=dict)


ROUTES: dict[str, Route] = {
    # Project pages and accounts.
    "": Route("/", PUBLIC),
    "healthz": Route("/healthz", PUBLIC),
    "accounts/signup/": Route("/accounts/signup/", statuses(200, 302, 302, 302, 302, 302)),
    "accounts/signup/sent/": Route("/accounts/signup/sent/", PUBLIC),
    "accounts/activate/<uidb64>/<token>/": Route(
        "/accounts/activate/{uid}/not-a-token/", statuses(404, 404, 404, 404, 404, 404)
    ),
    "accounts/password_reset/": Route("/accounts/password_reset/", PUBLIC),
    "accounts/login/": Route(LOGIN, PUBLIC),
    "accounts/logout/": Route("/accounts/logout/", statuses(405, 405, 405, 405, 405, 405)),
    "accounts/password_change/": Route("/accounts/password_change/", SIGNED_IN),
    "accounts/password_change/done/": Route("/accounts/password_change/done/", SIGNED_IN),
    "accounts/password_reset/done/": Route("/accounts/password_reset/done/", PUBLIC),
    "accounts/reset/<uidb64>/<token>/": Route("/accounts/reset/{uid}/not-a-token/", PUBLIC),
    "accounts/reset/done/": Route("/accounts/reset/done/", PUBLIC),
    # The bank.
    "questions/": Route("/questions/", PUBLIC),
    "questions/<slug:slug>/": Route("/questions/{slug}/", PUBLIC),
    "questions/export.<export_format:fmt>": Route("/questions/export.csv?topic={topic}", PUBLIC),
    # Practice (the lead adds entries here for new practice URLs).
    "practice/": Route("/practice/", SIGNED_IN),
    "practice/question/<slug:slug>/": Route("/practice/question/{slug}/", POST_ONLY, {"anon": 302}),
    "practice/token/": Route("/practice/token/", statuses(401, 200, 200, 200, 200, 200)),
    "practice/<int:session_id>/": Route("/practice/{session}/", OWN_SESSION),
    "practice/<int:session_id>/finish/": Route(
        "/practice/{session}/finish/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/summary/": Route("/practice/{finished}/summary/", OWN_SESSION),
    "practice/<int:session_id>/questions/<int:number>/": Route(
        "/practice/{navigator}/questions/1/", OWN_SESSION, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/before-finishing/": Route(
        "/practice/{navigator}/before-finishing/", OWN_SESSION
    ),
    "practice/<int:session_id>/finish-answering/": Route(
        "/practice/{navigator}/finish-answering/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/save/": Route(
        "/practice/{session}/attempts/{attempt}/save/",
        statuses(405, 405, 405, 405, 405, 405),
        NOT_MY_SESSION,
    ),
    "practice/estimate/": Route("/practice/estimate/", statuses(302, 302, 302, 302, 302, 302)),
    "practice/<int:session_id>/abandon/": Route(
        "/practice/{session}/abandon/", OWN_SESSION, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/retry/": Route(
        "/practice/{finished}/retry/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/not-reached/": Route(
        "/practice/{finished}/not-reached/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/state/": Route(
        "/practice/{session}/attempts/{attempt}/state/", OWN_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/undo/": Route(
        "/practice/{session}/attempts/{attempt}/undo/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/submit/": Route(
        "/practice/{session}/attempts/{attempt}/submit/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/grade/": Route(
        "/practice/{session}/attempts/{attempt}/grade/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/attempts/<int:attempt_id>/skip/": Route(
        "/practice/{session}/attempts/{attempt}/skip/", POST_ONLY, NOT_MY_SESSION
    ),
    "practice/<int:session_id>/sharing/": Route(
        "/practice/{finished}/sharing/", POST_ONLY, NOT_MY_SESSION
    ),
    # A candidate's own record.
    "review/": Route("/review/", SIGNED_IN),
    "review/start/": Route("/review/start/", POST_ONLY, {"anon": 302}),
    "plan/": Route("/plan/", SIGNED_IN, {"anon": 302}),
    "plan/start/": Route("/plan/start/", POST_ONLY, {"anon": 302}),
    "review/cards/<int:card_id>/suspend/": Route(
        "/review/cards/{card}/suspend/", POST_ONLY, NOT_MY_SESSION
    ),
    "review/cards/<int:card_id>/reset/": Route(
        "/review/cards/{card}/reset/", POST_ONLY, NOT_MY_SESSION
    ),
    "review/export.<export_format:fmt>": Route("/review/export.apkg", SIGNED_IN),
    "history/": Route("/history/", SIGNED_IN),
    "history/questions/<int:question_id>/": Route("/history/questions/{question}/", OWN_SESSION),
    "progress/": Route("/progress/", SIGNED_IN),
    "account/data/": Route("/account/data/", SIGNED_IN, {"anon": 302}),
    "account/settings/": Route("/account/settings/", SIGNED_IN, {"anon": 302}),
    "account/data/history.csv": Route("/account/data/history.csv", SIGNED_IN),
    "account/data/history.json": Route("/account/data/history.json", SIGNED_IN),
    # Interview kits and loops.
    "kits/": Route("/kits/", INTERVIEWERS),
    "kits/new/": Route("/kits/new/", INTERVIEWERS, {"anon": 302, "candidate": 403}),
    "kits/share/<share_token:token>/": Route("/kits/share/{token}/", SIGNED_IN, {"anon": 302}),
    "kits/<int:kit_id>/": Route("/kits/{kit}/", OWN_KIT),
    "kits/<int:kit_id>/edit/": Route("/kits/{kit}/edit/", POST_ONLY, NOT_MY_KIT),
    "kits/<int:kit_id>/duplicate/": Route("/kits/{kit}/duplicate/", POST_ONLY, NOT_MY_KIT),
    "kits/<int:kit_id>/delete/": Route("/kits/{kit}/delete/", OWN_KIT, NOT_MY_KIT),
    "kits/<int:kit_id>/items/add/": Route("/kits/{kit}/items/add/", POST_ONLY, NOT_MY_KIT),
    "kits/<int:kit_id>/items/<int:item_id>/remove/": Route(
        "/kits/{kit}/items/{item}/remove/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/<int:kit_id>/items/<int:item_id>/move/": Route(
        "/kits/{kit}/items/{item}/move/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/<int:kit_id>/items/<int:item_id>/edit/": Route(
        "/kits/{kit}/items/{item}/edit/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/<int:kit_id>/guide/": Route("/kits/{kit}/guide/", OWN_KIT),
    "kits/<int:kit_id>/candidate/": Route("/kits/{kit}/candidate/", OWN_KIT),
    "kits/<int:kit_id>/export.md": Route("/kits/{kit}/export.md", OWN_KIT),
    "kits/<int:kit_id>/export.json": Route("/kits/{kit}/export.json", OWN_KIT),
    "kits/<int:kit_id>/export.<export_format:fmt>": Route("/kits/{kit}/export.xml", OWN_KIT),
    "kits/<int:kit_id>/share/": Route("/kits/{kit}/share/", OWN_KIT, NOT_MY_KIT),
    "kits/<int:kit_id>/share/<int:link_id>/revoke/": Route(
        "/kits/{kit}/share/{link}/revoke/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/<int:kit_id>/results/": Route("/kits/{kit}/results/", OWN_KIT),
    "kits/loops/new/": Route("/kits/loops/new/", INTERVIEWERS, {"anon": 302, "candidate": 403}),
    "kits/loops/<int:loop_id>/": Route("/kits/loops/{loop}/", OWN_KIT),
    "kits/loops/<int:loop_id>/edit/": Route("/kits/loops/{loop}/edit/", POST_ONLY, NOT_MY_KIT),
    "kits/loops/<int:loop_id>/delete/": Route("/kits/loops/{loop}/delete/", POST_ONLY, NOT_MY_KIT),
    "kits/loops/<int:loop_id>/guide/": Route("/kits/loops/{loop}/guide/", OWN_KIT),
    "kits/loops/<int:loop_id>/rounds/add/": Route(
        "/kits/loops/{loop}/rounds/add/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/loops/<int:loop_id>/rounds/<int:round_id>/move/": Route(
        "/kits/loops/{loop}/rounds/{round}/move/", POST_ONLY, NOT_MY_KIT
    ),
    "kits/loops/<int:loop_id>/rounds/<int:round_id>/remove/": Route(
        "/kits/loops/{loop}/rounds/{round}/remove/", POST_ONLY, NOT_MY_KIT
    ),
    # Teams and live interviews: the interviewer manages the team and has a draft scorecard
    # (tests/test_teams_access.py walks the same URLs as member, editor and manager).
    "teams/": Route("/teams/", INTERVIEWERS),
    "teams/new/": Route("/teams/new/", POST_ONLY, {"anon": 302, "candidate": 403}),
    "teams/join/<share_token:token>/": Route(
        "/teams/join/{team_token}/",
        statuses(302, 403, 403, 200, 200, 200),
        {"anon": 302, "candidate": 403},
    ),
    "teams/invitations/<int:invitation_id>/decline/": Route(
        "/teams/invitations/{personal_invitation}/decline/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/<int:team_id>/": Route("/teams/{team}/", TEAM),
    "teams/<int:team_id>/invite/": Route("/teams/{team}/invite/", POST_ONLY, NOT_IN_TEAM),
    "teams/<int:team_id>/links/": Route("/teams/{team}/links/", POST_ONLY, NOT_IN_TEAM),
    "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/": Route(
        "/teams/{team}/invitations/{invitation}/revoke/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/<int:team_id>/leave/": Route("/teams/{team}/leave/", POST_ONLY, NOT_IN_TEAM),
    "teams/<int:team_id>/members/<int:membership_id>/": Route(
        "/teams/{team}/members/{membership}/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/<int:team_id>/members/<int:membership_id>/remove/": Route(
        "/teams/{team}/members/{membership}/remove/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/<int:team_id>/calibration/": Route("/teams/{team}/calibration/", TEAM),
    "teams/<int:team_id>/candidates/new/": Route(
        "/teams/{team}/candidates/new/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/kits/<int:kit_id>/move/": Route(
        "/teams/kits/{team_kit}/move/", POST_ONLY, {**NOT_MY_KIT, "staff": 302}
    ),
    "teams/kits/<int:kit_id>/hold/": Route("/teams/kits/{team_kit}/hold/", POST_ONLY, NOT_MY_KIT),
    "teams/kits/<int:kit_id>/alternates/": Route("/teams/kits/{team_kit}/alternates/", OWN_KIT),
    "teams/loops/<int:loop_id>/move/": Route(
        "/teams/loops/{team_loop}/move/",
        POST_ONLY,
        {**NOT_MY_KIT, "interviewer": 302, "staff": 302},
    ),
    "teams/loops/<int:loop_id>/plan/": Route("/teams/loops/{team_loop}/plan/", TEAM),
    "teams/loops/<int:loop_id>/rounds/<int:round_id>/plan/": Route(
        "/teams/loops/{team_loop}/rounds/{team_round}/plan/", POST_ONLY, NOT_IN_TEAM
    ),
    "teams/candidates/<int:candidate_id>/": Route("/teams/candidates/{candidate}/", TEAM),
    "teams/candidates/<int:candidate_id>/rounds/<int:round_id>/start/": Route(
        "/teams/candidates/{candidate}/rounds/{team_round}/start/", POST_ONLY, NOT_IN_TEAM
    ),
    # Locked: the interviewer's own scorecard for the candidate is not submitted yet.
    "teams/candidates/<int:candidate_id>/debrief/": Route(
        "/teams/candidates/{candidate}/debrief/", LOCKED
    ),
    "teams/candidates/<int:candidate_id>/packet/": Route(
        "/teams/candidates/{candidate}/packet/", LOCKED
    ),
    "teams/candidates/<int:candidate_id>/packet.json": Route(
        "/teams/candidates/{candidate}/packet.json", LOCKED
    ),
    "teams/candidates/<int:candidate_id>/delete/": Route(
        "/teams/candidates/{candidate}/delete/", TEAM, NOT_IN_TEAM
    ),
    "teams/scorecards/<int:scorecard_id>/": Route("/teams/scorecards/{scorecard}/", SCORECARD),
    "teams/scorecards/<int:scorecard_id>/submit/": Route(
        "/teams/scorecards/{scorecard}/submit/", SCORECARD, {**NOT_MY_SCORECARD, "interviewer": 422}
    ),
    "teams/scorecards/<int:scorecard_id>/corrections/": Route(
        "/teams/scorecards/{scorecard}/corrections/",
        POST_ONLY,
        {**NOT_MY_SCORECARD, "interviewer": 409},
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/": Route(
        "/teams/scorecards/{scorecard}/items/{scorecard_item}/notes/",
        statuses(405, 405, 405, 405, 405, 405),
        NOT_MY_SCORECARD,
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/state/": Route(
        "/teams/scorecards/{scorecard}/items/{scorecard_item}/notes/state/", SCORECARD
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/mark/": Route(
        "/teams/scorecards/{scorecard}/items/{scorecard_item}/mark/", POST_ONLY, NOT_MY_SCORECARD
    ),
    "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/timer/": Route(
        "/teams/scorecards/{scorecard}/items/{scorecard_item}/timer/", POST_ONLY, NOT_MY_SCORECARD
    ),
}

# The admin, one rule for all of its URLs: everyone but staff is sent to the admin's login page
# (which itself answers 200, and logging out is POST only); staff reach every page.
ADMIN_PUBLIC = {"admin/login/": {200}, "admin/logout/": {302, 405}}


def all_routes() -> list[str]:
    """Every URL pattern's full route, as `str(pattern)` spells it, in URLconf order."""

    def walk(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


APP_ROUTES = [r for r in all_routes() if not r.startswith("admin/")]
ADMIN_ROUTES = [r for r in all_routes() if r.startswith("admin/")]


@dataclass
class World:
    people: dict
    values: dict

    def args(self) -> dict:
        return self.values


@pytest.fixture
def people() -> dict:
    return {
        "anon": None,
        "candidate": make_user(username="cand"),
        "other_candidate": make_user(username="cand2"),
        "interviewer": make_interviewer(username="intv"),
        "other_interviewer": make_interviewer(username="intv2"),
        "staff": make_staff(username="root"),
    }


@pytest.fixture
def clients(people) -> dict[str, Client]:
    """One browser per person, signed in once."""
    result = {}
    for role, user in people.items():
        result[role] = Client()
        if user is not None:
            result[role].force_login(user)
    return result


@pytest.fixture
def world(people) -> World:
    now = timezone.now()
    candidate, interviewer = people["candidate"], people["interviewer"]
    question = make_question()
    make_follow_up(question=question)
    kit = make_kit(interviewer, questions=[question])
    link = make_share_link(kit)
    loop = make_loop(interviewer, kits=[kit])
    session = make_session(candidate)
    navigator = make_session(candidate, clock="session", minutes=30, navigator=True)
    finished = services.start_kit_session(
        user=candidate, token=link.token, share_results=True, now=now
    )
    attempt = finished.attempts.order_by("position", "sub").first()
    services.submit_attempt(session=finished, attempt_id=attempt.pk, now=now, text="mine", base=0)
    services.grade_attempt(session=finished, attempt_id=attempt.pk, grade=3, ticked=[], now=now)
    services.finish_session(session=finished, now=now)
    team = make_team(interviewer)
    team_kit = make_kit(interviewer, questions=[question], team=team)
    team_loop = make_loop(interviewer, kits=[team_kit], team=team)
    team_round = team_loop.rounds.get()
    team_candidate = make_candidate(team, loop=team_loop)
    scorecard = make_scorecard(team_candidate, team_round, interviewer, now=now)
    invitation = teams.create_invitation_link(
        team=team, by=interviewer, can_edit=False, days=7, now=now
    )
    make_interviewer(username="invitee")
    personal = teams.invite_username(
        team=team, by=interviewer, username="invitee", can_edit=False, now=now
    )
    values = {
        "team": team.pk,
        "team_kit": team_kit.pk,
        "team_loop": team_loop.pk,
        "team_round": team_round.pk,
        "candidate": team_candidate.pk,
        "scorecard": scorecard.pk,
        "scorecard_item": scorecard.items.get().pk,
        "team_token": invitation.token,
        "invitation": invitation.pk,
        "personal_invitation": personal.pk,
        "membership": team.memberships.get().pk,
        "slug": question.slug,
        "topic": question.topic.slug,
        "question": question.pk,
        "session": session.pk,
        "attempt": session.attempts.get(state="active").pk,
        "finished": finished.pk,
        "navigator": navigator.pk,
        "kit": kit.pk,
        "item": kit.items.get().pk,
        "link": link.pk,
        "token": link.token,
        "loop": loop.pk,
        "round": loop.rounds.get().pk,
        "uid": "MQ",
        "card": ReviewCard.objects.get(owner=candidate, follow_up=None).pk,
    }
    return World(people, values)


def snapshot() -> tuple:
    """What a refused write must leave as it was."""
    return (
        list(Kit.objects.order_by("pk").values_list("pk", "title", "minutes")),
        list(KitItem.objects.order_by("pk").values_list("pk", "position", "notes", "minutes")),
        list(ShareLink.objects.order_by("pk").values_list("pk", "revoked_at", "label")),
        list(Loop.objects.order_by("pk").values_list("pk", "name")),
        list(LoopRound.objects.order_by("pk").values_list("pk", "position")),
        list(PracticeSession.objects.order_by("pk").values_list("pk", "status", "share_results")),
        list(Attempt.objects.order_by("pk").values_list("pk", "state", "revision", "answer")),
        list(ReviewCard.objects.order_by("pk").values_list("pk", "suspended", "reps", "due")),
    )


def check(response, expected: int, role: str, label: str) -> None:
    assert response.status_code == expected, f"{label} as {role}: {response.status_code}"
    if expected == 302 and role == "anon" and not label.startswith("GET /accounts/"):
        assert response["Location"].startswith(LOGIN), f"{label}: {response['Location']}"
    if role != "anon":
        assert "no-store" in response.get("Cache-Control", ""), f"{label} as {role}: cacheable"


def test_every_url_has_an_access_rule():
    missing = [route for route in APP_ROUTES if route not in ROUTES]
    stale = [route for route in ROUTES if route not in APP_ROUTES]
    assert not missing, f"URLs without an entry in tests/test_access.py ROUTES: {missing}"
    assert not stale, f"ROUTES entries for URLs that no longer exist: {stale}"
    assert ADMIN_ROUTES, "the admin's URLs were not found"


@pytest.mark.parametrize("route", APP_ROUTES)
def test_each_person_gets_the_expected_answer_and_nothing_fails(world, clients, route):
    rule = ROUTES[route]
    path = rule.path.format(**world.args())
    for role in ROLES:
        response = clients[role].get(path)
        check(response, rule.get[role], role, f"GET {path}")
    before = snapshot()
    for role, expected in rule.post.items():
        response = clients[role].post(path, {"answer": "x", "base": "0", "writer": "intruder"})
        check(response, expected, role, f"POST {path}")
    assert snapshot() == before, f"a refused POST to {path} changed something"
    # Hostile variants: huge ids and NUL bytes give a 4xx (or a redirect), never a 500.
    client = clients["staff"]
    huge = re.sub(r"/\d+/", f"/{2**70}/", path)
    for variant in (huge, path.rstrip("/") + "%00/", path + "?page=%00"):
        assert client.get(variant).status_code < 500, variant
    assert client.get(path + "?x=%00").status_code == 400


def admin_path(route: str, object_id: int) -> str:
    path = re.sub(r"<(path:)?(object_id|id)>", str(object_id), route)
    path = re.sub(r"<int:content_type_id>", "1", path)
    path = path.replace("^(?P<app_label>auth|axes|questions)/$", "questions/")
    path = path.replace("(?P<url>.*)$", "no-such-page/")
    return "/" + path


def test_only_staff_reach_the_admin(people, clients):
    """One test for the admin's ~60 URLs (one set of people), listing every failure."""
    failures = []
    for route in ADMIN_ROUTES:
        path = admin_path(route, people["staff"].pk)
        for role in ROLES:
            response = clients[role].get(path)
            status, location = response.status_code, response.get("Location", "")
            if role == "staff":
                ok = status < 500 and "no-store" in response.get("Cache-Control", "")
            elif route in ADMIN_PUBLIC:
                ok = status in ADMIN_PUBLIC[route]
            else:
                ok = status == 302 and location.startswith("/admin/login/")
            if not ok:
                failures.append(f"GET {path} as {role}: {status} {location}")
    assert not failures, "\n".join(failures)
