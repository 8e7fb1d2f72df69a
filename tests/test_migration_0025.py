"""Migration 0025: suggestion records gain their owner, and undone grades' records go."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("questions", "0024_attempt_session_stats_index_with_id")]
AFTER = [("questions", "0025_suggestion_record_owner")]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_records_gain_their_owner_and_undone_grades_lose_theirs():
    apps = migrate(BEFORE)
    User = apps.get_model("auth", "User")
    Topic = apps.get_model("questions", "Topic")
    Question = apps.get_model("questions", "Question")
    Session = apps.get_model("questions", "PracticeSession")
    Attempt = apps.get_model("questions", "Attempt")
    Record = apps.get_model("questions", "SuggestionRecord")
    ada, bob = User.objects.create(username="ada"), User.objects.create(username="bob")
    topic = Topic.objects.create(name="Evaluation", slug="evaluation")
    question = Question.objects.create(
        topic=topic, title="Precision", slug="precision", prompt="?", answer="!"
    )
    records = {}
    # Ada's graded answer, her undone grade, Bob's answer, and shared kit results kept without
    # an owner after their candidate deleted the account.
    for owner, grade in [(ada, 3), (ada, None), (bob, 2), (None, 4)]:
        session = Session.objects.create(owner=owner, started_at=T0, deadline=T0)
        attempt = Attempt.objects.create(
            session=session, question=question, position=Attempt.objects.count(), grade=grade
        )
        records[(owner and owner.username, grade)] = Record.objects.create(
            attempt=attempt, key_point_count=3, suggested_count=1, recorded_at=T0
        ).pk

    apps = migrate(AFTER)
    Record = apps.get_model("questions", "SuggestionRecord")
    owners = dict(Record.objects.values_list("pk", "owner__username"))
    assert owners == {records[("ada", 3)]: "ada", records[("bob", 2)]: "bob"}

    migrate(BEFORE)  # and back: the column goes, the rows stay
    migrate(AFTER)
    apps = migrate([("questions", max_migration())])
    assert apps.get_model("questions", "SuggestionRecord").objects.count() == 2


def max_migration() -> str:
    executor = MigrationExecutor(connection)
    return max(name for app, name in executor.loader.graph.leaf_nodes() if app == "questions")
