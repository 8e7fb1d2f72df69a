"""The question navigator in a browser: flag, go back, change an answer, review, finish; and the
never-lose protocol on every question under dropped responses, going offline, a second tab,
Back, an expired login and the clock running out. Each test asserts the database and the page.
"""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from questions.models import Attempt, PracticeSession
from questions.models.practice import AttemptState, NavigatorState, SessionStatus
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import make_question, make_session, make_user

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = "[data-save-status]"


def wait_for(check, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def answer(session, number) -> Attempt:
    return Attempt.objects.get(session=session, position=number, sub=0)


def heading(page: Page, number: int):
    return page.get_by_role("heading", name=f"Navigator question {number}", exact=True)


def go_to(page: Page, number: int) -> None:
    page.get_by_role("button", name=re.compile(rf"^Question {number}\b")).click()
    expect(heading(page, number)).to_be_visible()


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def session(user):
    questions = [make_question(title=f"Navigator question {n}") for n in (1, 2, 3)]
    return make_session(user, questions=questions, clock="session", minutes=30, navigator=True)


def test_start_flag_go_back_change_review_and_finish(page: Page, live_server, user):
    for n in (1, 2, 3):
        make_question(title=f"Navigator question {n}")
    log_in(page, live_server, user)
    page.goto(live_server.url + "/practice/")
    page.get_by_label("How many questions").fill("3")
    page.get_by_label("A time limit for the whole session").check()
    page.locator("#id_minutes").fill("20")
    page.get_by_label("Question navigator").check()
    page.get_by_role("button", name="Start").click()
    session = PracticeSession.objects.get(owner=user)
    assert session.navigator
    expect(page).to_have_url(re.compile(rf"/practice/{session.pk}/questions/1/$"))
    expect(page.get_by_role("navigation", name="Questions in this session")).to_be_visible()
    assert_accessible(page)
    first = answer(session, 1).title
    second = answer(session, 2).title

    page.get_by_label("Your answer").fill("My first answer.")
    page.get_by_role("button", name="Save answer and go to the next").click()
    expect(page.get_by_role("heading", name=second)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/practice/{session.pk}/questions/2/$"))
    assert answer(session, 1).navigator_state == NavigatorState.ANSWERED

    page.get_by_label("Your answer").fill("Not sure about this one.")
    page.get_by_role("button", name="Flag to come back to").click()
    expect(page.get_by_role("button", name="Remove the flag")).to_be_visible()
    flagged = page.get_by_role("button", name=re.compile(r"^Question 2 Draft · Flagged"))
    expect(flagged).to_be_visible()
    assert answer(session, 2).flagged_for_review
    assert_accessible(page)

    page.get_by_role("button", name=re.compile(r"^Question 1 Answered")).click()
    expect(page.get_by_role("heading", name=first)).to_be_visible()
    box = page.get_by_label("Your answer")
    expect(box).to_have_value("My first answer.")
    box.fill("My first answer, changed after seeing question 2.")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    assert answer(session, 1).answer == "My first answer, changed after seeing question 2."
    expect(page.get_by_role("button", name=re.compile(r"^Question 1 Draft"))).to_have_count(0)

    page.get_by_role("button", name="Review and finish").click()
    expect(page.get_by_role("heading", name="Review before finishing")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/practice/{session.pk}/before-finishing/$"))
    expect(page.get_by_role("heading", name="Not answered yet (3)")).to_be_visible()
    expect(page.get_by_role("heading", name="Flagged to come back to (1)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("^Finish")).click()
    expect(page.get_by_role("heading", name=f"{first}: the model answer")).to_be_visible()
    # Scoped to the answer: a key-point suggestion may quote the same sentence.
    your_answer = page.get_by_role("region", name="Your answer")
    expect(
        your_answer.get_by_text("My first answer, changed after seeing question 2.")
    ).to_be_visible()
    assert_accessible(page)
    assert set(session.attempts.values_list("state", flat=True)) == {AttemptState.SUBMITTED}
    page.get_by_role("button", name="Good").click()
    expect(page.get_by_role("heading", name=f"{second}: the model answer")).to_be_visible()
    assert answer(session, 1).grade == 3


def test_a_lost_save_response_on_an_earlier_question_is_not_a_conflict(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("one")
    page.get_by_role("button", name="Save answer and go to the next").click()
    expect(heading(page, 2)).to_be_visible()
    go_to(page, 1)
    dropped = []

    def drop_first_response(route):
        if dropped:
            route.continue_()
            return
        route.fetch()  # the server applies it ...
        dropped.append(True)
        route.abort("connectionreset")  # ... and the answer never arrives

    page.route("**/save/", drop_first_response)
    box = page.get_by_label("Your answer")
    box.fill("one, revised; the response was lost")
    expect(page.locator(STATUS)).to_contain_text("Not saved")
    wait_for(lambda: answer(session, 1).revision == 2)
    box.press("End")
    box.type(" and more")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    expect(page.locator("[data-conflict]")).to_have_count(0)
    go_to(page, 3)
    assert answer(session, 1).answer == "one, revised; the response was lost and more"


def test_offline_while_moving_keeps_the_text_and_moves_once_back_online(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    go_to(page, 2)
    page.context.set_offline(True)
    page.get_by_label("Your answer").fill("typed offline")
    page.get_by_role("button", name=re.compile(r"^Question 3\b")).click()
    expect(page.locator(STATUS)).to_contain_text("offline")
    box = page.get_by_label("Your answer")
    expect(box).to_have_value("typed offline")
    box.press("End")  # the focus leaves the button; the page still knows where it was going
    box.type(", and more")
    assert answer(session, 2).answer == ""
    page.context.set_offline(False)
    expect(heading(page, 3)).to_be_visible(timeout=20_000)  # the same button, resent
    assert answer(session, 2).answer == "typed offline, and more"


def test_a_move_waits_for_the_save_on_its_way_so_older_text_never_lands_last(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    held = []
    page.route("**/save/", lambda route: held.append(route))  # the first save is held back
    box = page.get_by_label("Your answer")
    box.fill("older")
    while not held:
        page.wait_for_timeout(50)
    box.fill("older, and newer")
    page.get_by_role("button", name=re.compile(r"^Question 2\b")).click()
    page.wait_for_timeout(500)
    held[0].continue_()  # the held save reaches the server only now, after the click
    expect(heading(page, 2)).to_be_visible()
    wait_for(lambda: answer(session, 1).answer == "older, and newer")
    page.wait_for_timeout(500)
    assert answer(session, 1).answer == "older, and newer"


def test_a_second_tab_editing_the_same_question_is_reconciled_not_overwritten(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server, user)
    url = live_server.url + session.get_absolute_url()
    first.goto(url)
    second.goto(url)
    first.get_by_label("Your answer").fill("from the first tab")
    expect(first.locator(STATUS)).to_contain_text("Saved at")

    # The second tab types and moves on before its autosave: the move carries an old base.
    second.get_by_label("Your answer").fill("from the second tab")
    second.get_by_role("button", name=re.compile(r"^Question 2\b")).click()
    conflict = second.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(heading(second, 1)).to_be_visible()  # it did not move
    expect(conflict.locator("[data-conflict-theirs]")).to_have_text("from the first tab")
    expect(conflict.locator("[data-conflict-mine]")).to_have_text("from the second tab")
    assert answer(session, 1).answer == "from the first tab"
    assert_accessible(second)

    second.get_by_role("button", name="Put both in the box to edit").click()
    wait_for(lambda: "from the second tab" in answer(session, 1).answer)
    merged = answer(session, 1).answer
    assert "from the first tab" in merged
    expect(second.locator(STATUS)).to_contain_text("Saved at")
    first.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(first.get_by_label("Your answer")).to_have_value(merged)
    context.close()


def test_back_shows_the_newest_saved_answer_of_an_earlier_question(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("first version")
    page.get_by_role("button", name="Save answer and go to the next").click()
    expect(heading(page, 2)).to_be_visible()
    go_to(page, 1)
    page.get_by_label("Your answer").fill("second version")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    go_to(page, 2)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/questions/1/$"))
    expect(heading(page, 1)).to_be_visible()
    if page.locator("[data-conflict]").is_visible():
        page.get_by_role("button", name="Keep the saved version").click()
    box = page.locator("textarea[name=answer]")
    expect(box).to_have_value("second version")
    box.press("End")
    box.type(", after Back")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    assert answer(session, 1).answer == "second version, after Back"


def test_an_expired_login_keeps_the_text_and_moves_on_after_logging_in_again(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    context.clear_cookies(name="sessionid")
    page.get_by_label("Your answer").fill("typed, then the login expired")
    page.get_by_role("button", name="Save answer and go to the next").click()
    expect(page.locator(STATUS)).to_contain_text("logged out")
    expect(page.get_by_label("Your answer")).to_have_value("typed, then the login expired")
    assert answer(session, 1).answer == ""

    other = context.new_page()
    log_in(other, live_server, user)
    expect(heading(page, 2)).to_be_visible(timeout=20_000)
    attempt = answer(session, 1)
    assert attempt.answer == "typed, then the login expired"
    assert attempt.navigator_state == NavigatorState.ANSWERED
    context.close()


def test_at_zero_the_text_on_screen_is_saved_and_the_summary_opens(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    deadline = timezone.now() + timedelta(seconds=4)
    PracticeSession.objects.filter(pk=session.pk).update(deadline=deadline)
    session.attempts.update(deadline=deadline)
    page.goto(live_server.url + session.get_absolute_url())
    go_to(page, 2)
    page.get_by_label("Your answer").fill("last words")
    expect(page).to_have_url(re.compile(r"/summary/$"), timeout=15_000)
    assert answer(session, 2).answer == "last words"
    assert PracticeSession.objects.get(pk=session.pk).status == SessionStatus.EXPIRED
