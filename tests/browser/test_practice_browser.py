"""The session page in a real browser: countdown, autosave, offline, second tab, keyboard, no-JS."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from questions.models import Attempt, PracticeSession
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import make_follow_up, make_question, make_session, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def session(user):
    return make_session(user, follow_ups=1)


def test_typing_autosaves_and_survives_a_reload(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    assert_accessible(page)
    page.get_by_label("Your answer").fill("Bias is error from wrong assumptions.")
    expect(page.locator("[data-save-status]")).to_contain_text("Saved at")
    page.reload()
    expect(page.get_by_label("Your answer")).to_have_value("Bias is error from wrong assumptions.")


def test_going_offline_says_not_saved_and_coming_back_saves(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.context.set_offline(True)
    page.get_by_label("Your answer").fill("typed while offline")
    expect(page.locator("[data-save-status]")).to_contain_text("Not saved")
    page.context.set_offline(False)
    expect(page.locator("[data-save-status]")).to_contain_text("Saved at", timeout=15_000)
    attempt = Attempt.objects.get(session=session, sub=0)
    assert attempt.answer == "typed while offline"


def test_a_second_tab_is_shown_the_conflict_instead_of_overwriting(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server, user)
    url = live_server.url + session.get_absolute_url()
    first.goto(url)
    second.goto(url)
    first.get_by_label("Your answer").fill("from the first tab")
    expect(first.locator("[data-save-status]")).to_contain_text("Saved at")
    second.get_by_label("Your answer").fill("from the second tab")
    expect(second.locator("[data-save-status]")).to_contain_text("changed in another tab")
    assert Attempt.objects.get(session=session, sub=0).answer == "from the first tab"
    context.close()


def test_the_countdown_reaching_zero_locks_and_moves_on(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.clock.install()
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("my last words")
    expect(page.locator("[data-save-status]")).to_contain_text("Saved at")
    page.clock.fast_forward("02:05")
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    attempt = Attempt.objects.get(session=session, sub=0)
    assert attempt.state == Attempt.State.SUBMITTED
    assert attempt.answer == "my last words"


def test_the_countdown_is_announced_only_at_thresholds(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.clock.install()
    page.goto(live_server.url + session.get_absolute_url())
    announce = page.locator("[data-countdown-announce]")
    expect(announce).to_have_text("")
    page.clock.run_for("00:30")
    expect(announce).to_have_text("")  # nothing said every second
    page.clock.run_for("00:35")
    expect(announce).to_have_text("1 minute left")


def test_grading_with_the_keyboard_and_finishing(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("an answer")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First point").check()
    expect(page.locator("[data-rubric-suggestion]")).to_contain_text("suggests")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.wait_for_timeout(1100)  # grade keys work once the buttons have been up a second
    page.keyboard.press("3")
    # The follow-up comes next, with its own clock.
    expect(page.get_by_text("Follow-up 1 of 1")).to_be_visible()
    main = Attempt.objects.get(session=session, sub=0)
    assert (main.grade, main.ticked) == (3, [0])
    page.get_by_role("button", name="Skip this follow-up").click()
    expect(page).to_have_url(re.compile(r"/summary/$"))
    assert_accessible(page)
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.FINISHED


def test_the_whole_journey_works_without_javascript(browser: Browser, live_server, user):
    question = make_question(title="Explain regularisation", seconds=300)
    make_follow_up(question=question)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + "/practice/")
    expect(page.get_by_role("heading", name="Start a mock interview")).to_be_visible()
    page.get_by_label("How many questions").fill("1")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Answer by")).to_be_visible()  # the deadline, since nothing counts down
    page.get_by_label("Your answer").fill("It penalises large weights.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_label("First point").check()
    page.get_by_role("button", name="Good").click()
    page.get_by_role("button", name="Skip this follow-up").click()
    expect(page.get_by_role("heading", name=re.compile("summary"))).to_be_visible()
    attempt = Attempt.objects.get(session__owner=user, sub=0)
    assert (attempt.answer, attempt.grade) == ("It penalises large weights.", 3)
    context.close()


def test_the_start_page_is_accessible(page: Page, live_server, user):
    make_question()
    log_in(page, live_server, user)
    page.goto(live_server.url + "/practice/")
    assert_accessible(page)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_label("Your answer")).to_be_visible()
    assert PracticeSession.objects.filter(owner=user, started_at__lte=timezone.now()).exists()


def test_an_expired_login_keeps_the_text_and_saving_resumes_after_logging_in_again(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    context.clear_cookies(name="sessionid")  # the login expires while the candidate types
    page.get_by_label("Your answer").fill("typed after the login expired")
    expect(page.locator("[data-save-status]")).to_contain_text("you were logged out")
    expect(page.get_by_label("Your answer")).to_have_value("typed after the login expired")

    other = context.new_page()  # the candidate logs in again in another tab
    log_in(other, live_server, user)
    expect(page.locator("[data-save-status]")).to_contain_text("Saved at", timeout=20_000)
    assert Attempt.objects.get(session=session, sub=0).answer == "typed after the login expired"
    context.close()
