"""The weighted rubric: suggested grades, red flags, the attempt snapshot and chained follow-ups."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from questions import services
from questions.models import Attempt, PracticeSession, Question
from questions.models.practice import AttemptState, Grade
from questions.rubric import suggest_grade
from tests.factories import make_follow_up, make_question, make_user

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AGAIN, HARD, GOOD, EASY = (int(g) for g in Grade)

# (weights, ticked, red flags ticked, suggested): shared with the browser test of rubric.js.
CASES = [
    # Must points only: the first edition's thresholds (100% Easy, 75% Good, 40% Hard).
    (["must"] * 4, [0, 1, 2, 3], 0, EASY),
    (["must"] * 4, [0, 1, 2], 0, GOOD),
    (["must"] * 4, [0, 1], 0, HARD),
    (["must"] * 4, [0], 0, AGAIN),
    (["must"] * 5, [0, 1], 0, HARD),  # 40% exactly
    (["must"] * 4, [], 0, AGAIN),
    # Must (3) outweighs should (2) outweighs bonus (1); the share is over must and should.
    (["must", "must", "should", "bonus"], [0, 1], 0, GOOD),  # 6 of 8
    (["must", "must", "should", "bonus"], [2, 3], 0, AGAIN),  # 3 of 8
    (["must", "must", "should", "bonus"], [0, 2], 0, HARD),  # 5 of 8
    (["must", "must", "should", "bonus"], [0, 1, 2], 0, EASY),  # bonus not needed for Easy
    (["must", "should", "bonus"], [0], 0, HARD),  # 3 of 5
    (["must", "should", "should"], [1, 2], 0, HARD),  # 4 of 7
    # Bonus makes up for a missed should, never for a missed must.
    (["must", "should", "bonus"], [0, 2], 0, GOOD),  # 4 of 5
    (["must", "should", "bonus", "bonus"], [0, 2, 3], 0, EASY),  # 5 of 5 with every must
    (["must", "must", "should", "bonus", "bonus", "bonus"], [0, 2, 3, 4, 5], 0, GOOD),  # 8 of 8
    (["must", "should", "should", "bonus"], [1, 2, 3], 0, HARD),  # 5 of 7
    # A ticked red flag caps at Hard; it never raises a low grade.
    (["must"] * 3, [0, 1, 2], 1, HARD),
    (["must"] * 3, [0, 1, 2], 2, HARD),
    (["must", "should", "bonus"], [0, 1, 2], 1, HARD),
    (["must"] * 3, [], 1, AGAIN),
    # Odd input: unknown weights count as must, out-of-range ticks are ignored.
    (["essential", "should"], [0, 1, 7, -1], 0, EASY),
    (["bonus", "bonus"], [0], 0, HARD),  # only bonus points: 1 of 2
]


@pytest.mark.parametrize(("weights", "ticked", "flags", "expected"), CASES)
def test_the_suggested_grade_follows_the_weighted_rule(weights, ticked, flags, expected):
    assert suggest_grade(weights, ticked, flags) == expected


def test_no_key_points_suggest_nothing():
    assert suggest_grade([], [], 1) is None


def test_missing_a_must_costs_more_than_a_should_and_a_should_more_than_a_bonus():
    weights = ["must", "should", "bonus"]
    missing_bonus, missing_should, missing_must = [0, 1], [0, 2], [1, 2]
    grades = [suggest_grade(weights, t) for t in (missing_bonus, missing_should, missing_must)]
    assert grades == [EASY, GOOD, HARD]


# Practice: the snapshot, grading with red flags, chained follow-ups ---------------------------


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def weighted_question(**kwargs) -> Question:
    kwargs.setdefault("key_points", ["Names the base rate", "Works the numbers", "Adds a test"])
    kwargs.setdefault("key_point_weights", ["must", "should", "bonus"])
    kwargs.setdefault("red_flags", ["Answers 99%", "Ignores the prior"])
    return make_question(seconds=120, **kwargs)


def start(user, questions, **kwargs) -> PracticeSession:
    return services.start_session(
        user=user,
        questions=questions,
        clock="suggested",
        minutes=None,
        now=T0,
        title="Rubric",
        **kwargs,
    )


@pytest.mark.django_db
def test_the_attempt_snapshot_keeps_weights_and_red_flags(owner):
    question = weighted_question()
    make_follow_up(question=question, key_points=["a", "b"], key_point_weights=["must", "bonus"])
    session = start(owner, [question])
    main, follow_up = session.attempts.order_by("sub")
    assert main.key_point_weights == ["must", "should", "bonus"]
    assert main.red_flags == ["Answers 99%", "Ignores the prior"]
    assert follow_up.key_point_weights == ["must", "bonus"]
    assert follow_up.red_flags == []
    question.key_point_weights = ["must", "must", "must"]
    question.red_flags = []
    question.save()
    main.refresh_from_db()
    assert main.key_point_weights == ["must", "should", "bonus"]  # history is not rewritten


@pytest.mark.django_db
def test_first_edition_key_points_are_weighted_must():
    question = make_question(key_points=["one", "two"])
    assert question.key_point_weights == ["must", "must"]
    assert question.weighted_key_points == [("one", "must"), ("two", "must")]


@pytest.mark.django_db
def test_grading_records_ticked_red_flags_and_the_suggestion(owner_client, owner):
    session = start(owner, [weighted_question()])
    attempt = session.attempts.get(sub=0)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/submit/",
            {"answer": "99%", "base": 0},
        )
        owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/grade/",
            {"grade": 3, "ticked": [0, 1, 2], "flagged": [1, 5, "x"]},
        )
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert (attempt.grade, attempt.ticked, attempt.flagged) == (3, [0, 1, 2], [1])
    assert attempt.suggested_grade == HARD  # Easy on the points, capped by the red flag


@pytest.mark.django_db
def test_grading_twice_changes_no_flags(owner_client, owner):
    session = start(owner, [weighted_question()])
    attempt = session.attempts.get(sub=0)
    url = f"/practice/{session.pk}/attempts/{attempt.pk}"
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        owner_client.post(f"{url}/submit/", {"answer": "x", "base": 0})
        owner_client.post(f"{url}/grade/", {"grade": 4, "ticked": [0, 1]})
        owner_client.post(f"{url}/grade/", {"grade": 1, "flagged": [0]})
    attempt.refresh_from_db()
    assert (attempt.grade, attempt.flagged, attempt.suggested_grade) == (4, [], EASY)


@pytest.mark.django_db
def test_another_users_attempt_cannot_be_graded_with_flags(owner_client):
    session = start(make_user(), [weighted_question()])
    attempt = session.attempts.get(sub=0)
    response = owner_client.post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 1, "flagged": [0]}
    )
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.flagged == []


@pytest.mark.django_db
def test_chained_follow_ups_are_asked_depth_first_after_their_parent(owner):
    question = weighted_question()
    first = make_follow_up(question=question, prompt="First")
    make_follow_up(question=question, prompt="Second")
    deeper = make_follow_up(question=question, parent=first, prompt="First, deeper")
    make_follow_up(question=question, parent=deeper, prompt="First, deepest")
    make_follow_up(question=question, parent=first, prompt="First, other angle")
    session = start(owner, [question])
    attempts = list(session.attempts.order_by("sub"))
    assert [(a.sub, a.depth, a.parent_sub) for a in attempts] == [
        (0, 0, None),
        (1, 1, 0),
        (2, 2, 1),
        (3, 3, 2),
        (4, 2, 1),
        (5, 1, 0),
    ]
    prompts = [a.follow_up.prompt if a.follow_up else "" for a in attempts]
    assert prompts == [
        "",
        "First",
        "First, deeper",
        "First, deepest",
        "First, other angle",
        "Second",
    ]
    assert {a.follow_up_count for a in attempts} == {5}


@pytest.mark.django_db
def test_the_reveal_stage_shows_weights_and_a_red_flag_checklist(owner_client, owner):
    session = start(owner, [weighted_question()])
    attempt = session.attempts.get(sub=0)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/submit/", {"answer": "x", "base": 0}
        )
        html = owner_client.get(f"/practice/{session.pk}/").content.decode()
    assert 'data-weight="should"' in html and ">should<" in html
    assert "Red flags in your answer" in html
    assert 'name="flagged" value="1"' in html and "Ignores the prior" in html
    assert "js/rubric.js" in html


@pytest.mark.django_db
def test_attempts_of_old_sessions_without_weights_read_as_must(owner):
    session = start(owner, [make_question(seconds=120)])
    Attempt.objects.filter(session=session).update(key_point_weights=[])
    attempt = session.attempts.get(sub=0)
    assert [w for _, w in attempt.weighted_key_points] == ["must"] * 3


@pytest.mark.django_db
def test_the_summary_shows_red_flags_the_suggestion_and_the_chain(owner_client, owner):
    question = weighted_question()
    first = make_follow_up(question=question, prompt="First")
    make_follow_up(question=question, parent=first, prompt="Deeper")
    session = start(owner, [question])
    attempt = session.attempts.get(sub=0)
    url = f"/practice/{session.pk}/attempts/{attempt.pk}"
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        owner_client.post(f"{url}/submit/", {"answer": "99%", "base": 0})
        owner_client.post(f"{url}/grade/", {"grade": 2, "ticked": [0], "flagged": [0]})
        owner_client.post(f"/practice/{session.pk}/finish/")
        html = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    assert "1 red flag<" in html and "Suggested: Hard" in html
    assert '<li class="ticked"><span aria-hidden="true">⚑ </span>' in html
    assert 'Follow-up 2 <span class="muted">(after follow-up 1)</span>' in html
