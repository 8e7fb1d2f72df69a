"""Key-point suggestions on the reveal stage in a real browser, with and without JavaScript: the
suggested points quote the sentence that matched, nothing is ticked for the candidate, the page
passes axe, and the grade records what was suggested beside what was ticked."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from questions.models import SuggestionRecord
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import make_question, make_session, make_user
from tests.test_suggestions import GOOD, KEY_POINTS, STUFFED_LIST

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def session(user):
    question = make_question(title="Bias and variance", seconds=600, key_points=KEY_POINTS)
    return make_session(user, questions=[question], follow_ups=0)


def answer_and_submit(page: Page, text: str) -> None:
    page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()


def test_suggested_key_points_quote_the_answer_tick_nothing_and_pass_axe(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    answer_and_submit(page, GOOD)  # htmx swaps the reveal stage in
    expect(page.locator("[data-suggestions-summary]")).to_contain_text(
        "Your answer appears to cover 2 of 4 key points"
    )
    suggested = page.locator("li[data-suggested]")
    expect(suggested).to_have_count(2)
    expect(suggested.first).to_contain_text(
        "A model with high bias makes overly simple assumptions, so it underfits the data."
    )
    bias = page.get_by_role("checkbox", name=re.compile("Defines bias"))
    expect(bias).not_to_be_checked()
    expect(bias).to_have_accessible_description(re.compile("Suggested your answer says"))
    expect(page.locator("[data-rubric-suggestion]")).to_contain_text("You ticked 0 of 4")
    assert_accessible(page)

    bias.check()
    page.get_by_role("checkbox", name=re.compile("irreducible noise")).check()
    page.get_by_role("button", name="Good").click()
    expect(page.get_by_role("heading", name=re.compile("summary"))).to_be_visible()
    record = SuggestionRecord.objects.get(attempt__session=session)
    assert (record.suggested, record.ticked) == ([0, 3], [0, 2])
    assert (record.suggested_ticked, record.unsuggested_ticked) == (1, 1)

    page.goto(live_server.url + "/progress/")
    calibration = page.locator("[data-calibration]")
    expect(calibration).to_contain_text("over 1 graded answer")
    assert_accessible(page)


def test_suggestions_show_without_javascript_and_a_stuffed_answer_gets_none(
    browser: Browser, live_server, user, session
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    answer_and_submit(page, GOOD)
    expect(page.locator("li[data-suggested]")).to_have_count(2)
    expect(page.locator("[data-suggestion-quote]").first).to_have_text(
        "A model with high bias makes overly simple assumptions, so it underfits the data."
    )

    other = make_session(user, questions=[make_question(key_points=KEY_POINTS)], follow_ups=0)
    page.goto(live_server.url + other.get_absolute_url())
    answer_and_submit(page, STUFFED_LIST)
    expect(page.locator("li[data-suggested]")).to_have_count(0)
    expect(page.locator("[data-suggestions-summary]")).to_contain_text("No key point matched")
    context.close()
