"""The server owns the revision: compare-and-swap saves, exactly-once steps, clock modes, undo."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client

from questions import services
from questions.models import Attempt, PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import AttemptState, Clock, Mode, SessionStatus
from tests.factories import make_user
from tests.test_practice import T0, bank_question, current, save, start, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def run_at_once(n, work):
    """Run `work(i)` in n threads released together; each thread closes its own connection."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def service_save(session, attempt, text, base, writer, seconds=5):
    return services.save_answer(
        session_id=session.pk,
        attempt_id=attempt.pk,
        owner_id=session.owner_id,
        text=text,
        base=base,
        writer=writer,
        now=T0 + timedelta(seconds=seconds),
    )


# Compare-and-swap ---------------------------------------------------------------------------------


def test_each_save_gets_the_next_revision_from_the_server(owner):
    session = start(owner)
    attempt = current(session)
    first = service_save(session, attempt, "one", 0, "tab-a")
    second = service_save(session, attempt, "one two", 1, "tab-a")
    assert (first.outcome, first.revision, second.outcome, second.revision) == (
        "saved",
        1,
        "saved",
        2,
    )


def test_a_save_based_on_an_old_revision_from_another_page_is_a_conflict(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "tab A's words", 0, "tab-a")
    result = service_save(session, attempt, "tab B's words", 0, "tab-b")
    assert (result.outcome, result.revision, result.text) == ("conflict", 1, "tab A's words")
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.revision, attempt.writer) == ("tab A's words", 1, "tab-a")


def test_a_retry_of_a_save_already_applied_is_answered_as_saved(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "the same words", 0, "tab-a")  # its response was lost
    retry = service_save(session, attempt, "the same words", 0, "tab-a")
    from_elsewhere = service_save(session, attempt, "the same words", 0, "tab-b")
    assert (retry.outcome, from_elsewhere.outcome) == ("saved", "saved")
    attempt.refresh_from_db()
    assert attempt.answer == "the same words"


def test_a_page_whose_save_response_was_lost_keeps_saving_its_own_newer_text(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "typed", 0, "tab-a")  # applied; the page never heard back
    later = service_save(session, attempt, "typed, then more", 0, "tab-a")
    assert (later.outcome, later.revision) == ("saved", 2)
    attempt.refresh_from_db()
    assert attempt.answer == "typed, then more"


def test_once_another_page_saved_the_first_page_is_refused_even_with_its_own_base(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "A", 0, "tab-a")
    service_save(session, attempt, "A then B", 1, "tab-b")
    result = service_save(session, attempt, "A then A again", 1, "tab-a")
    assert (result.outcome, result.text) == ("conflict", "A then B")


def test_an_empty_writer_never_continues_an_older_revision(owner):
    session = start(owner)
    attempt = current(session)
    Attempt.objects.filter(pk=attempt.pk).update(answer="server text", revision=3)
    assert service_save(session, attempt, "mine", 0, "").outcome == "conflict"


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_saves_on_one_base_apply_exactly_one(owner):
    session = start(owner)
    attempt = current(session)
    results = run_at_once(
        8, lambda i: service_save(session, attempt, f"text from tab {i}", 0, f"tab-{i}").outcome
    )
    assert sorted(results) == ["conflict"] * 7 + ["saved"]
    attempt.refresh_from_db()
    assert attempt.revision == 1
    winner = results.index("saved")
    assert attempt.answer == f"text from tab {winner}"


def test_the_save_endpoint_answers_a_conflict_with_the_current_text_and_time(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=8), tick=False):
        save(owner_client, session, attempt, "first", 0, writer="tab-a")
        response = save(owner_client, session, attempt, "second", 0, writer="tab-b")
    assert response.status_code == 409
    body = response.json()
    assert body | {"saved_at_display": ""} == body | {
        "status": "conflict",
        "revision": 1,
        "text": "first",
        "length": 5,
        "saved_at_display": "",
    }


def test_a_plain_form_save_in_conflict_shows_both_texts_to_choose_from(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=8), tick=False):
        save(owner_client, session, attempt, "saved elsewhere", 0, writer="tab-a")
        response = owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
            {"answer": "typed here", "base": 0, "writer": "no-js"},
        )
    assert response.status_code == 409
    body = response.content.decode()
    assert "saved elsewhere" in body and "typed here" in body
    assert 'name="base" value="1"' in body  # saving the box now is a deliberate choice
    attempt.refresh_from_db()
    assert attempt.answer == "saved elsewhere"


def test_a_save_without_a_base_is_refused(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    response = owner_client.post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
        {"answer": "x"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    assert "reload the page" in response.json()["message"]


# What the page reconciles with --------------------------------------------------------------------


def test_the_state_endpoint_tells_the_page_the_current_revision_and_text(owner_client, owner):
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=8), tick=False):
        save(owner_client, session, attempt, "saved text")
        body = owner_client.get(f"/practice/{session.pk}/attempts/{attempt.pk}/state/").json()
    assert (body["state"], body["writable"], body["revision"], body["text"]) == (
        "active",
        True,
        1,
        "saved text",
    )


def test_the_state_endpoint_is_404_to_another_user_and_401_to_htmx_when_logged_out(owner):
    session = start(owner)
    attempt = current(session)
    url = f"/practice/{session.pk}/attempts/{attempt.pk}/state/"
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.get(url).status_code == 404
    assert Client().get(url, HTTP_HX_REQUEST="true").status_code == 401
    assert Client().get(url)["Location"].startswith("/accounts/login/")


def test_htmx_steps_from_a_logged_out_page_get_401_not_the_login_form(owner):
    session = start(owner)
    attempt = current(session)
    response = Client().post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/submit/",
        {"answer": "keep me", "base": 0},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 401
    assert b"<form" not in response.content
    assert current(session).state == AttemptState.ACTIVE


# Submitting at zero -------------------------------------------------------------------------------


def test_a_time_up_submit_within_grace_counts_its_text_as_on_time(owner):
    session = start(owner)  # 120 s per question
    attempt = current(session)
    result = services.submit_attempt(
        session=session,
        attempt_id=attempt.pk,
        now=T0 + timedelta(seconds=123),
        text="typed before zero",
        base=0,
        writer="tab-a",
        time_up=True,
    )
    assert result.outcome == "submitted"
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.late_answer, attempt.state) == (
        "typed before zero",
        "",
        AttemptState.SUBMITTED,
    )


def test_a_time_up_submit_after_grace_is_kept_as_a_late_draft(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "saved in time", 0, "tab-a", seconds=60)
    result = services.submit_attempt(
        session=session,
        attempt_id=attempt.pk,
        now=T0 + timedelta(seconds=300),
        text="saved in time, and the rest typed before zero",
        base=1,
        writer="tab-a",
        time_up=True,
    )
    assert result.outcome == "late"
    attempt.refresh_from_db()
    assert attempt.answer == "saved in time"
    assert attempt.late_answer == "saved in time, and the rest typed before zero"
    assert attempt.timed_out and attempt.state == AttemptState.SUBMITTED


def test_a_time_up_submit_from_a_page_in_conflict_keeps_both_texts(owner):
    session = start(owner)
    attempt = current(session)
    service_save(session, attempt, "other tab", 0, "tab-b", seconds=30)
    result = services.submit_attempt(
        session=session,
        attempt_id=attempt.pk,
        now=T0 + timedelta(seconds=120),
        text="this tab",
        base=0,
        writer="tab-a",
        time_up=True,
    )
    assert result.outcome == "submitted"
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.late_answer) == ("other tab", "this tab")


# Exactly once -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_grades_record_one_review(owner):
    session = start(owner, questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)])
    attempt = current(session)
    submit_at = T0 + timedelta(seconds=20)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=submit_at)

    def grade(i):
        fresh = PracticeSession.objects.get(pk=session.pk)
        return services.grade_attempt(
            session=fresh, attempt_id=attempt.pk, grade=1 + i % 4, ticked=[], now=submit_at
        )

    results = run_at_once(8, grade)
    assert sorted(results) == [False] * 7 + [True]
    assert ReviewLog.objects.filter(attempt=attempt).count() == 1
    card = ReviewCard.objects.get(owner=owner, question=attempt.question)
    assert card.reps == 1
    states = list(session.attempts.order_by("position").values_list("state", flat=True))
    assert states == [AttemptState.GRADED, AttemptState.ACTIVE]


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_skips_move_on_once(owner):
    session = start(owner, questions=[bank_question(follow_ups=0) for _ in range(3)])
    attempt = current(session)

    def skip(_i):
        fresh = PracticeSession.objects.get(pk=session.pk)
        return services.skip_attempt(session=fresh, attempt_id=attempt.pk, now=T0)

    assert sorted(run_at_once(8, skip)) == [False] * 7 + [True]
    states = list(session.attempts.order_by("position").values_list("state", flat=True))
    assert states == [AttemptState.SKIPPED, AttemptState.ACTIVE, AttemptState.PENDING]


def test_a_replayed_grade_request_changes_nothing(owner_client, owner):
    session = start(owner, questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)])
    attempt = current(session)
    url = f"/practice/{session.pk}/attempts/{attempt.pk}/grade/"
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        submit(owner_client, session, attempt, "answer")
        owner_client.post(url, {"grade": 3})
        owner_client.post(url, {"grade": 1})
    attempt.refresh_from_db()
    assert attempt.grade == 3
    assert ReviewLog.objects.filter(attempt=attempt).count() == 1


# Undo ---------------------------------------------------------------------------------------------


def test_undo_returns_the_grade_the_card_and_the_log_to_their_state_before(owner_client, owner):
    first, second = bank_question(follow_ups=0), bank_question(follow_ups=0)
    earlier = start(owner, questions=[first], now=T0 - timedelta(days=3))
    services.submit_attempt(session=earlier, attempt_id=current(earlier).pk, now=earlier.started_at)
    services.grade_attempt(
        session=earlier,
        attempt_id=earlier.attempts.get().pk,
        grade=3,
        ticked=[],
        now=earlier.started_at,
    )
    before = ReviewCard.objects.get(owner=owner, question=first)
    session = start(owner, questions=[first, second])
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        submit(owner_client, session, attempt, "answer")
        owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 1})
        page = owner_client.get(f"/practice/{session.pk}/").content.decode()
        assert "Undo the last grade" in page and "graded the last question “Again”" in page
        undo = f"/practice/{session.pk}/attempts/{attempt.pk}/undo/"
        assert f'action="{undo}"' in page and f'hx-post="{undo}"' in page
        following = session.attempts.get(position=2).pk  # the stage's forms are the next one's
        for action in ("submit", "save", "state", "skip"):
            assert f'"/practice/{session.pk}/attempts/{following}/{action}/"' in page
        response = owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/undo/")
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.grade) == (AttemptState.SUBMITTED, None)
    assert session.attempts.get(position=2).state == AttemptState.PENDING
    after = ReviewCard.objects.get(pk=before.pk)
    fields = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert not ReviewLog.objects.filter(attempt=attempt).exists()


def test_undo_of_a_first_review_removes_the_card(owner):
    session = start(owner, questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)])
    attempt = current(session)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=2, ticked=[], now=T0)
    assert services.undo_grade(session=session, attempt_id=attempt.pk, now=T0)
    assert not ReviewCard.objects.filter(owner=owner).exists()


def test_no_undo_once_the_next_question_has_been_started_on(owner_client, owner):
    session = start(owner, questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)])
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        submit(owner_client, session, attempt, "answer")
        owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 4})
        save(owner_client, session, current(session), "started the next one")
        response = owner_client.post(
            f"/practice/{session.pk}/attempts/{attempt.pk}/undo/", HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 409
    assert "can no longer be undone" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.grade == 4


def test_undo_is_404_for_another_user(owner):
    session = start(owner)
    attempt = current(session)
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.post(f"/practice/{session.pk}/attempts/{attempt.pk}/undo/").status_code == 404


# The whole-session clock --------------------------------------------------------------------------


def test_practice_mode_pauses_the_session_clock_while_reading_and_grading(owner):
    session = start(
        owner,
        clock=Clock.SESSION,
        minutes=10,
        mode=Mode.PRACTICE,
        questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)],
    )
    attempt = current(session)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0 + timedelta(minutes=2))
    session.refresh_from_db()
    assert session.paused_at == T0 + timedelta(minutes=2)
    services.grade_attempt(
        session=session, attempt_id=attempt.pk, grade=3, ticked=[], now=T0 + timedelta(minutes=5)
    )
    session.refresh_from_db()
    assert session.paused_at is None
    assert session.deadline == T0 + timedelta(minutes=13)  # three minutes of reading returned
    assert current(session).deadline == session.deadline


def test_interview_mode_keeps_the_session_clock_running_while_grading(owner):
    session = start(
        owner,
        clock=Clock.SESSION,
        minutes=10,
        questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)],
    )
    attempt = current(session)
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0 + timedelta(minutes=2))
    session.refresh_from_db()
    assert session.paused_at is None and session.mode == Mode.INTERVIEW
    assert session.seconds_left(T0 + timedelta(minutes=4)) == 360


def test_a_question_is_never_opened_after_the_session_time_ran_out(owner_client, owner):
    session = start(
        owner,
        clock=Clock.SESSION,
        minutes=10,
        questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)],
    )
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        submit(owner_client, session, attempt, "answer")
    with time_machine.travel(T0 + timedelta(minutes=10, seconds=2), tick=False):
        owner_client.post(f"/practice/{session.pk}/attempts/{attempt.pk}/grade/", {"grade": 3})
        summary = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.EXPIRED
    assert list(session.attempts.order_by("position").values_list("state", flat=True)) == [
        AttemptState.GRADED,
        AttemptState.PENDING,
    ]
    assert "Not reached" in summary


def test_a_submit_that_uses_up_the_session_time_finishes_the_session(owner_client, owner):
    session = start(
        owner,
        clock=Clock.SESSION,
        minutes=10,
        questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)],
    )
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(minutes=10, seconds=1), tick=False):
        response = submit(owner_client, session, attempt, "last words", time_up="1")
    assert response["Location"] == f"/practice/{session.pk}/summary/"
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.state) == ("last words", AttemptState.SUBMITTED)


def test_the_session_clock_is_on_the_reveal_stage_labelled_as_the_session_s(owner_client, owner):
    session = start(
        owner,
        clock=Clock.SESSION,
        minutes=10,
        mode=Mode.PRACTICE,
        questions=[bank_question(follow_ups=0), bank_question(follow_ups=0)],
    )
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        answering = owner_client.get(f"/practice/{session.pk}/").content.decode()
        submit(owner_client, session, attempt, "answer")
        revealing = owner_client.get(f"/practice/{session.pk}/").content.decode()
    assert "Session time" in answering and 'data-seconds-left="540"' in answering
    assert "Session time" in revealing and "paused while you read and grade" in revealing
    assert 'data-seconds-left="540"' in revealing


def test_a_paused_session_still_closes_after_the_longest_a_session_lasts(owner, settings):
    settings.PRACTICE_SESSION_MAX_HOURS = 2
    session = start(owner, clock=Clock.SESSION, minutes=10, mode=Mode.PRACTICE)
    services.submit_attempt(session=session, attempt_id=current(session).pk, now=T0)
    assert services.close_expired_sessions(now=T0 + timedelta(hours=1)) == (0, 0)
    assert services.close_expired_sessions(now=T0 + timedelta(hours=3))[0] == 1


def test_questions_not_reached_can_be_practised_from_the_summary(owner_client, owner):
    first, second, third = (bank_question(follow_ups=0) for _ in range(3))
    session = start(owner, clock=Clock.SESSION, minutes=10, questions=[first, second, third])
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        summary = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
        response = owner_client.post(f"/practice/{session.pk}/not-reached/")
    assert "The session's time ran out before 2 questions" in summary
    started = PracticeSession.objects.for_user(owner).latest("pk")
    assert response["Location"] == started.get_absolute_url()
    assert [a.question_id for a in started.attempts.order_by("position")] == [second.pk, third.pk]


def test_not_reached_questions_are_404_to_another_user(owner):
    session = start(owner)
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.post(f"/practice/{session.pk}/not-reached/").status_code == 404


# The autosave rate limit -----------------------------------------------------------------------


def test_autosave_past_its_rate_limit_answers_429_and_keeps_the_last_saved_text(
    owner_client, owner, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "autosave": "3/m"}
    session = start(owner)
    attempt = current(session)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        for n in range(3):
            assert save(owner_client, session, attempt, f"draft {n}").status_code == 200
        response = save(owner_client, session, attempt, "draft 3")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["status"] == "rate_limited"
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.revision) == ("draft 2", 3)
    with time_machine.travel(T0 + timedelta(seconds=71), tick=False):
        assert save(owner_client, session, attempt, "draft 3").status_code == 200
    attempt.refresh_from_db()
    assert (attempt.answer, attempt.revision) == ("draft 3", 4)


def test_a_typist_saving_every_second_never_reaches_the_autosave_limit(owner):
    session = start(owner)
    attempt = current(session)
    for second in range(100):
        result = service_save(session, attempt, f"{second} words", second, "tab-a", seconds=second)
        assert result.outcome == "saved"


def test_skipping_an_unanswered_follow_up_skips_the_follow_ups_chained_under_it(owner):
    from questions.models import FollowUp

    question = bank_question(follow_ups=0)
    parent = FollowUp.objects.create(
        question=question, position=0, prompt="Why?", answer="Because.", key_points=["a", "b"]
    )
    FollowUp.objects.create(
        question=question,
        parent=parent,
        position=0,
        prompt="And deeper?",
        answer="Yes.",
        key_points=["a", "b"],
    )
    FollowUp.objects.create(
        question=question, position=1, prompt="Other?", answer="No.", key_points=["a", "b"]
    )
    session = start(owner, questions=[question, bank_question(follow_ups=0)])
    main = current(session)
    services.submit_attempt(session=session, attempt_id=main.pk, now=T0)
    services.grade_attempt(session=session, attempt_id=main.pk, grade=3, ticked=[], now=T0)
    first_follow_up = current(session)
    assert (first_follow_up.sub, first_follow_up.depth) == (1, 1)
    services.skip_attempt(session=session, attempt_id=first_follow_up.pk, now=T0)
    states = list(
        session.attempts.filter(position=1).order_by("sub").values_list("sub", "depth", "state")
    )
    assert states == [
        (0, 0, AttemptState.GRADED),
        (1, 1, AttemptState.SKIPPED),
        (2, 2, AttemptState.SKIPPED),  # chained under the skipped one: never asked
        (3, 1, AttemptState.ACTIVE),
    ]


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("240/m", (240, 60)), ("10/15m", (10, 900)), ("5/s", (5, 1)), ("1000/d", (1000, 86400))],
)
def test_the_autosave_limit_reads_the_format_every_limit_uses(settings, rate, expected):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "autosave": rate}
    count, window = services.autosave_limit()
    assert (count, window.total_seconds()) == expected
