import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible
from tests.factories import make_follow_up, make_question, make_topic

pytestmark = pytest.mark.django_db(transaction=True)


def bank() -> None:
    topic = make_topic(slug="fundamentals", name="Fundamentals")
    question = make_question(
        topic=topic,
        title="Recognising overfitting",
        prompt="How would you **detect** overfitting, and what would you do about it?",
        answer="Compare training and validation loss.\n\n```python\nmodel.fit(x, y)\n```",
        key_points=["Compares training and validation error", "Names regularisation"],
        tags=["generalisation"],
        level="beginner",
    )
    make_follow_up(question=question, prompt="How does early stopping help?", answer="It stops.")
    make_question(topic=topic, title="Gradient descent", level="intermediate")
    make_question(title="Precision versus recall", level="experienced", kind="scenario")


def test_typing_a_search_updates_results_and_url_without_a_reload(page: Page, live_server):
    bank()
    page.goto(live_server.url + "/questions/")
    expect(page.locator("#result-count")).to_have_text("3 published questions")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Search", exact=True).press_sequentially("overfitti", delay=40)

    results = page.locator("#results")
    expect(results.get_by_role("link", name="Recognising overfitting")).to_be_visible()
    expect(results.get_by_role("link", name="Gradient descent")).to_have_count(0)
    expect(page.locator("#result-count")).to_have_text("1 question matches")
    expect(page).to_have_url(re.compile(r"/questions/\?q=overfitti"))
    assert page.evaluate("window.stillTheSamePage") is True


def test_choosing_a_filter_updates_the_results(page: Page, live_server):
    bank()
    page.goto(live_server.url + "/questions/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Level").select_option("intermediate")
    # The questions' own links (the results also offer downloads of what they list).
    results = page.locator("#results").get_by_role("list", name="Questions")
    expect(results.get_by_role("link")).to_have_text(["Gradient descent"])
    expect(page).to_have_url(re.compile(r"level=intermediate"))
    page.get_by_label("Topic").select_option("fundamentals")
    page.get_by_label("Level").select_option("")
    expect(results.get_by_role("link")).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_search_form_works_without_javascript(browser: Browser, live_server):
    bank()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/questions/")
    page.get_by_label("Search", exact=True).fill("precision")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=precision"))
    questions = page.locator("#results").get_by_role("list", name="Questions")
    expect(questions.get_by_role("link")).to_have_text(["Precision versus recall"])
    context.close()


def test_the_list_and_question_pages_are_accessible(page: Page, live_server):
    bank()
    page.goto(live_server.url + "/questions/")
    assert_accessible(page)
    page.get_by_label("Search", exact=True).press_sequentially("gradient", delay=20)
    expect(page.locator("#result-count")).to_have_text("1 question matches")
    assert_accessible(page)
    page.goto(live_server.url + "/questions/?level=nonsense&page=x")
    expect(page.get_by_text("There is no level")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/questions/")
    page.get_by_role("link", name="Recognising overfitting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recognising overfitting")
    assert_accessible(page)
    page.get_by_text("Show the model answer and key points").click()
    assert_accessible(page)


def test_the_model_answer_is_revealed_from_the_keyboard(page: Page, live_server):
    bank()
    page.goto(live_server.url + "/questions/")
    page.get_by_role("link", name="Recognising overfitting").click()
    answer = page.get_by_text("Compare training and validation loss.")
    expect(answer).to_be_hidden()

    reveal = page.locator("#model-answer > summary")
    for _ in range(40):
        page.keyboard.press("Tab")
        if reveal.evaluate("el => el === document.activeElement"):
            break
    expect(reveal).to_be_focused()
    page.keyboard.press("Enter")
    expect(answer).to_be_visible()
    expect(page.get_by_text("Names regularisation")).to_be_visible()

    follow_up_answer = page.get_by_text("It stops.")
    expect(follow_up_answer).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.get_by_text("Show the answer", exact=False).last).to_be_focused()
    page.keyboard.press("Space")
    expect(follow_up_answer).to_be_visible()
