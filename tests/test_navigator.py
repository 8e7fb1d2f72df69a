"""The question navigator: whole-session interviews answered in any order, flagged, reviewed,
then finished; earlier answers change while the session's time remains, and not after."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questions import navigator, services
from questions.models import Attempt, PracticeSession
from questions.models.practice import AttemptState, Clock, Mode, NavigatorState, SessionStatus
from tests.factories import make_follow_up, make_question, make_session, make_user

pytestmark = pytest.mark.django_db

MINUTES = 30


def navigator_session(user, *, count=3, now=None, mode=Mode.INTERVIEW):
    questions = [make_question(seconds=120) for _ in range(count)]
    for question in questions:
        make_follow_up(question=question)  # a navigator asks no follow-ups
    return make_session(
        user,
        questions=questions,
        clock=Clock.SESSION,
        minutes=MINUTES,
        navigator=True,
        mode=mode,
        now=now,
    )


def attempt_at(session, number) -> Attempt:
    return session.attempts.get(sub=0, position=number)


def save(session, number, text, *, now, base=None, writer="tab-a"):
    attempt = attempt_at(session, number)
    return services.save_answer(
        session_id=session.pk,
        attempt_id=attempt.pk,
        owner_id=session.owner_id,
        text=text,
        base=attempt.revision if base is None else base,
        writer=writer,
        now=now,
    )


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Services -----------------------------------------------------------------------------------


def test_a_navigator_session_opens_every_question_on_the_session_clock_without_follow_ups(user):
    now = timezone.now()
    session = navigator_session(user, now=now)
    attempts = list(session.attempts.order_by("position", "sub"))
    assert [(a.position, a.sub) for a in attempts] == [(1, 0), (2, 0), (3, 0)]
    assert {a.state for a in attempts} == {AttemptState.ACTIVE}
    assert {a.deadline for a in attempts} == {session.deadline}
    assert session.deadline == now + timedelta(minutes=MINUTES)
    assert all(a.is_writable(now) for a in attempts)


def test_the_navigator_needs_a_whole_session_clock(user):
    with pytest.raises(ValueError, match="whole session"):
        make_session(user, clock=Clock.PER_QUESTION, minutes=5, navigator=True)


def test_states_go_from_not_started_to_draft_to_answered_and_back_to_draft(user):
    now = timezone.now()
    session = navigator_session(user, now=now)
    assert [i.state for i in navigator.items(session)] == [NavigatorState.NOT_STARTED] * 3
    result = save(session, 2, "A draft", now=now)
    assert result.outcome == "saved"
    assert navigator.items(session)[1].state == NavigatorState.DRAFT
    assert navigator.confirm_answer(session=session, number=2, revision=result.revision, now=now)
    assert navigator.items(session)[1].state == NavigatorState.ANSWERED
    save(session, 2, "A draft, edited", now=now)
    assert navigator.items(session)[1].state == NavigatorState.DRAFT


def test_confirming_an_old_revision_leaves_the_newer_text_a_draft(user):
    now = timezone.now()
    session = navigator_session(user, now=now)
    first = save(session, 1, "one", now=now)
    save(session, 1, "one, from another tab", now=now, writer="tab-b")
    assert not navigator.confirm_answer(session=session, number=1, revision=first.revision, now=now)
    assert attempt_at(session, 1).navigator_state == NavigatorState.DRAFT


def test_flag_and_unflag_a_question(user):
    now = timezone.now()
    session = navigator_session(user, now=now)
    assert navigator.set_flag(session=session, number=3, flagged=True, now=now)
    assert [i.flagged for i in navigator.items(session)] == [False, False, True]
    assert navigator.set_flag(session=session, number=3, flagged=False, now=now)
    assert not attempt_at(session, 3).flagged_for_review


def test_an_earlier_answer_changes_while_time_remains(user):
    start = timezone.now()
    session = navigator_session(user, now=start)
    save(session, 1, "first try", now=start)
    save(session, 3, "third", now=start + timedelta(minutes=5))
    later = start + timedelta(minutes=MINUTES - 1)
    result = save(session, 1, "first, better", now=later)
    assert result.outcome == "saved"
    assert attempt_at(session, 1).answer == "first, better"


def test_changes_and_flags_are_refused_after_the_time_is_up_and_the_late_text_is_kept(user):
    start = timezone.now()
    session = navigator_session(user, now=start)
    save(session, 1, "in time", now=start)
    late = start + timedelta(minutes=MINUTES, seconds=30)
    assert not navigator.set_flag(session=session, number=1, flagged=True, now=late)
    result = save(session, 1, "too late", now=late)
    assert result.outcome == "late"
    attempt = attempt_at(session, 1)
    assert attempt.answer == "in time"
    assert attempt.late_answer == "too late"
    session.refresh_from_db()
    assert session.status == SessionStatus.EXPIRED


def test_finishing_locks_every_answer_and_reveals_them_one_by_one(user):
    now = timezone.now()
    session = navigator_session(user, now=now)
    save(session, 1, "one", now=now)
    assert navigator.finish_answering(session=session, now=now)
    assert not navigator.finish_answering(session=session, now=now)  # a replay changes nothing
    assert set(session.attempts.values_list("state", flat=True)) == {AttemptState.SUBMITTED}
    assert save(session, 1, "after finishing", now=now).outcome == "closed"
    current = session.attempts.current().first()
    assert current.position == 1
    for number in (1, 2, 3):
        assert services.grade_attempt(
            session=session,
            attempt_id=attempt_at(session, number).pk,
            grade=3,
            ticked=[],
            now=now,
        )
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED


def test_finishing_in_practice_mode_pauses_the_clock_for_grading(user):
    now = timezone.now()
    session = navigator_session(user, now=now, mode=Mode.PRACTICE)
    navigator.finish_answering(session=session, now=now + timedelta(minutes=1))
    session.refresh_from_db()
    assert session.paused_at == now + timedelta(minutes=1)


def test_finishing_after_the_time_is_up_expires_the_session_with_the_answers_saved_in_time(user):
    start = timezone.now()
    session = navigator_session(user, now=start)
    save(session, 2, "saved in time", now=start)
    assert not navigator.finish_answering(
        session=session, now=start + timedelta(minutes=MINUTES, seconds=30)
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.EXPIRED
    assert attempt_at(session, 2).answer == "saved in time"
    assert attempt_at(session, 2).state == AttemptState.SUBMITTED
    assert attempt_at(session, 2).time_spent is None  # not measured per question here


def test_linear_sessions_keep_one_question_at_a_time(user):
    session = make_session(user, clock=Clock.SESSION, minutes=10)
    assert session.attempts.filter(state=AttemptState.ACTIVE).count() == 1
    assert not session.navigator


# Pages --------------------------------------------------------------------------------------


def question_url(session, number):
    return reverse("questions:navigator_question", args=[session.pk, number])


def review_url(session):
    return reverse("questions:navigator_review", args=[session.pk])


def post(client, session, number, text, *, htmx=False, **fields):
    attempt = attempt_at(session, number)
    data = {"answer": text, "base": attempt.revision, "writer": "page-1", **fields}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(question_url(session, number), data, **headers)


def test_the_session_page_opens_the_navigator(client, user):
    session = navigator_session(user)
    response = client.get(reverse("questions:session", args=[session.pk]))
    assert response.status_code == 302
    assert response["Location"] == question_url(session, 1)


def test_the_question_page_lists_every_question_with_its_state(client, user):
    session = navigator_session(user)
    save(session, 2, "draft", now=timezone.now())
    navigator.set_flag(session=session, number=3, flagged=True, now=timezone.now())
    response = client.get(question_url(session, 1))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('name="goto"') == 3
    assert 'aria-current="step"' in body
    assert "Not started" in body and "Draft" in body and "Flagged" in body
    assert 'maxlength="20000"' in body


def test_save_and_next_confirms_the_answer_and_moves_on_without_javascript(client, user):
    session = navigator_session(user)
    response = post(client, session, 1, "My answer", action="next")
    assert response.status_code == 302
    assert response["Location"] == question_url(session, 2)
    attempt = attempt_at(session, 1)
    assert attempt.answer == "My answer"
    assert attempt.navigator_state == NavigatorState.ANSWERED


def test_the_last_question_goes_to_the_review(client, user):
    session = navigator_session(user)
    response = post(client, session, 3, "Last", action="next")
    assert response["Location"] == review_url(session)


def test_going_to_another_question_saves_a_draft_and_htmx_swaps_the_stage(client, user):
    session = navigator_session(user)
    response = post(client, session, 2, "Half done", htmx=True, goto="1")
    assert response.status_code == 200
    assert response["HX-Push-Url"] == question_url(session, 1)
    body = response.content.decode()
    assert "<html" not in body and 'id="stage"' in body
    assert attempt_at(session, 2).navigator_state == NavigatorState.DRAFT


def test_moving_without_changing_the_text_writes_no_revision(client, user):
    session = navigator_session(user)
    post(client, session, 1, "Same", action="next")
    revision = attempt_at(session, 1).revision
    post(client, session, 1, "Same", goto="3")
    assert attempt_at(session, 1).revision == revision
    assert attempt_at(session, 1).navigator_state == NavigatorState.ANSWERED


def test_flag_button_saves_and_flags(client, user):
    session = navigator_session(user)
    response = post(client, session, 2, "unsure", action="flag")
    assert response["Location"] == question_url(session, 2)
    attempt = attempt_at(session, 2)
    assert attempt.flagged_for_review and attempt.answer == "unsure"
    post(client, session, 2, "unsure", action="unflag")
    assert not attempt_at(session, 2).flagged_for_review


def test_text_based_on_an_old_revision_is_shown_beside_the_saved_one(client, user):
    session = navigator_session(user)
    save(session, 1, "from the other tab", now=timezone.now(), writer="tab-b")
    response = client.post(
        question_url(session, 1),
        {"answer": "from this tab", "base": 0, "writer": "page-1", "goto": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "from the other tab" in body and "from this tab" in body
    assert f'href="{question_url(session, 1)}">keep the saved version' in body
    assert attempt_at(session, 1).answer == "from the other tab"


@pytest.mark.parametrize(
    "fields",
    [{"goto": "0"}, {"goto": "99"}, {"goto": "x"}, {"action": "explode"}, {"goto": "9" * 40}],
)
def test_a_bad_destination_is_a_422_and_the_text_stays_on_screen(client, user, fields):
    session = navigator_session(user)
    response = post(client, session, 1, "kept text", **fields)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose a question from 1 to 3." in body and "kept text" in body
    assert attempt_at(session, 1).answer == ""


def test_a_missing_base_or_a_nul_is_a_422(client, user):
    session = navigator_session(user)
    response = client.post(question_url(session, 1), {"answer": "x", "goto": "2"})
    assert response.status_code == 422
    response = post(client, session, 1, "bad\x00text", goto="2")
    assert response.status_code == 422


def test_a_question_number_the_session_does_not_have_is_a_404_with_the_list(client, user):
    session = navigator_session(user)
    for number in (0, 4, 2**31):
        response = client.get(question_url(session, number))
        assert response.status_code == 404
        assert f"has no question {number}" in response.content.decode()


def test_a_linear_session_has_no_navigator(client, user):
    session = make_session(user, clock=Clock.SESSION, minutes=10)
    assert client.get(question_url(session, 1)).status_code == 404
    assert client.get(review_url(session)).status_code == 404


def test_linear_steps_are_refused_for_a_navigator_question(client, user):
    session = navigator_session(user)
    attempt = attempt_at(session, 1)
    for step in ("attempt_submit", "attempt_skip"):
        response = client.post(reverse(f"questions:{step}", args=[session.pk, attempt.pk]))
        assert response.status_code == 302
        assert response["Location"] == review_url(session)
    assert attempt_at(session, 1).state == AttemptState.ACTIVE


def test_review_lists_unanswered_and_flagged_questions(client, user):
    session = navigator_session(user)
    post(client, session, 1, "done", action="next")
    post(client, session, 2, "maybe", action="flag")
    body = client.get(review_url(session)).content.decode()
    assert "Not answered yet (2)" in body
    assert "Flagged to come back to (1)" in body


def test_finish_locks_the_answers_and_opens_the_first_for_grading(client, user):
    session = navigator_session(user)
    post(client, session, 1, "done", action="next")
    response = client.post(reverse("questions:navigator_finish", args=[session.pk]))
    assert response["Location"] == session.get_absolute_url()
    page = client.get(session.get_absolute_url())
    assert page.status_code == 200
    assert "the model answer" in page.content.decode()
    again = client.post(reverse("questions:navigator_finish", args=[session.pk]))
    assert again.status_code == 302
    assert client.get(question_url(session, 2))["Location"] == session.get_absolute_url()


def test_after_the_time_is_up_a_change_is_kept_late_and_the_summary_opens(client, user):
    session = navigator_session(user)
    post(client, session, 1, "in time", action="next")
    with time_machine.travel(timezone.now() + timedelta(minutes=MINUTES + 1)):
        response = post(client, session, 1, "too late", goto="2")
    assert response["Location"] == reverse("questions:session_summary", args=[session.pk])
    attempt = attempt_at(session, 1)
    assert (attempt.answer, attempt.late_answer) == ("in time", "too late")
    assert PracticeSession.objects.get(pk=session.pk).status == SessionStatus.EXPIRED


@pytest.mark.parametrize("offset", [-1, 1])
def test_time_up_at_the_page_s_zero_finishes_the_session(client, user, offset):
    session = navigator_session(user)
    with time_machine.travel(session.deadline + timedelta(seconds=offset)):
        response = post(client, session, 2, "last words", htmx=True, time_up="1")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("questions:session_summary", args=[session.pk])
    assert attempt_at(session, 2).answer == "last words"
    assert PracticeSession.objects.get(pk=session.pk).status == SessionStatus.EXPIRED


def test_time_up_long_before_the_deadline_does_not_end_the_session(client, user):
    session = navigator_session(user)
    response = post(client, session, 2, "early", htmx=True, time_up="1")
    assert response.status_code == 200
    assert PracticeSession.objects.get(pk=session.pk).status == SessionStatus.IN_PROGRESS
    assert attempt_at(session, 2).answer == "early"


def test_the_start_form_offers_the_navigator_for_a_whole_session_clock(client, user):
    make_question()
    response = client.post(
        reverse("questions:session_start"),
        {"count": 1, "clock": "session", "minutes": 10, "navigator": "on"},
    )
    session = PracticeSession.objects.get(owner=user)
    assert response["Location"] == session.get_absolute_url()
    assert session.navigator
    refused = client.post(
        reverse("questions:session_start"),
        {"count": 1, "clock": "per-question", "minutes": 10, "navigator": "on"},
    )
    assert refused.status_code == 422
    assert "needs a time limit for the whole session" in refused.content.decode()


def test_query_counts_are_pinned_for_the_question_and_review_pages(
    client, user, django_assert_max_num_queries
):
    session = navigator_session(user, count=20)
    for number in range(1, 21):
        save(session, number, f"answer {number}", now=timezone.now())
    with django_assert_max_num_queries(6):
        assert client.get(question_url(session, 7)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(review_url(session)).status_code == 200


def test_moves_and_flags_are_rate_limited_and_a_refused_one_writes_nothing(client, user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "navigator": "2/m"}
    session = navigator_session(user)
    assert post(client, session, 1, "a", goto="2").status_code == 302
    assert post(client, session, 2, "b", goto="3").status_code == 302
    refused = post(client, session, 3, "c", goto="1")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert attempt_at(session, 3).answer == ""


def test_every_navigator_write_needs_the_csrf_token(user):
    session = navigator_session(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in (question_url(session, 1), reverse("questions:navigator_finish", args=[session.pk])):
        assert client.post(url, {"answer": "x", "base": 0, "goto": "2"}).status_code == 403
    assert attempt_at(session, 1).answer == ""
    assert set(session.attempts.values_list("state", flat=True)) == {AttemptState.ACTIVE}


def test_text_sent_after_the_answers_were_locked_in_another_tab_stays_on_screen(client, user):
    session = navigator_session(user)
    stale = attempt_at(session, 1)
    navigator.finish_answering(session=session, now=timezone.now())
    response = client.post(
        question_url(session, 1),
        {"answer": "typed in the other tab", "base": stale.revision, "writer": "w", "goto": "2"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "already closed" in body and "typed in the other tab" in body
    assert attempt_at(session, 1).answer == ""


def test_moving_in_a_finished_session_goes_to_the_summary(client, user):
    session = navigator_session(user)
    services.finish_session(session=session, now=timezone.now())
    summary = reverse("questions:session_summary", args=[session.pk])
    for response in (
        post(client, session, 1, "", goto="2"),
        client.get(question_url(session, 2)),
        client.get(review_url(session)),
        client.post(reverse("questions:navigator_finish", args=[session.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"] == summary
    htmx = post(client, session, 1, "", htmx=True, goto="2")
    assert htmx["HX-Redirect"] == summary
