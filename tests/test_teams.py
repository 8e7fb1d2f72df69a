"""Teams: the one visibility rule for kits and loops, editors, invitations, leaving, the audit,
the round plan and its coverage check, and the leak guard."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from questions import services, teams
from questions.models import AuditEntry, Candidate, Invitation, Kit, Loop, LoopRound, Membership
from tests.factories import (
    client_for,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_team,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_a_team_kit_is_visible_to_members_only_and_personal_kits_stay_personal():
    manager, member, outsider = make_interviewer(), make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    team_kit = make_kit(manager, team=team)
    personal = make_kit(manager)
    assert set(Kit.objects.visible_to(member)) == {team_kit}
    assert set(Kit.objects.for_user(manager)) == {team_kit, personal}
    assert not Kit.objects.visible_to(outsider).exists()
    assert client_for(member).get(f"/kits/{team_kit.pk}/").status_code == 200
    assert client_for(member).get(f"/kits/{personal.pk}/").status_code == 404
    assert client_for(outsider).get(f"/kits/{team_kit.pk}/").status_code == 404


def test_members_use_a_team_kit_but_only_editors_change_it():
    manager, member, editor = make_interviewer(), make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member], editors=[editor])
    kit = make_kit(manager, team=team, title="Fundamentals")
    assert not kit.is_editable_by(member)
    assert kit.is_editable_by(editor) and kit.is_editable_by(manager)
    response = client_for(member).post(f"/kits/{kit.pk}/edit/", {"title": "Mine", "minutes": 5})
    assert response.status_code == 403
    kit.refresh_from_db()
    assert kit.title == "Fundamentals"
    # Copying is using: a member's copy is their own.
    client_for(member).post(f"/kits/{kit.pk}/duplicate/")
    assert Kit.objects.filter(owner=member, team__isnull=True).count() == 1
    response = client_for(editor).post(
        f"/kits/{kit.pk}/edit/", {"title": "Fundamentals II", "round": "", "minutes": 6}
    )
    assert response.status_code == 302
    kit.refresh_from_db()
    assert kit.title == "Fundamentals II"


def test_every_change_to_a_team_kit_or_loop_leaves_an_audit_line():
    manager, editor = make_interviewer(), make_interviewer(username="eddie")
    team = make_team(manager, editors=[editor])
    question = make_question()
    kit = make_kit(manager, team=team, title="Fundamentals")
    loop = make_loop(manager, team=team, name="Senior MLE")
    client = client_for(editor)
    client.post(f"/kits/{kit.pk}/items/add/", {"question": question.pk})
    client.post(f"/kits/loops/{loop.pk}/rounds/add/", {"kit": kit.pk})
    # A refused write leaves no line.
    client.post(f"/kits/{kit.pk}/edit/", {"title": "", "minutes": 500})
    lines = list(AuditEntry.objects.filter(team=team).order_by("at", "pk"))
    assert [(e.actor_name, e.action, e.subject_title) for e in lines] == [
        ("eddie", "added a question", "Fundamentals"),
        ("eddie", "added a round", "Senior MLE"),
    ]
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert "added a question" in page and "eddie" in page
    # A personal kit's changes are nobody else's business: no line.
    own = make_kit(editor)
    client.post(f"/kits/{own.pk}/items/add/", {"question": question.pk})
    assert AuditEntry.objects.count() == 2


def test_leaving_or_being_removed_takes_access_away_at_once():
    manager, member, other = make_interviewer(), make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member, other])
    kit = make_kit(member, team=team)  # even the kit's creator loses it with the team
    member_client = client_for(member)
    assert member_client.get(f"/kits/{kit.pk}/").status_code == 200
    assert member_client.post(f"/teams/{team.pk}/leave/").status_code == 302
    assert member_client.get(f"/kits/{kit.pk}/").status_code == 404
    assert member_client.get(f"/teams/{team.pk}/").status_code == 404
    membership = Membership.objects.get(team=team, user=other)
    client_for(manager).post(f"/teams/{team.pk}/members/{membership.pk}/remove/")
    assert client_for(other).get(f"/kits/{kit.pk}/").status_code == 404


def test_the_only_manager_cannot_leave_a_team_with_members_or_be_demoted():
    manager, member = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    response = client_for(manager).post(f"/teams/{team.pk}/leave/")
    assert response.status_code == 409
    assert "only manager" in response.content.decode()
    own = Membership.objects.get(team=team, user=manager)
    response = client_for(manager).post(f"/teams/{team.pk}/members/{own.pk}/", {"role": "member"})
    assert response.status_code == 409
    assert Membership.objects.get(pk=own.pk).role == "manager"


def test_inviting_by_username_and_accepting():
    manager = make_interviewer()
    invitee = make_interviewer(username="grace")
    make_user(username="candidate1")
    team = make_team(manager)
    client = client_for(manager)
    response = client.post(f"/teams/{team.pk}/invite/", {"username": "candidate1"})
    assert response.status_code == 422
    assert "No interviewer has the username" in response.content.decode()
    response = client.post(f"/teams/{team.pk}/invite/", {"username": "GRACE", "can_edit": "on"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(invitee=invitee)
    response = client.post(f"/teams/{team.pk}/invite/", {"username": "grace"})
    assert "already has an open invitation" in response.content.decode()
    invited = client_for(invitee)
    assert "Join" in invited.get("/teams/").content.decode()
    # Someone else cannot use a username invitation.
    assert client_for(make_interviewer()).get(f"/teams/join/{invitation.token}/").status_code == 404
    assert invited.post(f"/teams/join/{invitation.token}/").status_code == 302
    membership = Membership.objects.get(team=team, user=invitee)
    assert membership.can_edit
    # Used once.
    assert invited.get(f"/teams/join/{invitation.token}/").status_code == 410


def test_an_invitation_link_expires_and_can_be_revoked():
    manager = make_interviewer()
    team = make_team(manager)
    now = timezone.now()
    link = teams.create_invitation_link(team=team, by=manager, can_edit=False, days=2, now=now)
    first, second, third = make_interviewer(), make_interviewer(), make_interviewer()
    assert client_for(first).post(f"/teams/join/{link.token}/").status_code == 302
    assert client_for(second).get(f"/teams/join/{link.token}/").status_code == 200
    with time_machine.travel(now + timedelta(days=3)):
        response = client_for(second).post(f"/teams/join/{link.token}/")
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    client_for(manager).post(f"/teams/{team.pk}/invitations/{link.pk}/revoke/")
    response = client_for(third).post(f"/teams/join/{link.token}/")
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert set(team.memberships.values_list("user_id", flat=True)) == {manager.pk, first.pk}
    assert client_for(third).get("/teams/join/not-a-token-at-all/").status_code == 404


def test_a_candidate_cannot_join_a_team():
    manager = make_interviewer()
    team = make_team(manager)
    link = teams.create_invitation_link(
        team=team, by=manager, can_edit=False, days=2, now=timezone.now()
    )
    assert client_for(make_user()).post(f"/teams/join/{link.token}/").status_code == 403
    assert team.memberships.count() == 1


def test_moving_a_loop_into_a_team_brings_its_kits():
    owner, member = make_interviewer(), make_interviewer()
    team = make_team(owner, members=[member])
    kit = make_kit(owner)
    loop = make_loop(owner, kits=[kit])
    response = client_for(owner).post(f"/teams/loops/{loop.pk}/move/", {"team": team.pk})
    assert response.status_code == 302
    assert Loop.objects.get(pk=loop.pk).team == team
    assert Kit.objects.get(pk=kit.pk).team == team
    assert client_for(member).get(f"/kits/loops/{loop.pk}/").status_code == 200
    # A team loop takes the team's kits only.
    stray = make_kit(owner)
    loop.refresh_from_db()
    with pytest.raises(services.KitError):
        services.add_kit_to_loop(loop=loop, kit_id=stray.pk)


def test_a_member_cannot_move_a_kit_into_a_team_they_do_not_edit():
    manager, member = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    kit = make_kit(member)
    response = client_for(member).post(f"/teams/kits/{kit.pk}/move/", {"team": team.pk})
    assert response.status_code == 302
    assert Kit.objects.get(pk=kit.pk).team is None
    response = client_for(member).post(f"/teams/kits/{kit.pk}/move/", {"team": "x" * 30})
    assert Kit.objects.get(pk=kit.pk).team is None


def test_the_round_plan_sets_competencies_and_interviewers_and_refuses_outsiders():
    manager, member, outsider = make_interviewer(), make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    kit = make_kit(manager, team=team)
    loop = make_loop(manager, team=team, kits=[kit])
    loop_round = loop.rounds.get()
    client = client_for(manager)
    url = f"/teams/loops/{loop.pk}/rounds/{loop_round.pk}/plan/"
    response = client.post(
        url,
        {
            "competencies": "ML fundamentals, Communication, ml fundamentals",
            "interviewers": [member.pk],
        },
    )
    assert response.status_code == 302
    loop_round.refresh_from_db()
    assert loop_round.competencies == ["ML fundamentals", "Communication"]
    assert list(loop_round.interviewers.all()) == [member]
    response = client.post(url, {"competencies": "x", "interviewers": [outsider.pk]})
    assert response.status_code == 422
    assert "members of the team" in response.content.decode()
    response = client.post(url, {"competencies": ",".join(f"c{n}" for n in range(9))})
    assert response.status_code == 422
    loop_round.refresh_from_db()
    assert loop_round.competencies == ["ML fundamentals", "Communication"]


def test_the_coverage_check_warns_about_gaps_and_repeats():
    manager = make_interviewer()
    team = make_team(manager)
    topic = make_topic(name="Evaluation")
    kits = [make_kit(manager, team=team, questions=[make_question(topic=topic)]) for _ in range(2)]
    loop = make_loop(manager, team=team, kits=kits)
    first, second = loop.rounds.order_by("position")
    LoopRound.objects.filter(pk=first.pk).update(competencies=["Communication"])
    LoopRound.objects.filter(pk=second.pk).update(competencies=["Communication"])
    page = client_for(manager).get(f"/teams/loops/{loop.pk}/plan/").content.decode()
    assert "Every round assesses “Communication”" in page
    assert "Every round asks about “Evaluation”" in page
    assert "Round 1 has no interviewer yet." in page
    LoopRound.objects.filter(pk=second.pk).update(competencies=[])
    page = client_for(manager).get(f"/teams/loops/{loop.pk}/plan/").content.decode()
    assert "Round 2 assesses no competency" in page


def test_the_leak_guard_withholds_held_questions_from_the_teams_share_links():
    manager = make_interviewer()
    team = make_team(manager)
    topic = make_topic()
    held_question, free_question = make_question(topic=topic), make_question(topic=topic)
    alternate = make_question(topic=topic, level=held_question.level)
    hiring = make_kit(manager, team=team, questions=[held_question])
    practice = make_kit(manager, team=team, questions=[held_question, free_question])
    link = services.create_share_link(kit=practice, now=timezone.now())
    client = client_for(manager)
    response = client.post(f"/teams/kits/{hiring.pk}/hold/", {"on": "1"})
    assert response.status_code == 302
    assert Kit.objects.get(pk=hiring.pk).in_use_for_hiring
    page = client.get(f"/teams/kits/{hiring.pk}/alternates/").content.decode()
    assert alternate.title in page
    candidate = make_user()
    session = services.start_kit_session(
        user=candidate, token=link.token, share_results=False, now=timezone.now()
    )
    asked = set(
        session.attempts.filter(follow_up__isnull=True).values_list("question_id", flat=True)
    )
    assert asked == {free_question.pk}
    assert AuditEntry.objects.filter(action="marked the kit in use for hiring").exists()


def test_deleting_an_account_hands_its_team_kits_to_the_team_and_keeps_its_scorecards():
    from questions.accounts import delete_account
    from questions.models import Scorecard, Team
    from tests.factories import make_candidate, make_scorecard

    manager, member = make_interviewer(), make_interviewer(username="leaver")
    team = make_team(manager, members=[member])
    kit = make_kit(member, team=team, questions=[make_question()])
    loop = make_loop(member, team=team, kits=[kit])
    candidate = make_candidate(team, loop=loop)
    make_scorecard(candidate, loop.rounds.get(), member, submit={"ratings": [3]})
    solo = make_team(member, name="Alone")
    make_candidate(solo, name="Only the leaver knew")
    delete_account(member)
    assert Kit.objects.get(pk=kit.pk).owner == manager
    assert Loop.objects.get(pk=loop.pk).owner == manager
    assert Scorecard.objects.get().interviewer_name == "leaver"
    assert not Team.objects.filter(pk=solo.pk).exists()
    assert not Candidate.objects.filter(name="Only the leaver knew").exists()


def test_when_the_only_manager_deletes_their_account_a_member_becomes_manager():
    from questions.accounts import delete_account

    manager, member = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    delete_account(manager)
    assert Membership.objects.get(team=team).role == "manager"


def test_deleting_a_team_kit_is_audited_with_its_title():
    manager = make_interviewer(username="mgr")
    team = make_team(manager)
    kit = make_kit(manager, team=team, title="Old round")
    client_for(manager).post(f"/kits/{kit.pk}/delete/")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject_title, entry.subject_id) == (
        "deleted the kit",
        "Old round",
        kit.pk,
    )


def test_interview_writes_are_rate_limited(settings):
    from tests.factories import make_candidate, make_scorecard

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "interview_write": "3/m"}
    from django.core.cache import cache

    cache.clear()
    manager = make_interviewer()
    team = make_team(manager)
    kit = make_kit(manager, team=team, questions=[make_question()])
    loop = make_loop(manager, team=team, kits=[kit])
    scorecard = make_scorecard(make_candidate(team, loop=loop), loop.rounds.get(), manager)
    item = scorecard.items.get()
    client = client_for(manager)
    url = f"/teams/scorecards/{scorecard.pk}/items/{item.pk}/mark/"
    statuses = [client.post(url, {"rating": "2"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_a_member_without_editor_rights_sees_the_kit_without_the_builders_controls():
    manager, member = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[member])
    kit = make_kit(manager, team=team, questions=[make_question(title="Bias and variance")])
    page = client_for(member).get(f"/kits/{kit.pk}/").content.decode()
    assert "Bias and variance" in page
    assert "Add questions" not in page and "Kit settings" not in page and ">Remove<" not in page
    assert "only its managers and editors change it" in page
    page = client_for(manager).get(f"/kits/{kit.pk}/").content.decode()
    assert "Add questions" in page and "Kit settings" in page


def test_a_team_needs_a_name():
    client = client_for(make_interviewer())
    for name in ("", "   ", "x" * 121):
        response = client.post("/teams/new/", {"name": name})
        assert response.status_code == 422
        assert "Give the team a name" in response.content.decode()
    assert client.post("/teams/new/", {"name": "Platform"}).status_code == 302


def test_alternates_skip_questions_the_team_already_uses():
    manager = make_interviewer()
    team = make_team(manager)
    topic = make_topic()
    used, free = make_question(topic=topic), make_question(topic=topic)
    kit = make_kit(manager, team=team, questions=[used])
    make_kit(manager, team=team)  # a kit without questions changes nothing
    from questions.calibration import alternates

    rows = alternates(kit)
    assert [q.pk for q in rows[0]["alternates"]] == [free.pk]
