"""PreparedQuery: a queryset compiled once, then only executed, returns what the ORM returns."""

import pytest
from django.db.models import Count

from questions.models import Attempt, Question
from questions.models.practice import attempt_with_session, current_attempt_with_session
from questions.prepared import PreparedQuery
from tests.factories import make_question, make_session, make_topic, make_user

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_a_select_related_read_matches_the_orm_with_converters_and_no_further_query(
    django_assert_num_queries,
):
    owner, other = make_user(), make_user()
    session = make_session(owner, questions=[make_question(), make_question()])
    make_session(other)
    type(session).objects.filter(pk=session.pk).update(filters={"topic": ["ml"], "level": 2})
    prepared = current_attempt_with_session  # the session page's read
    expected = (
        Attempt.objects.current()
        .select_related("session")
        .get(session_id=session.pk, session__owner_id=owner.pk)
    )
    for _ in range(2):  # compiled on the first call, reused on the second
        with django_assert_num_queries(1):
            read = prepared.first(session.pk, owner.pk)
            assert read.session.owner_id == owner.pk  # from the same row: no query
        assert _fields(read) == _fields(expected)
        assert _fields(read.session) == _fields(expected.session)
        # JSON and date-time fields went through their converters, as the ORM's do.
        assert read.session.filters == expected.session.filters == {"topic": ["ml"], "level": 2}
        assert read.session.started_at.tzinfo is not None
        assert read._state.adding is False and read._state.db == "default"
    assert prepared.first(session.pk, other.pk) is None  # someone else's session: no row
    # The autosave's read of one attempt with its session, by the same rule.
    read = attempt_with_session.first(expected.pk, session.pk, owner.pk)
    assert _fields(read) == _fields(expected) and _fields(read.session) == _fields(expected.session)
    assert attempt_with_session.first(expected.pk, session.pk, other.pk) is None


def test_arguments_go_to_every_slot_and_annotations_are_set():
    topic = make_topic()
    questions = [make_question(topic=topic) for _ in range(3)]
    prepared = PreparedQuery(
        lambda topic_id: (
            Question.objects.filter(topic_id=topic_id)
            .exclude(pk=topic_id)  # the same argument twice, in two slots
            .annotate(follow_up_total=Count("follow_ups"))
            .order_by("pk")
        )
    )
    read = prepared.all(topic.pk)
    assert [q.pk for q in read] == [q.pk for q in questions]
    assert [q.follow_up_total for q in read] == [0, 0, 0]
    assert prepared.all(topic.pk + 1000) == []


def test_a_query_without_the_placeholder_is_refused():
    prepared = PreparedQuery(lambda pk: Question.objects.filter(pk=1))
    with pytest.raises(ValueError, match="placeholder"):
        prepared.all(1)


@pytest.mark.django_db(transaction=True)
def test_postgresql_parses_and_plans_it_once_per_connection():
    from django.db import connection

    connection.close()  # a fresh connection: nothing prepared on it yet
    user = make_user()
    session = make_session(user)
    for _ in range(3):
        assert current_attempt_with_session.first(session.pk, user.pk) is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len([s for s in statements if '"questions_attempt"' in s]) == 1
