"""The review page's tools: one open review at a time, the 30-day forecast, measured retention,
leeches suspended, resumed and reset."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from fsrs import State

from questions import reviewing, scheduling, services
from questions.models import PracticeSession, ReviewCard, ReviewLog
from questions.models.review import LEECH_LAPSES
from tests.factories import make_history, make_question, make_session, make_user
from tests.test_revisions import run_at_once

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def client_for(user, **kwargs) -> Client:
    """A logged-in client; enforce_csrf_checks=True for the CSRF test."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def card(user, *, due, question=None, **kwargs) -> ReviewCard:
    kwargs.setdefault("state", State.Review.value)
    kwargs.setdefault("stability", 5.0)
    kwargs.setdefault("difficulty", 5.0)
    kwargs.setdefault("last_review", due - timedelta(days=5))
    return ReviewCard.objects.create(
        owner=user, question=question or make_question(), due=due, **kwargs
    )


# One open review ------------------------------------------------------------------------------


def test_starting_a_review_while_one_is_open_resumes_it():
    user = make_user()
    for _ in range(3):
        card(user, due=T0 - timedelta(hours=1))
    client = client_for(user)
    with time_machine.travel(T0, tick=False):
        first = client.post("/review/start/")
        second = client.post("/review/start/", follow=True)
    sessions = PracticeSession.objects.filter(owner=user, source="review")
    assert sessions.count() == 1
    assert first["Location"] == sessions.get().get_absolute_url()
    assert second.redirect_chain[0][0] == sessions.get().get_absolute_url()
    assert "You already had a review open" in second.content.decode()


def test_a_finished_review_does_not_block_the_next_one():
    user = make_user()
    card(user, due=T0 - timedelta(hours=1))
    first, resumed = reviewing.start_or_resume_review(user=user, now=T0)
    assert not resumed
    services.finish_session(session=first, now=T0)
    card(user, due=T0 - timedelta(hours=1))
    second, resumed = reviewing.start_or_resume_review(user=user, now=T0 + timedelta(minutes=1))
    assert not resumed and second.pk != first.pk


def test_an_open_review_past_its_time_is_closed_not_resumed():
    user = make_user()
    card(user, due=T0 - timedelta(hours=1))
    stale, _ = reviewing.start_or_resume_review(user=user, now=T0)
    later = T0 + timedelta(days=2)
    fresh, resumed = reviewing.start_or_resume_review(user=user, now=later)
    stale.refresh_from_db()
    assert stale.status == "expired"
    assert not resumed and fresh is not None and fresh.pk != stale.pk


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_start_creates_one_review():
    user = make_user()
    for _ in range(3):
        card(user, due=T0 - timedelta(hours=1))

    def start(_i):
        return reviewing.start_or_resume_review(user=user, now=T0)

    results = run_at_once(4, start)
    assert len({session.pk for session, _ in results}) == 1
    assert sorted(resumed for _, resumed in results) == [False, True, True, True]
    assert PracticeSession.objects.filter(owner=user, source="review").count() == 1


# Forecast and retention -----------------------------------------------------------------------


def test_forecast_counts_each_day_and_puts_overdue_on_today():
    user = make_user()
    card(user, due=T0 - timedelta(days=3))  # overdue: today
    card(user, due=T0 + timedelta(hours=2))  # today
    card(user, due=T0 + timedelta(days=1))
    card(user, due=T0 + timedelta(days=1, hours=1))
    card(user, due=T0 + timedelta(days=29))
    card(user, due=T0 + timedelta(days=31))  # beyond the window
    card(user, due=T0 + timedelta(days=2), suspended=True)
    card(make_user(), due=T0)  # someone else's
    forecast = reviewing.due_forecast(user, T0)
    assert len(forecast) == 30
    assert forecast[0].day == T0.date()
    counts = [day.count for day in forecast]
    assert counts[0] == 2 and counts[1] == 2 and counts[29] == 1 and sum(counts) == 5


def test_forecast_days_follow_the_viewers_time_zone(settings):
    user = make_user()
    card(user, due=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))  # 3 Nov in Berlin
    with time_machine.travel(T0, tick=False):
        client = client_for(user)
        client.post("/account/settings/", {"time_zone": "Europe/Berlin", "clock_format": "24h"})
        page = client.get("/review/").content.decode()
    table = page[page.index('class="forecast-table"') :]
    rows = re.findall(r'<th scope="row">(\w+ \d+ \w+)</th><td>(\d+)</td>', table)
    assert rows[0] == ("Mon 2 Nov", "0") and rows[1] == ("Tue 3 Nov", "1")


def test_measured_retention_is_the_share_of_due_reviews_passed():
    user = make_user()
    question = make_question()
    the_card = card(user, due=T0, question=question)
    learning = {"state": State.Learning.value}
    review = {"state": State.Review.value}
    for rating, before, days_ago in [
        (3, review, 1),
        (2, review, 2),
        (1, review, 3),
        (4, review, 4),
        (1, learning, 1),  # learning steps are not due reviews
        (1, review, 40),  # older than the window
    ]:
        ReviewLog.objects.create(
            card=the_card,
            rating=rating,
            reviewed_at=T0 - timedelta(days=days_ago),
            card_before=before,
        )
    retention = reviewing.measured_retention(user, T0)
    assert (retention.passed, retention.due_reviews) == (3, 4)
    with time_machine.travel(T0, tick=False):
        page = client_for(user).get("/review/").content.decode()
    assert "75%" in page and "3 of 4 due reviews passed" in page
    assert "Desired" in page and "90%" in page


def test_review_page_draws_the_forecast_as_svg_with_a_table():
    user = make_user()
    card(user, due=T0 + timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        page = client_for(user).get("/review/").content.decode()
    assert '<svg class="chart"' in page and 'aria-labelledby="forecast-chart-title' in page
    assert "<title>3 Nov: 1</title>" in page
    assert '<th scope="row">Tue 3 Nov</th><td>1</td>' in page


# Leeches --------------------------------------------------------------------------------------


def leech(user, **kwargs) -> ReviewCard:
    return card(user, due=T0 - timedelta(hours=1), lapses=LEECH_LAPSES, leech=True, **kwargs)


def test_a_suspended_leech_stops_coming_back_and_can_be_resumed():
    user = make_user()
    bad = leech(user)
    client = client_for(user)
    with time_machine.travel(T0, tick=False):
        assert "Suspend" in client.get("/review/").content.decode()
        response = client.post(f"/review/cards/{bad.pk}/suspend/", {"action": "suspend"})
        assert response.status_code == 302
        bad.refresh_from_db()
        assert bad.suspended
        assert scheduling.due_today(user, T0) == (0, 0)
        assert reviewing.start_or_resume_review(user=user, now=T0) == (None, False)
        page = client.get("/review/").content.decode()
        assert "Suspended" in page and "Resume" in page
        client.post(f"/review/cards/{bad.pk}/suspend/", {"action": "resume"})
    bad.refresh_from_db()
    assert not bad.suspended
    assert scheduling.due_today(user, T0) == (1, 1)


def test_resetting_a_leech_makes_it_new_again_and_keeps_the_answers():
    user = make_user()
    question = make_question()
    session = make_session(user, questions=[question], now=T0, with_follow_ups=False)
    attempt = session.attempts.get(state="active")
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=1, ticked=[], now=T0)
    ReviewCard.objects.filter(owner=user).update(lapses=LEECH_LAPSES, leech=True, suspended=True)
    bad = ReviewCard.objects.get(owner=user)
    with time_machine.travel(T0, tick=False):
        response = client_for(user).post(f"/review/cards/{bad.pk}/reset/", follow=True)
    assert "is new again" in response.content.decode()
    assert not ReviewCard.objects.filter(owner=user).exists()
    assert not ReviewLog.objects.filter(card_id=bad.pk).exists()
    attempt.refresh_from_db()
    assert attempt.grade == 1  # the answer and its grade stay in the history
    # Abandoning nothing brings it back; grading it again starts a fresh card.
    again = make_session(user, questions=[question], now=T0, with_follow_ups=False)
    first = again.attempts.get(state="active")
    services.submit_attempt(session=again, attempt_id=first.pk, now=T0, text="y", base=0)
    services.grade_attempt(session=again, attempt_id=first.pk, grade=3, ticked=[], now=T0)
    fresh = ReviewCard.objects.get(owner=user)
    assert (fresh.reps, fresh.lapses, fresh.leech, fresh.suspended) == (1, 0, False, False)


def test_leech_actions_are_404_for_another_user_and_change_nothing():
    owner, outsider = make_user(), make_user()
    bad = leech(owner)
    before = ReviewCard.objects.filter(pk=bad.pk).values().get()
    client = client_for(outsider)
    assert client.post(f"/review/cards/{bad.pk}/suspend/").status_code == 404
    assert client.post(f"/review/cards/{bad.pk}/reset/").status_code == 404
    assert ReviewCard.objects.filter(pk=bad.pk).values().get() == before


def test_leech_actions_need_the_csrf_token_and_post():
    user = make_user()
    bad = leech(user)
    strict = client_for(user, enforce_csrf_checks=True)
    assert strict.post(f"/review/cards/{bad.pk}/suspend/").status_code == 403
    assert strict.get(f"/review/cards/{bad.pk}/suspend/").status_code == 405
    bad.refresh_from_db()
    assert not bad.suspended


# Query counts ---------------------------------------------------------------------------------


def test_review_page_queries_stay_bounded_with_10000_attempts_and_many_cards(
    django_assert_max_num_queries,
):
    user = make_user()
    make_history(user, attempts=10_000, end=T0)
    for i in range(60):
        c = card(user, due=T0 + timedelta(hours=7 * i - 40), lapses=LEECH_LAPSES, leech=i % 3 == 0)
        ReviewLog.objects.create(
            card=c, rating=1 + i % 4, reviewed_at=T0 - timedelta(days=1), card_before={"state": 2}
        )
    session = make_session(user, now=T0)
    assert session
    client = client_for(user)
    with time_machine.travel(T0, tick=False), django_assert_max_num_queries(13):
        response = client.get("/review/")
    assert response.status_code == 200
    assert response.content.decode().count("leech-actions") == 20
