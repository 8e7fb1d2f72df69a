"""The weighted rubric on the reveal stage in a real browser: rubric.js suggests a grade live,
by the same rule as questions/rubric.py, and a ticked red flag caps it."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from questions.models import Attempt
from questions.rubric import suggest_grade
from tests.browser.conftest import assert_accessible
from tests.browser.test_practice_browser import log_in
from tests.factories import make_follow_up, make_question, make_session, make_user
from tests.test_rubric import CASES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def session(user):
    question = make_question(
        seconds=300,
        key_points=["Uses the base rate", "Works the numbers", "Suggests a retest"],
        key_point_weights=["must", "should", "bonus"],
        red_flags=["Answers 99% because the test is 99% sensitive"],
    )
    make_follow_up(
        question=question,
        key_points=["Names the posterior", "Mentions independence"],
        key_point_weights=["must", "bonus"],
    )
    return make_session(user, questions=[question])


def reveal(page: Page, live_server, user, session) -> None:
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("About 2%, because the disease is rare.")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()


def test_the_suggestion_follows_weights_and_a_red_flag_caps_it(
    page: Page, live_server, user, session
):
    reveal(page, live_server, user, session)
    suggestion = page.locator("[data-rubric-suggestion]")
    expect(suggestion).to_contain_text("You ticked 0 of 1 must-have")
    expect(page.locator(".grade-suggested")).to_have_count(1)
    expect(page.locator(".grade-suggested")).to_contain_text("Again")
    expect(page.get_by_role("group", name="Red flags in your answer")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Uses the base rate").check()
    expect(suggestion).to_contain_text("suggests Hard")  # 3 of 5 points
    page.get_by_label("Suggests a retest").check()
    expect(suggestion).to_contain_text("suggests Good")  # 4 of 5: a bonus covers the should
    page.get_by_label("Works the numbers").check()
    expect(suggestion).to_contain_text("1 of 1 must-have, 1 of 1 should-have, 1 of 1 bonus point")
    expect(suggestion).to_contain_text("suggests Easy")
    expect(page.locator(".grade-suggested")).to_contain_text("Easy")

    page.get_by_label("Answers 99% because").check()
    expect(suggestion).to_contain_text("1 red flag (at most Hard): that suggests Hard")
    expect(page.locator(".grade-suggested")).to_have_count(1)
    expect(page.locator(".grade-suggested")).to_contain_text("Hard")
    expect(page.locator("[data-suggestion]")).to_have_count(0)  # the unweighted line is gone

    page.get_by_role("button", name="Good").click()
    expect(page.get_by_text("Follow-up 1 of 1")).to_be_visible()
    main = Attempt.objects.get(session=session, sub=0)
    assert (main.grade, main.ticked, main.flagged, main.suggested_grade) == (3, [0, 1, 2], [0], 2)


def test_the_follow_up_swapped_in_by_htmx_gets_its_own_suggestion(
    page: Page, live_server, user, session
):
    reveal(page, live_server, user, session)
    page.get_by_role("button", name="Good").click()
    expect(page.get_by_text("Follow-up 1 of 1")).to_be_visible()
    page.get_by_label("Your answer").fill("The posterior becomes the prior.")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    expect(page.get_by_role("group", name="Red flags in your answer")).to_have_count(0)
    page.get_by_label("Names the posterior").check()
    expect(page.locator("[data-rubric-suggestion]")).to_contain_text("suggests Easy")


def test_rubric_js_and_rubric_py_agree_on_every_case(page: Page, live_server, user, session):
    reveal(page, live_server, user, session)
    cases = [[w, t, f] for w, t, f, _ in CASES]
    got = page.evaluate(
        "cases => cases.map(c => window.InterviewPrepRubric.suggestGrade(c[0], c[1], c[2]))",
        cases,
    )
    assert got == [suggest_grade(w, t, f) for w, t, f in cases], json.dumps(cases)
    assert got == [expected for *_, expected in CASES]
