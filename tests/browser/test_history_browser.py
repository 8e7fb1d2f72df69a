"""A candidate's record in a real browser: charts, the review session from the dashboard, axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from questions import services
from questions.models import PracticeSession, ReviewCard
from questions.models.practice import AttemptState
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import make_question, make_session, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def graded_sessions(user, days: int) -> None:
    questions = [make_question(title=f"Question {i}") for i in range(3)]
    now = timezone.now()
    for day in range(days, 0, -1):
        at = now - timedelta(days=day)
        session = make_session(user, questions=questions, now=at, with_follow_ups=False)
        for attempt in session.attempts.order_by("position"):
            at += timedelta(minutes=2)
            services.submit_attempt(
                session=session, attempt_id=attempt.pk, now=at, text="x", base=0
            )
            services.grade_attempt(
                session=session, attempt_id=attempt.pk, grade=1 + day % 4, ticked=[0], now=at
            )


def test_a_candidate_sees_charts_and_does_a_review_session_from_the_dashboard(
    page: Page, live_server
):
    user = make_user()
    graded_sessions(user, days=4)
    ReviewCard.objects.filter(owner=user).update(due=timezone.now() - timedelta(hours=1))
    log_in(page, live_server, user)

    expect(page.get_by_role("heading", name=re.compile("Welcome back"))).to_be_visible()
    expect(page.get_by_text("Due for review")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert page.locator("svg[role=img] title").count() >= 3
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="InterviewPrep").click()
    page.get_by_role("button", name="Start a review session").click()
    expect(page.get_by_text(re.compile(r"Question 1 of 3"))).to_be_visible()
    session = PracticeSession.objects.get(owner=user, source="review")
    for number in range(1, 4):
        expect(page.get_by_text(f"Question {number} of 3")).to_be_visible()
        page.get_by_role("textbox", name="Your answer").fill("Recalled it this time.")
        page.get_by_role("button", name="Submit answer").click()
        page.get_by_role("button", name="Good").click()
    expect(page).to_have_url(re.compile(r"/summary/$"))
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.FINISHED
    assert not session.attempts.exclude(state=AttemptState.GRADED).exists()
    assert not ReviewCard.objects.filter(owner=user, due__lte=timezone.now()).exists()

    page.goto(live_server.url + "/review/")
    expect(page.get_by_text("Nothing is due")).to_be_visible()
    assert_accessible(page)
