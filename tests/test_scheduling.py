"""Spaced review: self-grades feed FSRS cards; due items come back, most overdue first."""

from datetime import UTC, datetime, timedelta

import pytest

from questions import scheduling, services
from questions.models import PracticeSession, ReviewCard, ReviewLog, ReviewSettings
from questions.models.review import LEECH_LAPSES
from tests.factories import answer_and_grade, make_follow_up, make_question, make_session, make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def graded_card(user, question, grades, start=T0, gap=timedelta(days=0)) -> ReviewCard:
    now = start
    for grade in grades:
        session = make_session(user, questions=[question], now=now, with_follow_ups=False)
        answer_and_grade(session, grade, now)
        now += gap
    return ReviewCard.objects.get(owner=user, question=question, follow_up=None)


def test_grading_creates_a_card_and_a_log_entry():
    user, question = make_user(), make_question()
    card = graded_card(user, question, [3])
    assert card.reps == 1 and card.due > T0
    log = ReviewLog.objects.get(card=card)
    assert (log.rating, log.reviewed_at) == (3, T0)


def test_good_pushes_the_due_date_further_than_again():
    user, q_good, q_again = make_user(), make_question(), make_question()
    good = graded_card(user, q_good, [3, 3], gap=timedelta(days=1))
    again = graded_card(user, q_again, [3, 1], gap=timedelta(days=1))
    assert good.due > again.due
    assert again.due <= T0 + timedelta(days=1, minutes=15)  # back within minutes
    assert again.lapses == 1


def test_each_good_review_spaces_the_item_out_further():
    user, question = make_user(), make_question()
    dues = []
    now = T0
    for _ in range(4):
        card = graded_card(user, question, [3], start=now)
        dues.append(card.due - now)
        now = card.due
    assert dues == sorted(dues)
    assert dues[-1] > timedelta(days=3)


def test_follow_ups_are_scheduled_as_their_own_items():
    user, question = make_user(), make_question()
    make_follow_up(question=question)
    session = make_session(user, questions=[question], now=T0)
    answer_and_grade(session, 4, T0)
    answer_and_grade(session, 1, T0)
    cards = ReviewCard.objects.filter(owner=user, question=question)
    assert cards.count() == 2
    assert cards.get(follow_up__isnull=False).lapses == 1


def test_a_question_failed_eight_times_is_a_leech():
    user, question = make_user(), make_question()
    card = graded_card(user, question, [1] * (LEECH_LAPSES - 1))
    assert not card.leech
    card = graded_card(user, question, [1])
    assert card.leech and card.lapses == LEECH_LAPSES


def test_due_cards_come_most_overdue_first_and_only_published():
    user = make_user()
    late, later, retired = make_question(), make_question(), make_question()
    for question in (late, later, retired):
        graded_card(user, question, [1])
    ReviewCard.objects.filter(question=late).update(due=T0 - timedelta(days=3))
    ReviewCard.objects.filter(question=later).update(due=T0 - timedelta(days=1))
    retired.status = "retired"
    retired.save()
    due = scheduling.due_cards(user, T0 + timedelta(hours=1))
    assert [c.question_id for c in due] == [late.pk, later.pk]


def test_review_session_takes_due_items_within_the_daily_cap():
    user = make_user()
    ReviewSettings.objects.create(user=user, daily_limit=2)
    questions = [make_question() for _ in range(3)]
    for question in questions:
        graded_card(user, question, [1])
    now = T0 + timedelta(hours=2)
    session = services.start_review(user=user, now=now)
    assert session.source == PracticeSession.Source.REVIEW
    assert session.question_count == 2
    assert scheduling.due_today(user, now) == (3, 2)
    for _ in range(2):
        answer_and_grade(session, 3, now)
    assert scheduling.due_today(user, now)[1] == 0
    assert services.start_review(user=user, now=now) is None


def test_nothing_due_means_no_review_session():
    user = make_user()
    graded_card(user, make_question(), [4])
    assert services.start_review(user=user, now=T0 + timedelta(minutes=1)) is None


def test_desired_retention_changes_the_interval():
    eager, relaxed = make_user(), make_user()
    ReviewSettings.objects.create(user=eager, desired_retention=0.97)
    ReviewSettings.objects.create(user=relaxed, desired_retention=0.75)
    question = make_question()
    a = graded_card(eager, question, [3, 3], gap=timedelta(days=1))
    b = graded_card(relaxed, question, [3, 3], gap=timedelta(days=1))
    assert a.due < b.due


def test_cards_are_private_to_their_owner():
    alice, bob, question = make_user(), make_user(), make_question()
    graded_card(alice, question, [1])
    assert scheduling.due_cards(bob, T0 + timedelta(days=1)) == []
