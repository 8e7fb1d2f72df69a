"""The candidate's private record: dashboard, history, progress, review, export and deletion."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from questions import services
from questions.models import (
    Attempt,
    PracticeSession,
    ReviewCard,
    ReviewSettings,
    SuggestionRecord,
)
from questions.models.practice import AttemptState
from questions.models.review import LEECH_LAPSES
from tests.factories import make_history, make_question, make_session, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def graded_session(user, grade=3, now=NOW, question=None, follow_ups=False):
    session = make_session(
        user, questions=[question or make_question()], now=now, with_follow_ups=follow_ups
    )
    attempt = session.attempts.get(state=AttemptState.ACTIVE)
    services.submit_attempt(
        session=session, attempt_id=attempt.pk, now=now, text="my answer", base=0
    )
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=grade, ticked=[0], now=now)
    return session


def get(client, url, **kw):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        return client.get(url, **kw)


# Dashboard ------------------------------------------------------------------------------------


def test_anonymous_home_is_the_product_page(client):
    assert "Create a free account" in client.get("/").content.decode()


def test_dashboard_shows_due_items_streak_recent_sessions_and_weak_topics(client_for, user):
    for days_ago in range(3):
        graded_session(user, grade=1, now=NOW - timedelta(days=days_ago))
    body = get(client_for, "/").content.decode()
    assert "Welcome back" in body
    assert "Due for review" in body and "Start a review session" in body
    assert "3 days" in body  # streak
    assert "Mock interview" in body
    assert "Hard means you recalled it with effort, not that you forgot" in body


def test_dashboard_lists_leeches(client_for, user):
    question = make_question(title="The stubborn one")
    graded_session(user, question=question, grade=1)
    ReviewCard.objects.filter(owner=user).update(lapses=LEECH_LAPSES, leech=True)
    assert "The stubborn one" in get(client_for, "/").content.decode()


# History --------------------------------------------------------------------------------------


def test_history_lists_only_my_sessions_newest_first(client_for, user):
    graded_session(user, now=NOW - timedelta(days=2))
    PracticeSession.objects.filter(owner=user).update(title="Older one")
    graded_session(user, now=NOW - timedelta(days=1))
    other = make_user()
    graded_session(other)
    PracticeSession.objects.filter(owner=other).update(title="Not mine")
    body = get(client_for, "/history/").content.decode()
    assert "Not mine" not in body
    assert body.index("Mock interview") < body.index("Older one")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?page=abc", "is not a page number"),
        ("?page=999", "There is no page 999"),
        ("?page=-3", "There is no page -3; showing the first page."),
        ("?start=2026-11-10&end=2026-11-01", "To: This date is before the From date"),
        ("?level=wizard", "Level: Choose a level from the list."),
        ("?topic=Astrology", "Topic: Choose a topic from the list."),
        ("?start=yesterday", "From: Enter a date like 1 Dec 2026."),
    ],
)
def test_bad_history_input_still_renders_with_a_clear_message(client_for, user, query, message):
    graded_session(user)
    response = get(client_for, "/history/" + query)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_history_filters_by_topic_level_and_dates(client_for, user):
    old = graded_session(user, now=NOW - timedelta(days=30))
    recent = graded_session(user, now=NOW - timedelta(days=1))
    topic = old.attempts.first().topic_name
    Attempt.objects.filter(session=recent).update(topic_name="Deep learning", level="experienced")
    PracticeSession.objects.filter(pk=old.pk).update(title="The old one")
    body = get(
        client_for, "/history/?start=" + (NOW - timedelta(days=7)).date().isoformat()
    ).content.decode()
    assert "The old one" not in body
    body = get(client_for, f"/history/?topic={topic}").content.decode()
    assert "The old one" not in body or "1 session" in body


def test_question_history_shows_my_attempts_over_time(client_for, user):
    question = make_question(title="Bias and variance")
    graded_session(user, question=question, grade=1, now=NOW - timedelta(days=3))
    graded_session(user, question=question, grade=3, now=NOW - timedelta(days=1))
    body = get(client_for, f"/history/questions/{question.pk}/").content.decode()
    assert "2 attempts" in body
    assert "<svg" in body and '<title id="grades-title">' in body
    assert "my answer" in body


def test_question_history_of_another_users_question_is_404(client_for, user):
    question = make_question()
    graded_session(make_user(), question=question)
    assert get(client_for, f"/history/questions/{question.pk}/").status_code == 404


def test_session_review_of_another_user_is_404(client_for):
    session = graded_session(make_user())
    assert get(client_for, f"/practice/{session.pk}/summary/").status_code == 404


def test_abandoned_and_late_answers_count_and_are_marked(client_for, user):
    session = make_session(
        user, questions=[make_question()], now=NOW - timedelta(days=2), clock="session", minutes=5
    )
    attempt = session.attempts.get(state=AttemptState.ACTIVE)
    services.save_answer(
        session_id=session.pk,
        attempt_id=attempt.pk,
        owner_id=user.pk,
        text="kept",
        base=0,
        writer="tab",
        now=NOW - timedelta(days=2),
    )
    body = get(client_for, "/history/").content.decode()
    assert "Closed when its time ran out" in body
    assert "timed out" in body


# Progress -------------------------------------------------------------------------------------


def test_progress_page_draws_accessible_charts_with_tables(client_for, user):
    for days_ago in (1, 8, 15):
        graded_session(user, grade=3, now=NOW - timedelta(days=days_ago))
    body = get(client_for, "/progress/").content.decode()
    assert body.count('role="img"') >= 3
    assert '<title id="activity-title">' in body and '<desc id="activity-desc">' in body
    assert "The same as a table" in body
    assert "style=" not in body  # the CSP allows no inline style


def test_progress_page_with_no_data_explains_itself(client_for):
    body = get(client_for, "/progress/").content.decode()
    assert "No graded answers in the last 12 weeks." in body


# Review ---------------------------------------------------------------------------------------


def test_review_start_begins_a_session_of_due_items(client_for, user):
    graded_session(user, grade=1, now=NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        response = client_for.post("/review/start/")
    session = PracticeSession.objects.get(owner=user, source="review")
    assert response["Location"] == session.get_absolute_url()


def test_review_start_with_nothing_due_says_so(client_for):
    with time_machine.travel(NOW, tick=False):
        response = client_for.post("/review/start/", follow=True)
    assert "Nothing is due for review now" in response.content.decode()


def test_review_settings_are_validated_and_saved(client_for, user):
    with time_machine.travel(NOW, tick=False):
        bad = client_for.post("/review/", {"daily_limit": 0, "desired_retention": 1.5})
        assert bad.status_code == 422
        assert "Ensure this value is greater than or equal to 1." in bad.content.decode()
        client_for.post("/review/", {"daily_limit": 5, "desired_retention": 0.85})
    settings = ReviewSettings.objects.get(user=user)
    assert (settings.daily_limit, settings.desired_retention) == (5, 0.85)


def test_review_start_is_post_only(client_for):
    assert client_for.get("/review/start/").status_code == 405


# Your data ------------------------------------------------------------------------------------


def test_csv_export_holds_my_attempts_only(client_for, user, caplog):
    graded_session(user)
    graded_session(make_user())
    response = get(client_for, "/account/data/history.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1 and rows[0]["answer"] == "my answer" and rows[0]["grade"] == "Good"
    assert "exported their history as CSV" in caplog.text


def test_json_export_holds_attempts_cards_and_settings(client_for, user):
    graded_session(user)
    data = json.loads(get(client_for, "/account/data/history.json").content)
    assert data["user"]["username"] == user.username
    assert len(data["attempts"]) == 1 and len(data["review_cards"]) == 1
    assert data["key_point_suggestions"] == []  # graded without the suggestions' service


def test_json_export_holds_my_key_point_suggestion_records_only(client_for, user):
    mine, theirs = graded_session(user), graded_session(make_user())
    for session in (mine, theirs):
        attempt = session.attempts.get()
        SuggestionRecord.objects.create(
            attempt=attempt,
            owner=session.owner,
            method="bm25",
            suggested=[0, 2],
            quotes=["First sentence.", "Second."],
            ticked=[0],
            key_point_count=3,
            suggested_count=2,
            suggested_ticked=1,
            recorded_at=NOW,
        )
    data = json.loads(get(client_for, "/account/data/history.json").content)
    [record] = data["key_point_suggestions"]
    attempt = mine.attempts.get()
    assert record == {
        "method": "bm25",
        "suggested": [0, 2],
        "quotes": ["First sentence.", "Second."],
        "ticked": [0],
        "recorded_at": NOW.isoformat().replace("+00:00", "Z"),
        "session_id": mine.pk,
        "position": attempt.position,
        "follow_up": attempt.sub,
        "question": attempt.title,
    }


def test_deleting_the_account_needs_the_phrase(client_for, user):
    response = client_for.post("/account/data/", {"confirm": "yes"})
    assert response.status_code == 422
    assert "Type exactly “delete my account”" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_deleting_the_account_removes_all_my_data_and_logs_out(client_for, user, caplog):
    graded_session(user)
    other_session = graded_session(make_user())
    response = client_for.post("/account/data/", {"confirm": "Delete my account"}, follow=True)
    assert "Your account and all your data were deleted." in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not PracticeSession.objects.filter(owner_id=user.pk).exists()
    assert not ReviewCard.objects.filter(owner_id=user.pk).exists()
    assert PracticeSession.objects.filter(pk=other_session.pk).exists()
    assert not response.wsgi_request.user.is_authenticated
    assert "deleted their account" in caplog.text


def _sessions_of(user_id: int) -> list[str]:
    """Keys of stored login sessions that belong to a user, whatever the session engine."""
    from importlib import import_module

    from django.conf import settings

    model = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()
    return [
        s.session_key
        for s in model.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(user_id)
    ]


def test_deleting_the_account_removes_its_logins_elsewhere_and_its_login_records():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from tests.factories import PASSWORD, make_kit

    user = make_user(username="leaving")
    make_kit(user)
    laptop, phone, stranger = Client(), Client(), Client()
    stranger.post("/accounts/login/", {"username": "leaving", "password": "wrong"})
    for browser in (laptop, phone):
        browser.post("/accounts/login/", {"username": "leaving", "password": PASSWORD})
    keeper = make_user(username="staying")
    other_browser = Client()
    other_browser.post("/accounts/login/", {"username": "staying", "password": PASSWORD})
    assert len(_sessions_of(user.pk)) == 2
    assert AccessLog.objects.filter(username="leaving").exists()

    laptop.post("/account/data/", {"confirm": "delete my account"})

    assert _sessions_of(user.pk) == []
    assert not phone.get("/history/").wsgi_request.user.is_authenticated
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert not model.objects.filter(username="leaving").exists(), model.__name__
    assert len(_sessions_of(keeper.pk)) == 1
    assert AccessLog.objects.filter(username="staying").exists()


@pytest.mark.parametrize(
    "url",
    ["/history/", "/progress/", "/review/", "/account/data/", "/account/data/history.csv",
     "/account/data/history.json", "/history/questions/1/"],
)  # fmt: skip
def test_anonymous_users_are_sent_to_log_in(client, url):
    assert client.get(url)["Location"].startswith("/accounts/login/")


# Query counts with a heavy user ---------------------------------------------------------------


QUERY_LIMITS = [
    ("/", 10),
    ("/history/", 8),
    ("/history/?page=3&level=beginner", 8),
    ("/progress/", 4),
    ("/review/", 13),
]


def test_pages_run_a_bounded_number_of_queries_with_10000_attempts(
    user, django_assert_max_num_queries
):
    # One heavy history for every page (building it is most of the test's time); each page is
    # then asked for as the first request of a fresh login with an empty cache, as if alone.
    make_history(user, attempts=10_000, end=NOW)
    cards = (
        Attempt.objects.filter(session__owner=user).values_list("question_id", flat=True).first()
    )
    ReviewCard.objects.create(owner=user, question_id=cards, state=2, due=NOW - timedelta(days=1))
    for url, limit in QUERY_LIMITS:
        cache.clear()
        client = Client()
        client.force_login(user)
        with django_assert_max_num_queries(limit):
            response = get(client, url)
        assert response.status_code == 200, url


def test_shared_kit_results_outlive_the_account_anonymised_and_the_rest_goes():
    from django.test import Client
    from django.utils import timezone

    from tests.factories import make_interviewer, make_kit, make_share_link

    interviewer = make_interviewer()
    question = make_question()
    kit = make_kit(interviewer, questions=[question])
    candidate = make_user()
    now = timezone.now()
    shared = services.start_kit_session(
        user=candidate, token=make_share_link(kit).token, share_results=True, now=now
    )
    attempt = shared.attempts.get(sub=0)
    services.submit_attempt(
        session=shared, attempt_id=attempt.pk, now=now, text="my shared answer", base=0
    )
    services.finish_session(session=shared, now=now)
    private = services.start_kit_session(
        user=candidate, token=make_share_link(kit).token, share_results=False, now=now
    )
    services.finish_session(session=private, now=now)
    client = Client()
    client.force_login(candidate)
    client.post("/account/data/", {"confirm": "Delete my account"})
    shared.refresh_from_db()
    assert shared.owner_id is None
    assert shared.attempts.get(sub=0).answer == "my shared answer"
    assert not PracticeSession.objects.filter(pk=private.pk).exists()
    client.force_login(interviewer)
    results = client.get(f"/kits/{kit.pk}/results/").content.decode()
    assert "my shared answer" in results
    assert "deleted their account" in results
    assert candidate.username not in results
