"""The interview-date readiness plan: the form refuses bad input, the prediction is FSRS's own,
today's session is ordered by a stated rule, and it starts through the one session path."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from fsrs import State

from questions import readiness, scheduling, services
from questions.models import InterviewPlan, PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import AttemptState
from tests.factories import (
    client_for,
    make_history,
    make_interviewer,
    make_kit,
    make_question,
    make_session,
    make_share_link,
    make_topic,
    make_user,
)
from tests.test_revisions import run_at_once

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = T0.date()


def make_plan(user, *, day=date(2026, 12, 2), minutes=30, topics=(), kit=None) -> InterviewPlan:
    return readiness.save_plan(
        user=user, interview_date=day, minutes_per_day=minutes, topics=list(topics), kit=kit, now=T0
    )


def reviewed(user, question, *, stability, last_review, due, state=State.Review.value):
    return ReviewCard.objects.create(
        owner=user,
        question=question,
        state=state,
        stability=stability,
        difficulty=5.0,
        last_review=last_review,
        due=due,
        reps=3,
    )


# The form -----------------------------------------------------------------------------------


def post_plan(client, **data):
    data.setdefault("interview_date", "2 Dec 2026")
    data.setdefault("minutes_per_day", "30")
    with time_machine.travel(T0, tick=False):
        return client.post("/plan/", data)


def test_saving_a_plan_with_topics_and_a_shared_kit():
    user = make_user()
    a, b = make_topic(slug="stats"), make_topic(slug="nlp")
    kit = make_kit(make_interviewer(), questions=[make_question()])
    link = make_share_link(kit)
    services.start_kit_session(user=user, token=link.token, share_results=False, now=T0)
    response = post_plan(
        client_for(user), topics=["stats", "nlp"], kit=str(kit.pk), interview_date="2026-12-02"
    )
    assert response.status_code == 302
    plan = InterviewPlan.objects.get(user=user)
    assert (plan.interview_date, plan.minutes_per_day, plan.kit) == (date(2026, 12, 2), 30, kit)
    assert set(plan.topics.all()) == {a, b}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"interview_date": "1 Nov 2026"}, "interview_date", "That day has passed"),
        ({"interview_date": "3 Nov 2027"}, "interview_date", "within a year from today"),
        ({"interview_date": "31 Feb 2027"}, "interview_date", "Enter a date like 14 Jan 2027"),
        ({"interview_date": ""}, "interview_date", "Enter the day of your interview"),
        ({"minutes_per_day": "0"}, "minutes_per_day", "at least 1 minute"),
        ({"minutes_per_day": "-15"}, "minutes_per_day", "at least 1 minute"),
        ({"minutes_per_day": "1.5"}, "minutes_per_day", "whole number of minutes"),
        ({"minutes_per_day": "99999999999999999999"}, "minutes_per_day", "At most 480"),
        ({"topics": ["no-such-topic"]}, "topics", "There is no topic “no-such-topic”"),
        ({"topics": ["bad\x00slug"]}, "topics", "Null characters are not allowed"),
        ({"kit": "999999"}, "kit", "Choose a kit from the list"),
        ({"kit": "not-a-number"}, "kit", "Choose a kit from the list"),
    ],
)
def test_bad_plan_input_is_refused_with_the_fields_message(data, field, message):
    user = make_user()
    make_topic(slug="stats")
    response = post_plan(client_for(user), **data)
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the field
    assert not InterviewPlan.objects.filter(user=user).exists()


def test_a_kit_not_shared_with_the_candidate_is_refused():
    user = make_user()
    kit = make_kit(make_interviewer(), questions=[make_question()])
    response = post_plan(client_for(user), kit=str(kit.pk))
    assert response.status_code == 422
    assert "Choose a kit from the list" in response.content.decode()


def test_today_and_exactly_a_year_ahead_are_accepted():
    user = make_user()
    client = client_for(user)
    assert post_plan(client, interview_date="2 Nov 2026").status_code == 302
    assert post_plan(client, interview_date="2 Nov 2027").status_code == 302
    assert InterviewPlan.objects.get(user=user).interview_date == date(2027, 11, 2)


def test_a_second_submit_replaces_the_plan_not_adds_one():
    user = make_user()
    client = client_for(user)
    make_topic(slug="stats")
    post_plan(client, topics=["stats"])
    post_plan(client, minutes_per_day="45")
    plan = InterviewPlan.objects.get(user=user)
    assert plan.minutes_per_day == 45 and not plan.topics.exists()


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_plan_form_saves_one_plan():
    user = make_user()

    def save(i):
        return make_plan(user, minutes=20 + i).pk

    assert len(set(run_at_once(4, save))) == 1
    assert InterviewPlan.objects.filter(user=user).count() == 1


def test_an_expired_login_saves_nothing_and_asks_to_log_in():
    response = Client().post("/plan/", {"interview_date": "2 Dec 2026", "minutes_per_day": "30"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not InterviewPlan.objects.exists()


# The prediction and the ordering ----------------------------------------------------------------


def test_a_candidate_with_no_history_starts_from_not_yet_practised():
    user = make_user()
    topic = make_topic(name="Statistics")
    make_question(topic=topic, seconds=120)
    make_plan(user, topics=[topic])
    with time_machine.travel(T0, tick=False):
        response = client_for(user).get("/plan/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not yet practised" in page and "0 of 1" in page
    assert "New in Statistics (not yet practised)" in page


def test_predicted_recall_is_the_schedulers_retrievability_on_the_day():
    user = make_user()
    topic = make_topic()
    question = make_question(topic=topic)
    card = reviewed(user, question, stability=12.0, last_review=T0, due=T0 + timedelta(days=12))
    plan = make_plan(user, day=date(2026, 11, 22), topics=[topic])
    with time_machine.travel(T0, tick=False):
        result = readiness.readiness(user=user, plan=plan, now=T0)
    scheduler = scheduling.scheduler_for(scheduling.settings_for(user.pk))
    moment = readiness.interview_moment(date(2026, 11, 22))
    expected = scheduler.get_card_retrievability(scheduling._to_fsrs(card), moment)
    assert moment.hour == 9 and (moment - card.last_review).days == 20
    [standing] = result.topics
    assert standing.recall == pytest.approx(expected)
    assert 0 < expected < 1
    assert standing.practised == 1 and standing.questions == 1


def test_todays_session_is_ordered_by_the_stated_rule_on_a_fixed_history():
    """Due reviews least likely recalled first; then new questions one per topic in turn, the
    weakest topic first, easier levels first; each taken if its time still fits."""
    user = make_user()
    strong, weak, unseen = (
        make_topic(name="Strong"),
        make_topic(name="Weak"),
        make_topic(name="New"),
    )
    s1 = make_question(topic=strong, seconds=120, level="beginner", title="S1")
    make_question(topic=strong, seconds=120, level="beginner", title="S2")
    w1 = make_question(topic=weak, seconds=120, level="beginner", title="W1")
    w2 = make_question(topic=weak, seconds=120, level="experienced", title="W2")
    make_question(topic=weak, seconds=120, level="beginner", title="W3")
    n_hard = make_question(topic=unseen, seconds=120, level="experienced", title="N-hard")
    make_question(topic=unseen, seconds=120, level="beginner", title="N-easy")
    # Strong: reviewed yesterday, very stable, not due. Weak: two due reviews, one long overdue.
    reviewed(
        user, s1, stability=60, last_review=T0 - timedelta(days=1), due=T0 + timedelta(days=50)
    )
    reviewed(user, w1, stability=3, last_review=T0 - timedelta(days=4), due=T0 - timedelta(days=1))
    reviewed(
        user, w2, stability=2, last_review=T0 - timedelta(days=20), due=T0 - timedelta(days=18)
    )
    plan = make_plan(user, minutes=15)  # 5 items of 3 minutes each fit
    with time_machine.travel(T0, tick=False):
        result = readiness.readiness(user=user, plan=plan, now=T0)
    assert [t.topic.name for t in result.topics] == ["New", "Weak", "Strong"]
    assert [(item.kind, item.title) for item in result.today] == [
        ("review", "W2"),  # least likely recalled now: longest overdue, least stable
        ("review", "W1"),
        ("new", "N-easy"),  # weakest topic first (nothing practised), easier level first
        ("new", "W3"),  # then the next weakest topic
        ("new", "S2"),  # then the strongest
    ]
    assert result.left_out == 1  # N-hard did not fit
    assert sum(item.seconds for item in result.today) == 5 * (120 + 60)
    assert n_hard.pk not in [item.question.pk for item in result.today]


def test_reviews_in_the_plan_stay_within_the_daily_review_limit():
    user = make_user()
    scheduling.ReviewSettings.objects.create(user=user, daily_limit=1, desired_retention=0.9)
    topic = make_topic()
    for _ in range(3):
        reviewed(user, make_question(topic=topic), stability=2, last_review=T0 - timedelta(days=5),
                 due=T0 - timedelta(days=1))  # fmt: skip
    plan = make_plan(user, minutes=120)
    result = readiness.readiness(user=user, plan=plan, now=T0)
    assert [item.kind for item in result.today] == ["review"]
    assert (result.due_in_scope, result.due_allowed) == (3, 1)


def test_a_kit_plan_covers_the_kits_questions():
    user = make_user()
    in_kit, elsewhere = make_question(), make_question()
    kit = make_kit(user, questions=[in_kit])
    plan = make_plan(user, kit=kit)
    result = readiness.readiness(user=user, plan=plan, now=T0)
    assert [item.question.pk for item in result.today] == [in_kit.pk]
    assert elsewhere.pk not in [item.question.pk for item in result.today]


# Starting today's plan and practising it ---------------------------------------------------------


def test_todays_plan_button_starts_the_session_through_start_session(monkeypatch):
    user = make_user()
    topic = make_topic()
    questions = [make_question(topic=topic, seconds=120) for _ in range(3)]
    make_plan(user, minutes=6, topics=[topic])
    calls = []
    real = services.start_session
    monkeypatch.setattr(services, "start_session", lambda **kw: calls.append(kw) or real(**kw))
    client = client_for(user)
    with time_machine.travel(T0, tick=False):
        assert "Today's plan</button>" in client.get("/").content.decode()
        response = client.post("/plan/start/")
    session = PracticeSession.objects.get(owner=user)
    assert response["Location"] == session.get_absolute_url()
    assert len(calls) == 1 and calls[0]["source"] == "plan"
    assert session.source == "plan" and session.question_count == 2
    assert [a.question_id for a in session.attempts.order_by("position")] == [
        questions[0].pk,
        questions[1].pk,
    ]


def test_the_plan_updates_as_the_candidate_practises():
    user = make_user()
    topic = make_topic(name="Statistics")
    first = make_question(topic=topic, seconds=120, title="First")
    make_question(topic=topic, seconds=120, title="Second")
    make_plan(user, minutes=3, topics=[topic])
    client = client_for(user)
    with time_machine.travel(T0, tick=False):
        assert "Not yet practised" in client.get("/plan/").content.decode()
        client.post("/plan/start/")
        session = PracticeSession.objects.get(owner=user, source="plan")
        attempt = session.attempts.get(state=AttemptState.ACTIVE)
        assert attempt.question_id == first.pk
        assert "carry on where you left off" in client.get("/plan/").content.decode()
        services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0, text="x", base=0)
        services.grade_attempt(session=session, attempt_id=attempt.pk, grade=3, ticked=[], now=T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        page = client.get("/plan/").content.decode()
    assert "Not yet practised" not in page and "1 of 2" in page
    assert "Second" in page[page.index("today-heading") : page.index("recall-heading")]


def test_starting_the_plan_again_resumes_the_open_one():
    user = make_user()
    make_question()
    make_plan(user)
    client = client_for(user)
    with time_machine.travel(T0, tick=False):
        client.post("/plan/start/")
        response = client.post("/plan/start/", follow=True)
    assert PracticeSession.objects.filter(owner=user, source="plan").count() == 1
    assert "already open" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_plan_start_creates_one_session():
    user = make_user()
    make_question()
    make_plan(user)
    results = run_at_once(4, lambda _i: readiness.start_or_resume_plan(user=user, now=T0))
    assert len({session.pk for session, _ in results}) == 1
    assert PracticeSession.objects.filter(owner=user, source="plan").count() == 1


def test_without_a_plan_the_start_button_says_why():
    user = make_user()
    response = client_for(user).post("/plan/start/", follow=True)
    assert "set your interview date first" in response.content.decode()
    assert not PracticeSession.objects.filter(owner=user).exists()


def test_plan_page_never_promises_an_outcome():
    user = make_user()
    make_question()
    make_plan(user)
    page = client_for(user).get("/plan/").content.decode().lower()
    assert "not a promise" in page
    for claim in ("you will pass", "guarantee", "you will be ready"):
        assert claim not in page


# Query counts -----------------------------------------------------------------------------------


def test_plan_and_dashboard_queries_stay_bounded_with_10000_attempts(
    django_assert_max_num_queries,
):
    user = make_user()
    make_history(user, attempts=10_000, end=T0)
    topics = [make_topic() for _ in range(5)]
    for i in range(60):
        question = make_question(topic=topics[i % 5])
        if i % 2:
            card = reviewed(user, question, stability=1 + i, last_review=T0 - timedelta(days=i),
                            due=T0 + timedelta(days=i - 30))  # fmt: skip
            ReviewLog.objects.create(card=card, rating=3, reviewed_at=T0 - timedelta(days=i))
    make_plan(user, topics=topics[:3], kit=make_kit(user, questions=[question]))
    make_session(user, now=T0)
    for url, limit in [("/plan/", 13), ("/", 13)]:  # one heavy history for both, each page alone
        cache.clear()
        client = client_for(user)
        with time_machine.travel(T0, tick=False), django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200, url


def test_reviews_done_in_a_plan_count_against_the_daily_limit_but_new_questions_do_not():
    user = make_user()
    topic = make_topic()
    old = make_question(topic=topic, seconds=60)
    new = make_question(topic=topic, seconds=60)
    reviewed(
        user, old, stability=2, last_review=T0 - timedelta(days=5), due=T0 - timedelta(hours=1)
    )
    make_plan(user, minutes=60, topics=[topic])
    session, _ = readiness.start_or_resume_plan(user=user, now=T0)
    assert [a.question_id for a in session.attempts.order_by("position")] == [old.pk, new.pk]
    for _ in range(2):
        attempt = session.attempts.get(state=AttemptState.ACTIVE)
        services.submit_attempt(session=session, attempt_id=attempt.pk, now=T0, text="x", base=0)
        services.grade_attempt(session=session, attempt_id=attempt.pk, grade=3, ticked=[], now=T0)
    assert scheduling.reviews_today(user, T0) == 1


def test_a_plan_whose_date_has_passed_says_so():
    user = make_user()
    make_question()
    make_plan(user, day=date(2026, 11, 10))
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        page = client_for(user).get("/plan/").content.decode()
    assert "Your interview date has passed" in page and "in -" not in page
