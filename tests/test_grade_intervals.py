"""The grade buttons say when a question comes back, and that is when grading sends it back;
undo returns the card and its log byte for byte, in mock interviews and review sessions alike."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from questions import intervals, scheduling, services
from questions.intervals import format_interval
from questions.models import ReviewCard, ReviewSettings
from questions.models.practice import AttemptState
from tests.factories import client_for, make_question, make_session, make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def active(session):
    return session.attempts.get(state=AttemptState.ACTIVE)


def grade_once(user, question, grade, now):
    session = make_session(user, questions=[question], now=now, with_follow_ups=False)
    attempt = active(session)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=now)


def shown_intervals(html: str) -> dict[str, str]:
    """{"Again": "10 min", ...} as the reveal stage's buttons print them."""
    found = re.findall(
        r'data-grade="\d"[^>]*><kbd>\d</kbd> (\w+) <span class="grade-interval" '
        r"data-interval>· ([^<]+)</span>",
        html,
    )
    return dict(found)


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=10), "10 min"),
        (timedelta(hours=5, minutes=10), "5 h"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=3, hours=2), "3 days"),
        (timedelta(days=75), "2.5 months"),
        (timedelta(days=500), "1.4 years"),
    ],
)
def test_intervals_are_written_the_way_anki_writes_them(gap, text):
    assert format_interval(gap) == text


@pytest.mark.parametrize("history", [[], [3], [3, 1], [4, 3, 3]])
def test_each_button_shows_the_interval_that_grading_with_it_sets(history):
    """For a new card, a learning card, a relearning card and a review card: the interval on each
    button is the scheduler's own result for that grade at that moment."""
    question = make_question(seconds=120)
    now = T0
    user = make_user()
    ReviewSettings.objects.create(user=user, daily_limit=20, desired_retention=0.85)
    for grade in history:
        grade_once(user, question, grade, now)
        now = ReviewCard.objects.get(owner=user).due + timedelta(hours=1)
    for grade in (1, 2, 3, 4):
        session = make_session(user, questions=[question], now=now, with_follow_ups=False)
        attempt = active(session)
        services.submit_attempt(session=session, attempt_id=attempt.pk, now=now)
        with time_machine.travel(now, tick=False):
            page = client_for(user).get(session.get_absolute_url()).content.decode()
        shown = shown_intervals(page)
        assert list(shown) == ["Again", "Hard", "Good", "Easy"]
        services.grade_attempt(
            session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=now
        )
        card = ReviewCard.objects.get(owner=user)
        label = ["Again", "Hard", "Good", "Easy"][grade - 1]
        assert shown[label] == format_interval(card.due - now)
        scheduling.undo_review(attempt=attempt)  # the next grade starts from the same card


def test_the_intervals_follow_the_candidates_desired_retention():
    question = make_question()
    cautious, relaxed = make_user(), make_user()
    ReviewSettings.objects.create(user=cautious, daily_limit=20, desired_retention=0.97)
    ReviewSettings.objects.create(user=relaxed, daily_limit=20, desired_retention=0.7)
    for user in (cautious, relaxed):
        grade_once(user, question, 3, T0)
    later = T0 + timedelta(days=5)
    session = make_session(cautious, questions=[question], now=later, with_follow_ups=False)
    attempt = active(session)
    a = intervals.next_due_by_grade(owner_id=cautious.pk, attempt=attempt, now=later)
    b = intervals.next_due_by_grade(owner_id=relaxed.pk, attempt=attempt, now=later)
    assert a[3] < b[3]


def test_review_sessions_show_intervals_too_and_without_javascript():
    user, question = make_user(), make_question()
    grade_once(user, question, 3, T0)
    now = ReviewCard.objects.get(owner=user).due + timedelta(minutes=1)
    session = services.start_review(user=user, now=now)
    attempt = active(session)
    client = client_for(user)
    with time_machine.travel(now, tick=False):
        # A plain form post (no JavaScript): redirect, then the page with the buttons.
        response = client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/submit/", {"answer": "x", "base": 0}
        )
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    expected = intervals.next_due_by_grade(owner_id=user.pk, attempt=attempt, now=now)
    assert shown_intervals(page) == {
        label: format_interval(expected[value] - now)
        for value, label in zip((1, 2, 3, 4), ("Again", "Hard", "Good", "Easy"), strict=True)
    }


def test_htmx_reveal_stage_carries_the_intervals():
    user = make_user()
    session = make_session(user, questions=[make_question()], now=T0, with_follow_ups=False)
    attempt = active(session)
    with time_machine.travel(T0, tick=False):
        response = client_for(user).post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/submit/",
            {"answer": "x", "base": 0},
            HTTP_HX_REQUEST="true",
        )
    html = response.content.decode()
    assert "<html" not in html
    assert set(shown_intervals(html)) == {"Again", "Hard", "Good", "Easy"}


# Undo in review sessions, byte for byte ----------------------------------------------------------


def raw_rows(user) -> list[str]:
    """The card and log rows exactly as PostgreSQL holds them, as text."""
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


def test_undo_in_a_review_session_returns_card_and_log_byte_for_byte():
    user = make_user()
    first, second = make_question(), make_question()
    for question in (first, second):
        grade_once(user, question, 3, T0)
        grade_once(user, question, 1, T0 + timedelta(minutes=1))  # a lapse: leech state, lapses
    now = T0 + timedelta(days=3)
    session = services.start_review(user=user, now=now)
    assert session.source == "review"
    before = raw_rows(user)
    attempt = active(session)
    client = client_for(user)
    with time_machine.travel(now, tick=False):
        client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/submit/", {"answer": "x", "base": 0}
        )
        client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 4})
        assert raw_rows(user) != before
        page = client.get(session.get_absolute_url()).content.decode()
        assert "Undo the last grade" in page
        response = client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/undo/")
    assert response.status_code == 302
    assert raw_rows(user) == before
    attempt.refresh_from_db()
    assert (attempt.state, attempt.grade, attempt.graded_at) == (AttemptState.SUBMITTED, None, None)


def test_after_the_next_review_is_answered_undo_says_why_it_cannot():
    user = make_user()
    for question in (make_question(), make_question(), make_question()):
        grade_once(user, question, 3, T0)
    now = T0 + timedelta(days=3)
    session = services.start_review(user=user, now=now)
    client = client_for(user)
    first = active(session)
    with time_machine.travel(now, tick=False):
        client.post(
            f"/practice/{session.pk}/attempts/{first.pk}/submit/", {"answer": "x", "base": 0}
        )
        client.post(f"/practice/{session.pk}/attempts/{first.pk}/grade/", {"grade": 3})
        second = active(session)
        client.post(
            f"/practice/{session.pk}/attempts/{second.pk}/submit/", {"answer": "y", "base": 0}
        )
        after_answer = raw_rows(user)
        response = client.post(
            f"/practice/{session.pk}/attempts/{first.pk}/undo/", HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 409
        assert "can no longer be undone" in response.content.decode()
        # Without JavaScript: the reason comes back as a message on the session page.
        response = client.post(f"/practice/{session.pk}/attempts/{first.pk}/undo/", follow=True)
        assert "can no longer be undone" in response.content.decode()
    assert raw_rows(user) == after_answer
    first.refresh_from_db()
    assert first.grade == 3
