"""Timed mock interviews: the server-kept clock, autosave, submit, grade, follow-ups, finish."""

import threading
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from questions import services
from questions.models import Attempt, FollowUp, PracticeSession, Question, Topic
from questions.models.practice import AttemptState, Clock
from tests.factories import make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_n = count(1)


def bank_question(*, follow_ups: int = 1, seconds: int = 120, **kwargs) -> Question:
    topic, _ = Topic.objects.get_or_create(slug="fundamentals", defaults={"name": "Fundamentals"})
    n = next(_n)
    fields = {
        "topic": topic,
        "slug": f"question-{n}",
        "title": f"Question {n}",
        "prompt": f"Explain thing {n}.",
        "answer": f"Thing {n} is **important**.",
        "key_points": ["First point", "Second point", "Third point", "Fourth point"],
        "seconds": seconds,
        "status": Question.Status.PUBLISHED,
        **kwargs,
    }
    question = Question.objects.create(**fields)
    for i in range(follow_ups):
        FollowUp(
            question=question,
            position=i,
            prompt=f"Follow-up {i} to {n}?",
            answer="Because.",
            key_points=["a", "b"],
        ).save()
    return question


def start(user, *, questions=None, clock=Clock.SUGGESTED, minutes=None, now=T0, **kw):
    return services.start_session(
        user=user,
        questions=questions or [bank_question()],
        clock=clock,
        minutes=minutes,
        now=now,
        title="Mock interview",
        **kw,
    )


def current(session) -> Attempt:
    return session.attempts.get(state__in=[AttemptState.ACTIVE, AttemptState.SUBMITTED])


def save(client, session, attempt, text, base=None, writer="tab-a", **extra):
    """An autosave from page `writer`, based on the current revision unless `base` says."""
    if base is None:
        base = Attempt.objects.get(pk=attempt.pk).revision
    return client.post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
        {"answer": text, "base": base, "writer": writer},
        HTTP_ACCEPT="application/json",
        **extra,
    )


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client():
    client = Client()
    client.force_login(make_user())
    return client


# Starting -------------------------------------------------------------------------------------


def test_starting_snapshots_questions_and_follow_ups_and_starts_the_first_clock(owner):
    q1, q2 = bank_question(follow_ups=2), bank_question(follow_ups=0, seconds=300)
    session = start(owner, questions=[q1, q2])
    attempts = list(session.attempts.all())
    assert [(a.position, a.sub) for a in attempts] == [(1, 0), (1, 1), (1, 2), (2, 0)]
    first = attempts[0]
    assert first.state == AttemptState.ACTIVE
    assert first.started_at == T0
    assert first.deadline == T0 + timedelta(seconds=120)
    assert attempts[1].allowed_seconds == 60  # follow-ups get a shorter clock
    assert attempts[3].allowed_seconds == 300
    assert [a.state for a in attempts[1:]] == [AttemptState.PENDING] * 3
    assert first.prompt_html == q1.prompt_html and first.key_points == q1.key_points


def test_editing_the_bank_never_rewrites_a_session(owner):
    question = bank_question()
    session = start(owner, questions=[question])
    question.answer = "A completely different answer."
    question.save()
    assert "important" in current(session).answer_html
    question.delete()
    assert current(session).title.startswith("Question")


def test_clock_choices_set_deadlines(owner):
    per_question = start(owner, clock=Clock.PER_QUESTION, minutes=3)
    assert current(per_question).deadline == T0 + timedelta(minutes=3)
    whole = start(owner, clock=Clock.SESSION, minutes=20)
    assert whole.deadline == T0 + timedelta(minutes=20)
    assert current(whole).deadline == whole.deadline
    untimed = start(owner, clock=Clock.UNTIMED)
    assert current(untimed).deadline is None


def test_start_page_creates_a_session_from_filters(owner_client, owner):
    bank_question(level="beginner")
    bank_question(level="experienced")
    response = owner_client.post(
        "/practice/",
        {"levels": ["experienced"], "count": 5, "clock": Clock.UNTIMED, "follow_ups": "on"},
    )
    session = PracticeSession.objects.get(owner=owner)
    assert response["Location"] == f"/practice/{session.pk}/"
    assert [a.level for a in session.attempts.filter(sub=0)] == ["experienced"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": 0, "clock": "suggested"}, "How many questions must be from 1 to 20."),
        ({"count": 21, "clock": "suggested"}, "How many questions must be from 1 to 20."),
        ({"count": 5, "clock": "per-question"}, "Minutes must be from 1 to 120 for this clock."),
        ({"count": 5, "clock": "sundial"}, "Choose a clock."),
        ({"count": 5, "clock": "suggested", "kinds": ["coding"]}, "No published questions match"),
    ],
)
def test_start_page_rerenders_bad_input_with_messages(owner_client, data, message):
    bank_question()
    response = owner_client.post("/practice/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PracticeSession.objects.count() == 0


def test_start_page_requires_login(client):
    assert client.get("/practice/")["Location"].startswith("/accounts/login/")


# Autosave -------------------------------------------------------------------------------------


def test_autosave_stores_a_newer_revision_and_reports_seconds_left(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        response = save(owner_client, session, attempt, "My answer")
    assert response.status_code == 200
    assert response.json()["status"] == "saved"
    assert response.json()["revision"] == 1
    assert response.json()["seconds_left"] == 100
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.revision) == ("My answer", 1)


def test_autosave_refuses_a_stale_base_and_keeps_the_newer_text(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        save(owner_client, session, attempt, "newer, from tab A", 0, writer="tab-a")
        response = save(owner_client, session, attempt, "older, from tab B", 0, writer="tab-b")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "conflict"
    assert (body["revision"], body["text"], body["length"]) == (1, "newer, from tab A", 17)
    assert body["saved_at"] == (T0 + timedelta(seconds=5)).isoformat()
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.revision) == ("newer, from tab A", 1)


def test_a_save_within_the_grace_period_counts_as_on_time(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=123), tick=False):
        response = save(owner_client, session, attempt, "just in time")
    assert response.status_code == 200


def test_a_save_after_the_deadline_is_kept_as_a_late_draft_and_refused(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        save(owner_client, session, attempt, "on time")
    with time_machine.travel(T0 + timedelta(seconds=200), tick=False):
        response = save(owner_client, session, attempt, "on time plus more")
    assert response.status_code == 409
    assert response.json()["status"] == "late"
    attempt.refresh_from_db()
    assert attempt.answer == "on time"  # what counts
    assert attempt.late_answer == "on time plus more"  # kept, flagged
    assert attempt.late
    assert attempt.state == AttemptState.SUBMITTED and attempt.timed_out
    assert attempt.time_spent == timedelta(seconds=120)


@pytest.mark.parametrize(
    ("text", "fragment"), [("x" * 20_001, "limit is 20,000"), ("bad\x00byte", "NUL")]
)
def test_autosave_refuses_invalid_text_with_422(owner_client, owner, text, fragment):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False):
        response = save(owner_client, session, attempt, text)
    assert response.status_code == 422
    assert fragment in response.json()["message"]
    attempt.refresh_from_db()
    assert attempt.answer == ""


def test_autosave_answers_401_not_a_redirect_when_logged_out(client, owner):
    session = start(owner)
    response = save(client, session, current(session), "text")
    assert response.status_code == 401
    assert response.json()["status"] == "login"


def test_autosave_is_post_only(owner_client, owner):
    session = start(owner)
    url = f"/practice/{session.pk}/attempts/{current(session).pk}/save/"
    assert owner_client.get(url).status_code == 405


def test_autosave_requires_csrf(owner):
    session = start(owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = save(client, session, current(session), "text")
    assert response.status_code == 403
    assert current(session).answer == ""


def test_autosave_of_another_users_attempt_is_404_and_changes_nothing(outsider_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False):
        response = save(outsider_client, session, attempt, "hijack", 0)
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.answer == "" and attempt.revision == 0


def test_autosave_of_an_attempt_through_another_session_url_is_404(owner_client, owner):
    mine = start(owner)
    theirs = start(make_user())
    with time_machine.travel(T0, tick=False):
        response = save(owner_client, mine, current(theirs), "hijack", 0)
    assert response.status_code == 404


def test_autosave_without_javascript_redirects_back_with_a_message(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False):
        response = owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
            {"answer": "draft", "base": 0, "writer": "no-js-page"},
            follow=True,
        )
    assert "Draft saved." in response.content.decode()


def test_autosave_happy_path_runs_at_most_three_queries(
    owner_client, owner, django_assert_max_num_queries
):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False), django_assert_max_num_queries(3):
        response = save(owner_client, session, attempt, "fast", 0)
    assert response.status_code == 200


# Submitting, reveal, grading -------------------------------------------------------------------


def submit(client, session, attempt, text=None, base=None, writer="tab-a", **data):
    """Submit from page `writer`, its text based on the current revision unless `base` says."""
    payload = dict(data)
    if text is not None:
        if base is None:
            base = Attempt.objects.get(pk=attempt.pk).revision
        payload |= {"answer": text, "base": base, "writer": writer}
    return client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/submit/", payload)


def test_submit_locks_the_answer_records_time_and_reveals(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=45), tick=False):
        submit(owner_client, session, attempt, "final words")
        page = owner_client.get(f"/practice/{session.pk}/").content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.answer == "final words"
    assert attempt.time_spent == timedelta(seconds=45)
    assert not attempt.peeked
    assert "Model answer" in page and "<strong>important</strong>" in page
    assert "First point" in page


def test_submitting_twice_changes_nothing_more(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        submit(owner_client, session, attempt, "first")
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        submit(owner_client, session, attempt, "second")
    attempt.refresh_from_db()
    assert attempt.answer == "first"
    assert attempt.submitted_at == T0 + timedelta(seconds=10)


def test_revealing_before_submitting_is_marked_as_peeked(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        submit(owner_client, session, attempt, "half", action="peek")
    attempt.refresh_from_db()
    assert attempt.peeked and attempt.state == AttemptState.SUBMITTED


def test_a_submit_based_on_an_old_revision_shows_both_texts_and_submits_nothing(
    owner_client, owner
):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        save(owner_client, session, attempt, "newest", 0, writer="tab-a")
        response = submit(owner_client, session, attempt, "old tab", 0, writer="tab-b")
    assert response.status_code == 409
    body = response.content.decode()
    assert "This answer was changed in another tab" in body
    assert "newest" in body and "old tab" in body
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.state) == ("newest", AttemptState.ACTIVE)


def test_grading_records_points_and_grade_then_moves_to_the_follow_up(owner_client, owner):
    session = start(owner, questions=[bank_question(follow_ups=1)])
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        submit(owner_client, session, attempt, "answer")
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
        owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/grade/",
            {"grade": 3, "ticked": [0, 2, 99]},
        )
    attempt.refresh_from_db()
    assert (attempt.state, attempt.grade, attempt.ticked) == (AttemptState.GRADED, 3, [0, 2])
    follow_up = current(session)
    assert follow_up.sub == 1
    assert follow_up.started_at == T0 + timedelta(seconds=60)
    assert follow_up.deadline == T0 + timedelta(seconds=120)


@pytest.mark.parametrize("grade", ["0", "5", "good", ""])
def test_an_invalid_grade_is_refused_with_a_message(owner_client, owner, grade):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False):
        submit(owner_client, session, attempt, "x")
        response = owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": grade}, follow=True
        )
    assert "Choose a grade" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.grade is None


def test_grading_before_submitting_changes_nothing(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0, tick=False):
        owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 4})
    attempt.refresh_from_db()
    assert attempt.grade is None and attempt.state == AttemptState.ACTIVE


def test_follow_ups_can_be_skipped_and_the_last_grade_finishes_the_session(owner_client, owner):
    session = start(owner, questions=[bank_question(follow_ups=2)])
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        submit(owner_client, session, attempt, "a")
        owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 2})
        follow_up = current(session)
        response = owner_client.post(
            f"/practice/{session.pk}/attempts/{follow_up.pk}/skip/", {"scope": "follow-ups"}
        )
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.FINISHED
    assert response["Location"] == f"/practice/{session.pk}/summary/"
    assert list(session.attempts.values_list("state", flat=True)) == [
        AttemptState.GRADED,
        AttemptState.SKIPPED,
        AttemptState.SKIPPED,
    ]


# The clock closes things by itself ----------------------------------------------------------------


def test_an_overdue_question_times_out_on_next_access_with_the_last_saved_answer(
    owner_client, owner
):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
        save(owner_client, session, attempt, "saved before leaving")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        page = owner_client.get(f"/practice/{session.pk}/").content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED and attempt.timed_out
    assert attempt.submitted_at == T0 + timedelta(seconds=120)
    assert attempt.answer == "saved before leaving"
    assert "Time was up" in page


def test_a_session_past_its_deadline_expires_on_next_access(owner_client, owner):
    session = start(
        owner, clock=Clock.SESSION, minutes=10, questions=[bank_question(), bank_question()]
    )
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        save(owner_client, session, attempt, "kept")
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        response = owner_client.get(f"/practice/{session.pk}/")
    assert response["Location"] == f"/practice/{session.pk}/summary/"
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.EXPIRED
    assert session.finished_at == T0 + timedelta(minutes=10)
    first, second = session.attempts.filter(sub=0)
    assert (first.state, first.answer, first.timed_out) == (AttemptState.SUBMITTED, "kept", True)
    assert second.state == AttemptState.PENDING  # not reached, not "skipped"


def test_close_expired_sessions_command_closes_abandoned_sessions(owner):
    abandoned = start(owner, clock=Clock.SESSION, minutes=5)
    timed_question = start(owner)
    fresh = start(owner, now=T0 + timedelta(hours=1))
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        call_command("close_expired_sessions")
    abandoned.refresh_from_db()
    assert abandoned.status == PracticeSession.Status.EXPIRED
    assert current(timed_question).timed_out
    assert current(fresh).state == AttemptState.ACTIVE


def test_finished_sessions_are_read_only(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        owner_client.post(f"/practice/{session.pk}/finish/")
        response = save(owner_client, session, attempt, "after finishing", 1)
        submit(owner_client, session, attempt, "after finishing")
    assert response.status_code == 409
    assert response.json()["status"] == "closed"
    attempt.refresh_from_db()
    assert attempt.answer == ""
    assert owner_client.get(f"/practice/{session.pk}/")["Location"].endswith("/summary/")


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_finishes_take_effect_once(owner):
    session = start(owner)
    results = []
    barrier = threading.Barrier(8)

    def finish():
        try:
            barrier.wait()
            results.append(services.finish_session(session=session, now=T0 + timedelta(seconds=9)))
        finally:
            connection.close()

    threads = [threading.Thread(target=finish) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.FINISHED


# Pages and ownership -----------------------------------------------------------------------------


def test_the_session_page_shows_progress_countdown_and_autosave(owner_client, owner):
    session = start(owner, questions=[bank_question(), bank_question()])
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        body = owner_client.get(f"/practice/{session.pk}/").content.decode()
    assert "Question 1 of 2" in body
    assert 'data-seconds-left="100"' in body
    assert "Answer by 09:02:00" in body  # what a page without JavaScript shows
    assert "data-autosave-url" in body


def test_the_session_page_htmx_request_gets_only_the_stage(owner_client, owner):
    session = start(owner)
    with time_machine.travel(T0, tick=False):
        response = owner_client.get(f"/practice/{session.pk}/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert '<section id="stage"' in body
    assert "<html" not in body


def test_the_session_page_runs_a_bounded_number_of_queries(
    owner_client, owner, django_assert_max_num_queries
):
    session = start(owner, questions=[bank_question(follow_ups=3) for _ in range(20)])
    with time_machine.travel(T0, tick=False), django_assert_max_num_queries(8):
        owner_client.get(f"/practice/{session.pk}/")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/practice/{s}/"),
        ("get", "/practice/{s}/summary/"),
        ("post", "/practice/{s}/finish/"),
        ("post", "/practice/{s}/attempts/{a}/submit/"),
        ("post", "/practice/{s}/attempts/{a}/grade/"),
        ("post", "/practice/{s}/attempts/{a}/skip/"),
    ],
)
def test_another_user_gets_404_and_changes_nothing(outsider_client, owner, method, path):
    session = start(owner)
    attempt = current(session)
    url = path.format(s=session.pk, a=attempt.pk)
    with time_machine.travel(T0, tick=False):
        response = getattr(outsider_client, method)(url, {"grade": 4, "answer": "x", "base": 0})
    assert response.status_code == 404
    session.refresh_from_db()
    attempt.refresh_from_db()
    assert session.status == PracticeSession.Status.IN_PROGRESS
    assert attempt.state == AttemptState.ACTIVE and attempt.answer == ""


@pytest.mark.parametrize("path", ["/practice/{s}/", "/practice/{s}/summary/"])
def test_anonymous_users_are_sent_to_log_in(client, owner, path):
    session = start(owner)
    assert client.get(path.format(s=session.pk))["Location"].startswith("/accounts/login/")


def test_the_summary_shows_time_points_grades_flags_and_topic_totals(owner_client, owner):
    session = start(owner, questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)])
    first = current(session)
    with time_machine.travel(T0 + timedelta(seconds=40), tick=False):
        submit(owner_client, session, first, "mine", action="peek")
        owner_client.post(
            f"/practice/{session.pk}/attempts/{first.pk}/grade/", {"grade": 3, "ticked": [0, 1]}
        )
        owner_client.post(f"/practice/{session.pk}/finish/")
        body = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    assert "40 s of 2 min" in body
    assert "2 of 4 key points" in body
    assert "Good" in body
    assert "Peeked" in body
    assert "Fundamentals" in body


def test_the_form_cannot_set_deadlines_or_grade_times(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        submit(
            owner_client,
            session,
            attempt,
            "x",
            deadline="2030-01-01T00:00:00Z",
            submitted_at="2020-01-01T00:00:00Z",
            time_spent="1",
        )
    attempt.refresh_from_db()
    assert attempt.deadline == T0 + timedelta(seconds=120)
    assert attempt.submitted_at == T0 + timedelta(seconds=10)


def test_the_token_endpoint_answers_401_not_a_redirect_when_logged_out(client):
    response = client.get("/practice/token/")
    assert response.status_code == 401
    assert response.json() == {"status": "login"}


def test_the_token_endpoint_gives_a_signed_in_page_a_fresh_token(owner_client):
    response = owner_client.get("/practice/token/")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 64


def test_a_question_page_starts_a_one_question_session(owner_client, owner):
    question = bank_question(follow_ups=2, title="Explain dropout")
    with time_machine.travel(T0, tick=False):
        response = owner_client.post(f"/practice/question/{question.slug}/")
    session = PracticeSession.objects.get(owner=owner)
    assert response["Location"] == session.get_absolute_url()
    assert session.title == "Practice: Explain dropout"
    assert session.attempts.count() == 3


def test_practising_a_draft_question_is_404_and_starts_nothing(owner_client):
    question = bank_question(status=Question.Status.DRAFT)
    assert owner_client.post(f"/practice/question/{question.slug}/").status_code == 404
    assert owner_client.get(f"/practice/question/{question.slug}/").status_code == 405
    assert PracticeSession.objects.count() == 0


def test_practising_a_question_requires_login(client):
    question = bank_question()
    response = client.post(f"/practice/question/{question.slug}/")
    assert response["Location"].startswith("/accounts/login/")
