"""Live interviews: scorecards, the notes autosave protocol, submitting (final), corrections,
independent feedback, the debrief with its disagreement flags, packets, deleting a packet, and
calibration; query counts pinned for the debrief (10 rounds) and calibration (500 scorecards)."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from questions import calibration, interviews
from questions.models import (
    Candidate,
    CompetencyRating,
    Correction,
    LoopRound,
    Scorecard,
    ScorecardItem,
)
from questions.models.practice import SessionStatus
from tests.factories import (
    client_for,
    make_candidate,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_scorecard,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def loop_world():
    manager, first, second = (
        make_interviewer(),
        make_interviewer(username="ann"),
        make_interviewer(username="bob"),
    )
    team = make_team(manager, members=[first, second])
    questions = [
        make_question(
            key_points=["Defines bias", "Defines variance", "Trade-off"],
            key_point_weights=["must", "should", "bonus"],
            red_flags=["Confuses bias with error"],
        )
        for _ in range(2)
    ]
    kits = [make_kit(manager, team=team, questions=questions) for _ in range(3)]
    loop = make_loop(manager, team=team, kits=kits)
    rounds = list(loop.rounds.order_by("position"))
    for loop_round in rounds:
        LoopRound.objects.filter(pk=loop_round.pk).update(
            competencies=["ML fundamentals", "Communication"]
        )
        loop_round.refresh_from_db()
    candidate = make_candidate(team, loop=loop, email="ada@example.com")
    return {
        "manager": manager,
        "first": first,
        "second": second,
        "team": team,
        "loop": loop,
        "rounds": rounds,
        "candidate": candidate,
        "questions": questions,
    }


def test_starting_a_live_interview_snapshots_the_rubric_and_is_idempotent(loop_world):
    client = client_for(loop_world["first"])
    candidate, loop_round = loop_world["candidate"], loop_world["rounds"][0]
    url = f"/teams/candidates/{candidate.pk}/rounds/{loop_round.pk}/start/"
    response = client.post(url)
    scorecard = Scorecard.objects.get()
    assert response["Location"] == f"/teams/scorecards/{scorecard.pk}/"
    client.post(url)
    assert Scorecard.objects.count() == 1
    item = scorecard.items.get(position=1)
    assert item.key_points == ["Defines bias", "Defines variance", "Trade-off"]
    assert item.red_flags == ["Confuses bias with error"]
    page = client.get(f"/teams/scorecards/{scorecard.pk}/").content.decode()
    assert "Question 1 of 2" in page and "Defines variance" in page and "Model answer" in page


def test_a_round_with_its_own_interviewers_refuses_others(loop_world):
    loop_round = loop_world["rounds"][0]
    loop_round.interviewers.set([loop_world["first"]])
    client = client_for(loop_world["second"])
    response = client.post(
        f"/teams/candidates/{loop_world['candidate'].pk}/rounds/{loop_round.pk}/start/"
    )
    assert response.status_code == 302
    assert not Scorecard.objects.exists()


def test_notes_autosave_is_a_compare_and_swap_on_the_revision(loop_world):
    scorecard = make_scorecard(
        loop_world["candidate"], loop_world["rounds"][0], loop_world["first"]
    )
    item = scorecard.items.get(position=1)
    client = client_for(loop_world["first"])
    url = f"/teams/scorecards/{scorecard.pk}/items/{item.pk}/notes/"
    saved = client.post(url, {"answer": "Strong start", "base": 0, "writer": "tab-a"}, **JSON)
    assert saved.status_code == 200 and saved.json()["revision"] == 1
    # The same page again, its response lost: accepted (it wrote the last revision).
    again = client.post(url, {"answer": "Strong start, then", "base": 0, "writer": "tab-a"}, **JSON)
    assert again.status_code == 200 and again.json()["revision"] == 2
    # A second tab that saw revision 0: a conflict with the saved text, nothing overwritten.
    stale = client.post(url, {"answer": "Other tab", "base": 0, "writer": "tab-b"}, **JSON)
    assert stale.status_code == 409
    assert stale.json()["status"] == "conflict" and stale.json()["text"] == "Strong start, then"
    # A retry of what is saved is saved.
    retry = client.post(url, {"answer": "Strong start, then", "base": 0, "writer": "tab-c"}, **JSON)
    assert retry.status_code == 200
    item.refresh_from_db()
    assert (item.notes, item.revision) == ("Strong start, then", 2)
    state = client.get(f"{url}state/").json()
    assert state == {
        "writable": True,
        "revision": 2,
        "text": "Strong start, then",
        "saved_at_display": state["saved_at_display"],
    }
    bad = client.post(url, {"answer": "x\x00y", "base": 2, "writer": "tab-a"}, **JSON)
    assert bad.status_code == 422
    no_base = client.post(url, {"answer": "x", "writer": "tab-a"}, **JSON)
    assert no_base.status_code == 422
    logged_out = Client().post(url, {"answer": "x", "base": 2, "writer": "tab-a"}, **JSON)
    assert logged_out.status_code == 401
    item.refresh_from_db()
    assert item.revision == 2


def test_ticks_ratings_and_the_timer(loop_world):
    scorecard = make_scorecard(
        loop_world["candidate"], loop_world["rounds"][0], loop_world["first"]
    )
    item = scorecard.items.get(position=1)
    client = client_for(loop_world["first"])
    url = f"/teams/scorecards/{scorecard.pk}/items/{item.pk}/"
    client.post(url + "mark/", {"ticked": ["0", "2", "9", "x"], "flagged": ["0"], "rating": "3"})
    item.refresh_from_db()
    assert (item.ticked, item.flagged, item.rating) == ([0, 2], [0], 3)
    for bad in ("5", "0", "44", "three"):
        response = client.post(url + "mark/", {"ticked": ["1"], "rating": bad})
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.ticked, item.rating) == ([0, 2], 3), bad
    response = client.post(url + "mark/", {"rating": "7"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    client.post(url + "timer/", {"action": "start"})
    item.refresh_from_db()
    assert item.timer_started_at is not None
    client.post(url + "timer/", {"action": "pause"})
    item.refresh_from_db()
    assert item.timer_started_at is None
    response = client.post(url + "timer/", {"action": "explode"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422


def submit(client, scorecard, **data):
    return client.post(f"/teams/scorecards/{scorecard.pk}/submit/", data)


def test_submitting_needs_a_rationale_and_ratings_in_range_and_is_final(loop_world):
    scorecard = make_scorecard(
        loop_world["candidate"], loop_world["rounds"][0], loop_world["first"]
    )
    client = client_for(loop_world["first"])
    full = {
        "recommendation": "yes",
        "rationale": "Covered the trade-off well.",
        "competency_0": "3",
        "competency_1": "4",
    }
    for broken, message in (
        ({**full, "rationale": "  "}, "Write the rationale"),
        ({**full, "recommendation": "maybe"}, "Choose strong no, no, yes or strong yes"),
        ({**full, "competency_0": "5"}, "Rate “ML fundamentals” from 1 to 4"),
        ({**full, "competency_1": ""}, "Rate “Communication” from 1 to 4"),
    ):
        response = submit(client, scorecard, **broken)
        assert response.status_code == 422
        assert message in response.content.decode()
        scorecard.refresh_from_db()
        assert scorecard.state == "draft" and not CompetencyRating.objects.exists()
    assert submit(client, scorecard, **full).status_code == 302
    scorecard.refresh_from_db()
    assert (scorecard.state, scorecard.recommendation) == ("submitted", "yes")
    assert dict(scorecard.competency_ratings.values_list("competency", "rating")) == {
        "ML fundamentals": 3,
        "Communication": 4,
    }
    # A second submission, and any edit afterwards, change nothing.
    response = submit(client, scorecard, **{**full, "recommendation": "strong_no"})
    assert response.status_code == 409
    assert "already submitted" in response.content.decode()
    item = scorecard.items.get(position=1)
    url = f"/teams/scorecards/{scorecard.pk}/items/{item.pk}/"
    notes = client.post(url + "notes/", {"answer": "late", "base": 0, "writer": "w"}, **JSON)
    assert notes.status_code == 409 and notes.json()["status"] == "closed"
    assert client.post(url + "mark/", {"rating": "1"}, HTTP_HX_REQUEST="true").status_code == 409
    assert (
        client.post(url + "timer/", {"action": "start"}, HTTP_HX_REQUEST="true").status_code == 409
    )
    item.refresh_from_db()
    assert (item.notes, item.rating, item.timer_started_at) == ("", None, None)
    scorecard.refresh_from_db()
    assert scorecard.recommendation == "yes"
    # Corrections are appended and shown as such.
    response = client.post(
        f"/teams/scorecards/{scorecard.pk}/corrections/", {"text": "Communication was a 3."}
    )
    assert response.status_code == 302
    assert Correction.objects.get().text == "Communication was a 3."
    page = client.get(f"/teams/scorecards/{scorecard.pk}/submit/").content.decode()
    assert "Correction by" in page and "Communication was a 3." in page
    assert (
        client.post(f"/teams/scorecards/{scorecard.pk}/corrections/", {"text": " "}).status_code
        == 422
    )


def test_an_interviewer_sees_no_other_scorecard_until_submitting_their_own(loop_world):
    candidate, rounds = loop_world["candidate"], loop_world["rounds"]
    make_scorecard(
        candidate,
        rounds[0],
        loop_world["first"],
        submit={
            "recommendation": "strong_yes",
            "rationale": "Ann's secret reasoning",
            "competencies": {"ML fundamentals": 4, "Communication": 4},
            "ratings": [4, 4],
        },
    )
    second = make_scorecard(candidate, rounds[1], loop_world["second"])
    bob = client_for(loop_world["second"])
    page = bob.get(f"/teams/candidates/{candidate.pk}/").content.decode()
    assert "Ann's secret reasoning" not in page and "Strong yes" not in page
    assert "Hidden until you submit your own scorecard" in page
    for suffix in ("debrief/", "packet/", "packet.json"):
        response = bob.get(f"/teams/candidates/{candidate.pk}/{suffix}")
        assert response.status_code == 403
        assert "Ann" not in response.content.decode()
    # Not even through another interviewer's scorecard URL.
    ann_card = Scorecard.objects.get(interviewer=loop_world["first"])
    assert bob.get(f"/teams/scorecards/{ann_card.pk}/submit/").status_code == 404
    submit(
        bob,
        second,
        recommendation="no",
        rationale="Shaky on variance.",
        competency_0="1",
        competency_1="3",
    )
    page = bob.get(f"/teams/candidates/{candidate.pk}/debrief/").content.decode()
    assert "Ann&#x27;s secret reasoning" in page or "Ann's secret reasoning" in page
    assert "data-disagreement" in page and "Differ by 3" in page


def test_the_debrief_flags_a_disagreement_of_two_points_and_shows_key_points(loop_world):
    candidate, rounds = loop_world["candidate"], loop_world["rounds"]
    make_scorecard(
        candidate,
        rounds[0],
        loop_world["first"],
        submit={"competencies": {"ML fundamentals": 2, "Communication": 3}, "ratings": [2, 3]},
    )
    make_scorecard(
        candidate,
        rounds[1],
        loop_world["second"],
        submit={"competencies": {"ML fundamentals": 4, "Communication": 4}, "ratings": [4, 4]},
    )
    debrief = calibration.debrief(candidate)
    flags = {c["name"]: c["disagree"] for c in debrief.competencies}
    assert flags == {"Communication": False, "ML fundamentals": True}
    first_question = debrief.rounds[0]["questions"][0]
    assert (first_question["covered"], first_question["total"]) == (1, 3)
    page = (
        client_for(loop_world["manager"])
        .get(f"/teams/candidates/{candidate.pk}/debrief/")
        .content.decode()
    )
    assert "Interviewers differ by 2 points on “ML fundamentals”" in page


def test_the_packet_as_json_and_deleting_it_removes_every_scorecard_and_note(loop_world):
    candidate, rounds = loop_world["candidate"], loop_world["rounds"]
    scorecard = make_scorecard(
        candidate,
        rounds[0],
        loop_world["first"],
        submit={"competencies": {"ML fundamentals": 3, "Communication": 3}, "ratings": [3, 3]},
    )
    ScorecardItem.objects.filter(scorecard=scorecard).update(notes="Private observation")
    make_scorecard(candidate, rounds[1], loop_world["second"])
    manager = client_for(loop_world["manager"])
    response = manager.get(f"/teams/candidates/{candidate.pk}/packet.json")
    data = json.loads(response.content)
    assert data["candidate"]["name"] == "Ada Candidate"
    assert data["scorecards"][0]["questions"][0]["notes"] == "Private observation"
    assert (
        "Private observation"
        in manager.get(f"/teams/candidates/{candidate.pk}/packet/").content.decode()
    )
    # Members who are not managers cannot delete it.
    assert (
        client_for(loop_world["first"])
        .post(f"/teams/candidates/{candidate.pk}/delete/")
        .status_code
        == 403
    )
    response = manager.post(f"/teams/candidates/{candidate.pk}/delete/")
    assert response.status_code == 302
    assert not Candidate.objects.exists()
    assert not Scorecard.objects.exists()
    assert not ScorecardItem.objects.exists()
    assert not CompetencyRating.objects.exists()


def test_calibration_reads_leniency_agreement_and_questions(loop_world):
    candidate, rounds = loop_world["candidate"], loop_world["rounds"]
    make_scorecard(
        candidate,
        rounds[0],
        loop_world["first"],
        submit={
            "recommendation": "yes",
            "competencies": {"ML fundamentals": 4, "Communication": 3},
            "ratings": [4, 3],
        },
    )
    make_scorecard(
        candidate,
        rounds[1],
        loop_world["second"],
        submit={
            "recommendation": "no",
            "competencies": {"ML fundamentals": 2, "Communication": 3},
            "ratings": [2, 2],
        },
    )
    data = calibration.calibrate(loop_world["team"])
    by_name = {i["name"]: i for i in data["interviewers"]}
    assert by_name["ann"]["leniency"] > 0 > by_name["bob"]["leniency"]
    agreement = {a["name"]: a for a in data["agreement"]}
    assert agreement["Communication"]["exact"] == 1
    assert agreement["ML fundamentals"]["within_one"] == 0
    assert data["overall_agreement"]["pairs"] == 2
    response = client_for(loop_world["manager"]).get(f"/teams/{loop_world['team'].pk}/calibration/")
    assert "Weighted kappa" in response.content.decode()
    assert (
        client_for(loop_world["first"])
        .get(f"/teams/{loop_world['team'].pk}/calibration/")
        .status_code
        == 403
    )


def test_weighted_kappa_is_one_for_perfect_agreement_and_lower_for_disagreement():
    assert calibration.weighted_kappa([(1, 1), (2, 2), (4, 4)]) == pytest.approx(1)
    assert calibration.weighted_kappa([(1, 4), (4, 1), (2, 3)]) < 0
    assert calibration.weighted_kappa([]) is None


def test_self_grades_of_a_candidate_who_practised_the_kit_and_shared_are_shown(loop_world):
    from questions import services

    candidate_user = make_user(email="ADA@example.com")
    kit = loop_world["rounds"][0].kit
    link = services.create_share_link(kit=kit, now=timezone.now())
    now = timezone.now()
    session = services.start_kit_session(
        user=candidate_user, token=link.token, share_results=True, now=now
    )
    attempt = session.attempts.filter(follow_up__isnull=True).order_by("position").first()
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text="a", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=2, ticked=[], now=now)
    services.finish_session(session=session, now=now)
    assert session.__class__.objects.get(pk=session.pk).status == SessionStatus.FINISHED
    grades = calibration.self_grades([loop_world["candidate"]])
    assert grades == {(loop_world["candidate"].pk, attempt.question_id): 2}


def test_the_debrief_of_ten_rounds_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    manager = make_interviewer()
    interviewers = [make_interviewer() for _ in range(10)]
    team = make_team(manager, members=interviewers)
    questions = [make_question(key_points=["a", "b"]) for _ in range(4)]
    kits = [make_kit(manager, team=team, questions=questions) for _ in range(10)]
    loop = make_loop(manager, team=team, kits=kits)
    candidate = make_candidate(team, loop=loop)
    for n, loop_round in enumerate(loop.rounds.order_by("position")):
        LoopRound.objects.filter(pk=loop_round.pk).update(competencies=["Coding", "Design"])
        loop_round.refresh_from_db()
        make_scorecard(
            candidate,
            loop_round,
            interviewers[n],
            submit={"competencies": {"Coding": 1 + n % 4, "Design": 2}, "ratings": [3, 3, 2, 1]},
        )
    client = client_for(manager)
    with django_assert_max_num_queries(13):
        response = client.get(f"/teams/candidates/{candidate.pk}/debrief/")
    assert response.status_code == 200
    assert len(response.context["debrief"].scorecards) == 10
    with django_assert_max_num_queries(10):
        client.get(f"/teams/candidates/{candidate.pk}/packet.json")


def test_calibration_of_500_scorecards_runs_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    manager = make_interviewer()
    interviewers = [make_interviewer() for _ in range(5)]
    team = make_team(manager, members=interviewers)
    kit = make_kit(manager, team=team, questions=[make_question() for _ in range(2)])
    loop = make_loop(manager, team=team, kits=[kit])
    loop_round = loop.rounds.get()
    candidates = Candidate.objects.bulk_create(
        Candidate(team=team, loop=loop, name=f"C{n}") for n in range(100)
    )
    now = timezone.now()
    cards = Scorecard.objects.bulk_create(
        Scorecard(
            candidate=c,
            interviewer=i,
            interviewer_name=i.username,
            loop_round=loop_round,
            kit=kit,
            round_title="R",
            competencies=["Coding"],
            state="submitted",
            recommendation="yes" if (n + k) % 2 else "no",
            rationale="r",
            started_at=now,
            submitted_at=now,
        )
        for n, c in enumerate(candidates)
        for k, i in enumerate(interviewers)
    )
    assert len(cards) == 500
    CompetencyRating.objects.bulk_create(
        CompetencyRating(scorecard=s, competency="Coding", rating=1 + n % 4)
        for n, s in enumerate(cards)
    )
    question = kit.items.first().question
    ScorecardItem.objects.bulk_create(
        ScorecardItem(scorecard=s, question=question, position=1, title="Q", rating=1 + n % 4)
        for n, s in enumerate(cards)
    )
    client = client_for(manager)
    with django_assert_max_num_queries(10):
        response = client.get(f"/teams/{team.pk}/calibration/")
    assert response.status_code == 200
    assert response.context["scorecard_count"] == 500
    assert response.context["overall_agreement"]["pairs"] == 1000


def test_interview_pages_answer_htmx_and_plain_requests_alike(loop_world):
    scorecard = make_scorecard(
        loop_world["candidate"], loop_world["rounds"][0], loop_world["first"]
    )
    client = client_for(loop_world["first"])
    for number in ("1", "2", "99", "-1", "x"):
        assert client.get(f"/teams/scorecards/{scorecard.pk}/", {"q": number}).status_code == 200
    assert interviews.scorecard_state(scorecard) == "draft"
