"""Nothing a candidate typed is ever lost, and the clock never misleads: the session page under
Back, two tabs, dropped responses, going offline at zero, expired logins and rotated tokens.

Each test asserts what the database holds and what the page says.
"""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from questions.models import Attempt, PracticeSession, ReviewLog, SuggestionRecord
from questions.models.practice import AttemptState
from tests.browser.test_practice_browser import log_in
from tests.factories import make_question, make_session, make_user

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = "[data-save-status]"


def wait_for(check, timeout=10.0):
    """Poll the database (or anything) until `check()` is true."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def answer_of(session) -> Attempt:
    return Attempt.objects.get(session=session, sub=0)


def set_deadline(session, seconds: float) -> None:
    """Give the current question `seconds` left from now (the server's clock)."""
    Attempt.objects.filter(session=session, sub=0).update(
        deadline=timezone.now() + timedelta(seconds=seconds)
    )


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def session(user):
    return make_session(user, follow_ups=1)


@pytest.fixture
def two_questions(user):
    return make_session(user, questions=[make_question(), make_question()], follow_ups=0)


# 1. Back ------------------------------------------------------------------------------------------


def test_back_never_saves_an_older_text_over_a_newer_acknowledged_one(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    url = live_server.url + session.get_absolute_url()
    page.goto(url)
    box = page.get_by_label("Your answer")
    box.fill("A first draft.")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    box.fill("A first draft. And the newer acknowledged part.")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    page.goto(live_server.url + "/history/")
    page.go_back()
    expect(page.locator("[data-answer-form]")).to_be_visible()
    # Whatever the browser restored, typing on must not replace the acknowledged text with less.
    if page.locator("[data-conflict]").is_visible():
        page.get_by_role("button", name="Keep the saved version").click()
    box = page.locator("textarea[name=answer]")
    expect(box).to_have_value("A first draft. And the newer acknowledged part.")
    box.press("End")
    box.type(" More.")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    assert answer_of(session).answer == "A first draft. And the newer acknowledged part. More."


def test_text_the_browser_restores_after_back_is_shown_beside_the_saved_text(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    Attempt.objects.filter(pk=answer_of(session).pk).update(answer="newer, saved", revision=5)
    # What Chromium does on Back: the page comes from the server, the box's value from memory.
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        " const box = document.querySelector('textarea[name=answer]');"
        " if (box) box.value = 'older, restored by the browser'; });"
    )
    page.goto(live_server.url + session.get_absolute_url())
    conflict = page.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-conflict-theirs]")).to_have_text("newer, saved")
    expect(conflict.locator("[data-conflict-mine]")).to_have_text("older, restored by the browser")
    expect(conflict).to_contain_text("Text your browser restored")
    page.get_by_label("This tab's version").press("x")  # read-only until the candidate chooses
    time.sleep(1.5)
    assert (answer_of(session).answer, answer_of(session).revision) == ("newer, saved", 5)
    page.get_by_role("button", name="Keep the saved version").click()
    expect(page.locator("textarea[name=answer]")).to_have_value("newer, saved")


# 2. Two tabs --------------------------------------------------------------------------------------


def test_two_tabs_conflict_is_shown_side_by_side_and_the_choice_is_saved(
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
    second.get_by_label("Your answer").fill("from the second tab")
    conflict = second.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(second.locator(STATUS)).to_contain_text("changed in another tab")
    expect(conflict.locator("[data-conflict-theirs]")).to_have_text("from the first tab")
    expect(conflict.locator("[data-conflict-mine]")).to_have_text("from the second tab")
    assert answer_of(session).answer == "from the first tab"  # nothing overwritten

    second.get_by_role("button", name="Put both in the box to edit").click()
    wait_for(lambda: answer_of(session).revision == 2)
    merged = answer_of(session).answer
    assert "from the first tab" in merged and "from the second tab" in merged
    expect(second.locator(STATUS)).to_contain_text("Saved at")

    # The first tab, with nothing unsaved, takes the newer text when it is looked at again.
    first.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(first.locator(STATUS)).to_contain_text("Updated with the version saved in another tab")
    expect(first.get_by_label("Your answer")).to_have_value(merged)
    context.close()


def test_a_tab_with_unsaved_text_in_conflict_asks_before_it_closes(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server, user)
    url = live_server.url + session.get_absolute_url()
    first.goto(url)
    second.goto(url)
    first.get_by_label("Your answer").fill("first")
    expect(first.locator(STATUS)).to_contain_text("Saved at")
    second.get_by_label("Your answer").click()  # a real gesture: browsers ask only after one
    second.get_by_label("Your answer").fill("second")
    expect(second.locator("[data-conflict]")).to_be_visible()
    # The page asks before it goes (the browser shows its own "Leave site?" dialog for this).
    leaving = "() => { const e = new Event('beforeunload', {cancelable: true});"
    leaving += " window.dispatchEvent(e); return e.defaultPrevented; }"
    assert second.evaluate(leaving) is True
    assert first.evaluate(leaving) is False  # nothing unsaved there
    context.close()


def test_keeping_this_tab_s_version_saves_it_as_a_new_revision(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server, user)
    url = live_server.url + session.get_absolute_url()
    first.goto(url)
    second.goto(url)
    first.get_by_label("Your answer").fill("theirs")
    expect(first.locator(STATUS)).to_contain_text("Saved at")
    second.get_by_label("Your answer").fill("mine")
    second.get_by_role("button", name="Keep this tab's version").click()
    wait_for(lambda: answer_of(session).answer == "mine")
    assert answer_of(session).revision == 2
    # The first tab now has an old base: its next keystroke is a conflict, not an overwrite.
    first.get_by_label("Your answer").press("End")
    first.get_by_label("Your answer").type("!")
    expect(first.locator("[data-conflict]")).to_be_visible()
    assert answer_of(session).answer == "mine"
    context.close()


# 3. A save whose response is lost -----------------------------------------------------------------


def test_a_save_applied_but_whose_response_was_lost_is_not_a_conflict(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
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
    box.fill("Typed, saved, but never acknowledged.")
    expect(page.locator(STATUS)).to_contain_text("Not saved")
    wait_for(lambda: answer_of(session).revision == 1)
    box.press("End")
    box.type(" And more.")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    expect(page.locator("[data-conflict]")).to_have_count(0)
    assert answer_of(session).answer == "Typed, saved, but never acknowledged. And more."
    page.reload()
    expect(page.get_by_label("Your answer")).to_have_value(
        "Typed, saved, but never acknowledged. And more."
    )


def test_a_server_error_on_save_is_said_and_retried(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    failures = []

    def fail_twice(route):
        if len(failures) < 2:
            failures.append(True)
            route.fulfill(status=503, body="down")
        else:
            route.continue_()

    page.route("**/save/", fail_twice)
    page.get_by_label("Your answer").fill("survives a 503")
    expect(page.locator(STATUS)).to_contain_text("error 503")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    assert answer_of(session).answer == "survives a 503"


def test_a_rate_limited_save_waits_and_keeps_the_latest_text(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    limited = []

    def limit_once(route):
        if not limited:
            limited.append(True)
            route.fulfill(status=429, headers={"Retry-After": "1"}, body="{}")
        else:
            route.continue_()

    page.route("**/save/", limit_once)
    box = page.get_by_label("Your answer")
    box.fill("first")
    expect(page.locator(STATUS)).to_contain_text("saving too often")
    box.fill("first and latest")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    assert answer_of(session).answer == "first and latest"


# 4. Offline at the deadline -----------------------------------------------------------------------


def test_offline_through_zero_then_back_within_grace_counts_as_on_time(
    page: Page, live_server, user, session, settings
):
    settings.PRACTICE_GRACE_SECONDS = 20
    log_in(page, live_server, user)
    set_deadline(session, 4)
    page.goto(live_server.url + session.get_absolute_url())
    page.context.set_offline(True)
    page.get_by_label("Your answer").fill("typed offline before zero")
    expect(page.locator(STATUS)).to_contain_text("not submitted yet", timeout=10_000)
    expect(page.locator(STATUS)).to_contain_text("offline")
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible(
        timeout=20_000
    )
    attempt = answer_of(session)
    assert (attempt.answer, attempt.late_answer) == ("typed offline before zero", "")
    assert attempt.state == AttemptState.SUBMITTED


def test_offline_past_the_grace_period_keeps_the_text_as_a_late_draft(
    page: Page, live_server, user, session, settings
):
    settings.PRACTICE_GRACE_SECONDS = 1
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("saved in time")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    set_deadline(session, 3)
    page.reload()
    page.context.set_offline(True)
    page.get_by_label("Your answer").fill("saved in time, and typed offline")
    expect(page.locator(STATUS)).to_contain_text("not submitted yet", timeout=10_000)
    time.sleep(2.5)  # the server's grace period passes while the page is offline
    expect(page.locator(STATUS)).not_to_contain_text("Submitting")
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_text("Another draft was kept")).to_be_visible()
    attempt = answer_of(session)
    assert attempt.answer == "saved in time"
    assert attempt.late_answer == "saved in time, and typed offline"


# 5. Keys typed after zero -------------------------------------------------------------------------


def test_keys_typed_through_zero_never_grade(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    set_deadline(session, 2)
    page.goto(live_server.url + session.get_absolute_url())
    box = page.get_by_label("Your answer")
    box.click()
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        page.keyboard.type("1 2 3 4 ", delay=40)
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    page.keyboard.type("1234", delay=40)
    attempt = answer_of(session)
    assert attempt.grade is None and attempt.state == AttemptState.SUBMITTED
    expect(page.locator("[data-key-hint]")).to_contain_text("ignored")
    time.sleep(1.2)
    page.keyboard.press("2")  # a deliberate key, once the buttons have been on screen a moment
    expect(page.get_by_text("Follow-up 1 of 1")).to_be_visible()
    assert answer_of(session).grade == 2


# 6. Concurrent grades -----------------------------------------------------------------------------


def test_a_double_click_on_a_grade_records_one_review(page: Page, live_server, user, two_questions):
    log_in(page, live_server, user)
    page.goto(live_server.url + two_questions.get_absolute_url())
    page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_role("button", name="Good").dblclick()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    first = Attempt.objects.get(session=two_questions, position=1)
    assert first.grade == 3
    assert ReviewLog.objects.filter(attempt=first).count() == 1


# 7. Login expired at Submit -----------------------------------------------------------------------


def test_an_expired_login_at_submit_keeps_the_box_and_submits_after_logging_in_again(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    context.clear_cookies(name="sessionid")
    page.get_by_label("Your answer").fill("typed, then the login expired")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator(STATUS)).to_contain_text("logged out")
    expect(page.get_by_label("Your answer")).to_have_value("typed, then the login expired")
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)  # no login form swapped in
    assert answer_of(session).state == AttemptState.ACTIVE

    other = context.new_page()
    log_in(other, live_server, user)
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible(
        timeout=20_000
    )
    attempt = answer_of(session)
    assert (attempt.answer, attempt.state) == (
        "typed, then the login expired",
        AttemptState.SUBMITTED,
    )
    context.close()


# 8. Refused submit (rotated CSRF token) -----------------------------------------------------------


def test_a_submit_refused_for_a_rotated_token_renews_it_and_goes_through(
    browser: Browser, live_server, user, session
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("before the token rotated")
    expect(page.locator(STATUS)).to_contain_text("Saved at")

    def log_in_elsewhere():  # logging in again rotates the CSRF token this page holds
        other = context.new_page()
        log_in(other, live_server, user)
        other.close()

    log_in_elsewhere()
    page.get_by_label("Your answer").fill("before the token rotated, and after")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    assert answer_of(session).answer == "before the token rotated, and after"
    log_in_elsewhere()
    forbidden = []
    page.on("response", lambda r: forbidden.append(r.url) if r.status == 403 else None)
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    assert any(url.endswith("/submit/") for url in forbidden)  # refused once, then renewed
    attempt = answer_of(session)
    assert (attempt.state, attempt.answer) == (
        AttemptState.SUBMITTED,
        "before the token rotated, and after",
    )
    context.close()


def test_a_submit_that_the_network_drops_is_retried_and_says_so(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("my answer")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    dropped = []

    def drop_once(route):
        if not dropped:
            dropped.append(True)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/submit/", drop_once)
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator(STATUS)).to_contain_text("Not submitted")
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible(
        timeout=15_000
    )
    assert answer_of(session).state == AttemptState.SUBMITTED


def test_a_grade_that_fails_says_why_and_changes_nothing(page: Page, live_server, user, session):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Submit answer").click()
    page.route("**/grade/", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Easy").click()
    expect(page.locator("[data-stage-error]")).to_contain_text("offline")
    assert answer_of(session).grade is None
    page.unroute("**/grade/")
    page.get_by_role("button", name="Easy").click()
    expect(page.get_by_text("Follow-up 1 of 1")).to_be_visible()
    assert answer_of(session).grade == 4


# 9. The clock is always visible and honest --------------------------------------------------------


def start_from_form(page: Page, live_server, mode_label: str) -> PracticeSession:
    page.goto(live_server.url + "/practice/")
    page.get_by_label("How many questions").fill("2")
    page.get_by_label("A time limit for the whole session", exact=True).check()
    page.get_by_role("spinbutton", name="Minutes").fill("10")
    page.get_by_label(re.compile(mode_label)).check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_label("Your answer")).to_be_visible()
    return PracticeSession.objects.latest("started_at")


def test_practice_mode_shows_the_session_clock_paused_while_grading(page: Page, live_server, user):
    make_question(), make_question()
    log_in(page, live_server, user)
    session = start_from_form(page, live_server, "Practice: the clock pauses")
    clock = page.locator("[data-countdown]")
    expect(clock).to_contain_text("Session time")
    page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    expect(clock).to_contain_text("Session time")
    expect(clock).to_contain_text("paused while you read and grade")
    session.refresh_from_db()
    assert session.paused_at is not None
    deadline_before = session.deadline
    time.sleep(1.5)
    page.get_by_role("button", name="Good").click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    session.refresh_from_db()
    assert session.paused_at is None and session.deadline > deadline_before
    # The answer box has the focus after the stage swap.
    expect(page.get_by_label("Your answer")).to_be_focused()


def test_interview_mode_keeps_the_session_clock_on_screen_and_running(
    page: Page, live_server, user
):
    make_question(), make_question()
    log_in(page, live_server, user)
    start_from_form(page, live_server, "Interview: the clock runs")
    page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Submit answer").click()
    clock = page.locator("[data-countdown]")
    expect(clock).to_contain_text("Session time")
    expect(clock).to_contain_text("keeps running")
    first = clock.locator("[data-countdown-display]").inner_text()
    time.sleep(1.3)
    assert clock.locator("[data-countdown-display]").inner_text() != first
    # Sticky: still on screen at the bottom of a long reveal stage.
    page.mouse.wheel(0, 5000)
    expect(clock).to_be_in_viewport()


def test_when_the_session_time_runs_out_the_summary_lists_what_was_not_reached(
    page: Page, live_server, user, settings
):
    settings.PRACTICE_GRACE_SECONDS = 1
    make_question(), make_question()
    log_in(page, live_server, user)
    session = start_from_form(page, live_server, "Interview: the clock runs")
    PracticeSession.objects.filter(pk=session.pk).update(
        deadline=timezone.now() + timedelta(seconds=3)
    )
    Attempt.objects.filter(session=session, state=AttemptState.ACTIVE).update(
        deadline=timezone.now() + timedelta(seconds=3)
    )
    page.reload()
    page.get_by_label("Your answer").fill("the only answer")
    expect(page).to_have_url(re.compile(r"/summary/$"), timeout=15_000)
    expect(page.get_by_role("heading", name="Not reached")).to_be_visible()
    states = list(session.attempts.order_by("position").values_list("state", "answer"))
    assert states == [(AttemptState.SUBMITTED, "the only answer"), (AttemptState.PENDING, "")]


# Undo ---------------------------------------------------------------------------------------------


def test_a_slipped_grade_is_undone_with_u(page: Page, live_server, user, two_questions):
    log_in(page, live_server, user)
    page.goto(live_server.url + two_questions.get_absolute_url())
    page.get_by_label("Your answer").fill("answer")
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_role("button", name="Again").click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    first = Attempt.objects.get(session=two_questions, position=1)
    assert SuggestionRecord.objects.filter(attempt=first, owner=user).exists()
    page.locator("body").click(position={"x": 5, "y": 5})
    time.sleep(1.1)
    page.keyboard.press("u")
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    first.refresh_from_db()
    assert (first.grade, first.state) == (None, AttemptState.SUBMITTED)
    assert not ReviewLog.objects.filter(attempt=first).exists()
    # The undone grade's key-point record goes with it (the progress page counts it no more)...
    assert not SuggestionRecord.objects.filter(attempt=first).exists()
    page.get_by_role("button", name="Hard").click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    first.refresh_from_db()
    assert first.grade == 2
    # ...and the regrade writes it again, the owner's.
    assert SuggestionRecord.objects.filter(attempt=first, owner=user).count() == 1


# What worked before, kept working ----------------------------------------------------------------


def test_a_slow_network_and_a_fast_burst_of_typing_lose_nothing(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())

    def slow(route):
        time.sleep(0.8)
        route.continue_()

    page.route("**/save/", slow)
    box = page.get_by_label("Your answer")
    box.click()
    text = "Regularisation trades a little bias for less variance. " * 6
    page.keyboard.type(text, delay=5)
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=20_000)
    wait_for(lambda: answer_of(session).answer == text)
    page.reload()
    expect(page.get_by_label("Your answer")).to_have_value(text)


def test_a_server_that_is_down_for_a_while_gets_the_text_when_it_is_back(
    page: Page, live_server, user, session
):
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    down_until = time.monotonic() + 3

    def restarting(route):
        if time.monotonic() < down_until:
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.route("**/save/", restarting)
    page.get_by_label("Your answer").fill("typed while the server restarted")
    expect(page.locator(STATUS)).to_contain_text("Not saved")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=20_000)
    assert answer_of(session).answer == "typed while the server restarted"
