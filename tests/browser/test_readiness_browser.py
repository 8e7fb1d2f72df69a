"""In a browser: grade buttons with their intervals (with and without JavaScript), undo with `u`
in a review session, and the interview plan page (errors, double submit, expired login, axe)."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from questions import services
from questions.models import InterviewPlan, PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import AttemptState
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import PASSWORD, make_question, make_session, make_topic, make_user


@pytest.fixture
def user():
    return make_user()


def grade_once(user, question, grade, now):
    session = make_session(user, questions=[question], now=now, with_follow_ups=False)
    attempt = session.attempts.get(state=AttemptState.ACTIVE)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=now)


def raw_rows(user) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM questions_reviewcard c WHERE owner_id = %s "
            "ORDER BY id",
            [user.pk],
        )
        cards = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT row_to_json(l)::text FROM questions_reviewlog l JOIN questions_reviewcard c "
            "ON c.id = l.card_id WHERE c.owner_id = %s ORDER BY l.id",
            [user.pk],
        )
        return cards + [row[0] for row in cursor.fetchall()]


# Grade buttons with intervals ---------------------------------------------------------------------


def test_grade_buttons_show_the_interval_that_grading_then_sets(page: Page, live_server, user):
    session = make_session(user, questions=[make_question(), make_question()], follow_ups=0)
    log_in(page, live_server, user)
    page.goto(live_server.url + session.get_absolute_url())
    page.get_by_label("Your answer").fill("an answer")
    page.get_by_role("button", name="Submit answer").click()
    good = page.get_by_role("button", name=re.compile("Good"))
    expect(good).to_have_text(re.compile(r"Good · 10 min"))  # a new card's first learning step
    expect(page.get_by_role("button", name=re.compile("Again"))).to_have_text(
        re.compile(r"Again · 1 min")
    )
    assert_accessible(page)
    good.click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    first = session.attempts.get(position=1)
    log = ReviewLog.objects.get(attempt=first)
    assert log.card.due - log.reviewed_at == timedelta(minutes=10)


def test_grade_intervals_show_without_javascript(browser: Browser, live_server, user):
    question = make_question()
    grade_once(user, question, 3, timezone.now() - timedelta(days=3))
    ReviewCard.objects.filter(owner=user).update(due=timezone.now() - timedelta(minutes=1))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + "/review/")
    page.get_by_role("button", name="Start a review session").click()
    page.get_by_label("Your answer").fill("recalled")
    page.get_by_role("button", name="Submit answer").click()
    for label in ("Again", "Hard", "Good", "Easy"):
        expect(page.get_by_role("button", name=re.compile(label))).to_have_text(
            re.compile(rf"{label} · \d+(\.\d)? (min|h|days?|months?|years?)")
        )
    context.close()


# Undo with u in a review session ------------------------------------------------------------------


def test_undo_with_u_in_a_review_session_restores_the_card(page: Page, live_server, user):
    past = timezone.now() - timedelta(days=5)
    for question in (make_question(), make_question()):
        grade_once(user, question, 3, past)
    ReviewCard.objects.filter(owner=user).update(due=timezone.now() - timedelta(minutes=1))
    before = raw_rows(user)
    log_in(page, live_server, user)
    page.goto(live_server.url + "/review/")
    page.get_by_role("button", name="Start a review session").click()
    page.get_by_label("Your answer").fill("recalled")
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_role("button", name=re.compile("Easy")).click()
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    assert raw_rows(user) != before
    page.locator("body").click(position={"x": 5, "y": 5})
    time.sleep(1.1)  # the page ignores grade keys for a moment after typing
    page.keyboard.press("u")
    expect(page.get_by_role("heading", name=re.compile("the model answer"))).to_be_visible()
    assert raw_rows(user) == before
    session = PracticeSession.objects.get(owner=user, source="review")
    assert session.attempts.get(position=1).state == AttemptState.SUBMITTED


# The plan page ------------------------------------------------------------------------------------


def test_the_plan_page_from_no_history_to_todays_session(page: Page, live_server, user):
    topic = make_topic(name="Statistics", slug="statistics")
    make_question(topic=topic, seconds=120, title="Explain the p-value")
    make_question(topic=topic, seconds=120, title="Explain confidence intervals")
    log_in(page, live_server, user)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Plan for an interview").click()
    expect(page.get_by_role("heading", name="Your interview plan")).to_be_visible()
    assert_accessible(page)

    # Bad values: each field says what is wrong, and nothing is saved.
    page.get_by_label("Interview date").fill("1 Jan 2020")
    page.get_by_label("Minutes a day").fill("0")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("That day has passed").first).to_be_visible()
    expect(page.get_by_text("Give at least 1 minute a day.").first).to_be_visible()
    assert_accessible(page)
    assert not InterviewPlan.objects.filter(user=user).exists()

    # A double click saves one plan.
    day = timezone.localdate() + timedelta(days=20)
    page.get_by_label("Interview date").fill(f"{day.day} {day:%b %Y}")
    page.get_by_label("Minutes a day").fill("5")
    page.get_by_label("Statistics").check()
    page.get_by_role("button", name="Save the plan").dblclick()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    assert InterviewPlan.objects.filter(user=user).count() == 1
    expect(page.get_by_role("cell", name="Not yet practised")).to_be_visible()
    expect(page.get_by_text("not a promise")).to_be_visible()
    assert_accessible(page)

    # Today's plan from the dashboard starts the session.
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Today's plan").click()
    expect(page.get_by_text("Question 1 of 1")).to_be_visible()
    session = PracticeSession.objects.get(owner=user)
    assert session.source == "plan"


def test_an_expired_login_on_the_plan_form_saves_nothing(page: Page, live_server, user):
    log_in(page, live_server, user)
    page.goto(live_server.url + "/plan/")
    day = timezone.localdate() + timedelta(days=10)
    page.get_by_label("Interview date").fill(f"{day.day} {day:%b %Y}")
    page.get_by_label("Minutes a day").fill("20")
    page.context.clear_cookies(name="sessionid")  # the login expires while the form is open
    page.get_by_role("button", name="Save the plan").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/plan/"))
    assert not InterviewPlan.objects.filter(user=user).exists()
    # Logging in again comes back to the plan form, which then saves.
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your interview plan")).to_be_visible()
    page.get_by_label("Interview date").fill(f"{day.day} {day:%b %Y}")
    page.get_by_label("Minutes a day").fill("20")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    assert InterviewPlan.objects.get(user=user).minutes_per_day == 20


def test_a_dropped_plan_response_leaves_one_plan_after_the_retry(page: Page, live_server, user):
    log_in(page, live_server, user)
    page.goto(live_server.url + "/plan/")
    day = timezone.localdate() + timedelta(days=10)
    page.get_by_label("Interview date").fill(f"{day.day} {day:%b %Y}")
    page.get_by_label("Minutes a day").fill("20")

    def drop_after_sending(route):
        route.fetch()  # the server gets and saves it; the browser never sees the answer
        route.abort("connectionreset")

    page.route("**/plan/", drop_after_sending)
    page.get_by_role("button", name="Save the plan").click()
    deadline = time.monotonic() + 10
    while not InterviewPlan.objects.filter(user=user).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    page.unroute("**/plan/")
    # The candidate reloads: the plan they sent is there, and saving again replaces it.
    page.goto(live_server.url + "/plan/")
    expect(page.get_by_role("heading", name="Change the plan")).to_be_visible()
    expect(page.get_by_label("Minutes a day")).to_have_value("20")
    page.get_by_label("Minutes a day").fill("25")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Plan saved.")).to_be_visible()
    plans = list(InterviewPlan.objects.filter(user=user).values_list("minutes_per_day", flat=True))
    assert plans == [25]
