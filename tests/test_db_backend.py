"""The database backend (interviewprep/db/base.py): a health check's round trip only after
idleness, and the autosave's statement prepared once per connection.

Real PostgreSQL throughout: the connection under test is ended from a second connection with
pg_terminate_backend, and what the check does is read from whether Django noticed; what is
prepared is read from pg_prepared_statements.
"""

import time

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection, connections


def end_the_server_side_of(conn) -> None:
    pid = conn.connection.info.backend_pid
    params = conn.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        # Wait until the server has let it go (the signal is asynchronous).
        for _ in range(100):
            row = killer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            if row is None:
                return
            time.sleep(0.02)


def one(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def fails_once_then_reconnects(conn) -> None:
    """With no round trip before it, the request on a connection the server ended fails once;
    the request boundary then drops the connection and the next request reconnects."""
    first = conn.connection
    close_old_connections()
    end_the_server_side_of(conn)
    close_old_connections()
    with pytest.raises(OperationalError):
        one(conn)
    close_old_connections()
    assert one(conn) == 1
    assert conn.connection is not first


@pytest.fixture
def checked_connection(settings):
    """The default connection as an app server holds it: persistent, health checks on."""
    saved = dict(connection.settings_dict)
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.close()
    connection.ensure_connection()
    yield connection
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_the_backend_is_ours():
    assert connection.settings_dict["ENGINE"] == "interviewprep.db"
    assert type(connections["default"]).__module__ == "interviewprep.db.base"


@pytest.mark.django_db(transaction=True)
def test_a_connection_idle_past_the_threshold_is_tested_and_replaced(checked_connection, settings):
    settings.HEALTH_CHECK_IDLE_SECONDS = 0
    first = checked_connection.connection
    close_old_connections()  # a request ends
    end_the_server_side_of(checked_connection)
    close_old_connections()  # the next one starts
    # The round trip finds the connection dead; Django opens a new one and the query succeeds.
    assert one(checked_connection) == 1
    assert checked_connection.connection is not first


@pytest.mark.django_db(transaction=True)
def test_a_connection_busy_a_moment_ago_skips_the_round_trip(checked_connection, settings):
    settings.HEALTH_CHECK_IDLE_SECONDS = 60
    fails_once_then_reconnects(checked_connection)


@pytest.mark.django_db(transaction=True)
def test_a_connection_psycopg_knows_is_closed_is_dropped_without_a_round_trip(
    checked_connection, settings
):
    settings.HEALTH_CHECK_IDLE_SECONDS = 60
    close_old_connections()
    checked_connection.connection.close()  # psycopg's own state says closed
    close_old_connections()
    assert one(checked_connection) == 1


@pytest.mark.django_db(transaction=True)
def test_the_check_is_skipped_when_health_checks_are_off(checked_connection, settings):
    settings.HEALTH_CHECK_IDLE_SECONDS = 0
    checked_connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    checked_connection.close()
    checked_connection.ensure_connection()
    fails_once_then_reconnects(checked_connection)


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def two_saves(user) -> int:
    from django.utils import timezone

    from questions import services
    from tests.factories import make_session

    now = timezone.now()
    session = make_session(user, now=now)
    attempt = session.attempts.get(state="active")
    revision = 0
    for text in ("first", "second"):
        result = services.save_answer(
            session_id=session.pk,
            attempt_id=attempt.pk,
            owner_id=user.pk,
            text=text,
            base=revision,
            writer="tab",
            now=now,
        )
        assert result is not None and result.outcome == "saved"
        revision = result.revision
    return revision


@pytest.mark.django_db(transaction=True)
def test_the_autosave_statement_is_prepared_once_and_reused(settings):
    from tests.factories import make_user

    settings.DATABASE_PREPARED_STATEMENTS = True
    connection.close()  # a fresh connection: nothing prepared on it yet
    user = make_user()
    assert two_saves(user) == 2
    [statement] = [s for s in prepared_statements() if 'UPDATE "questions_attempt"' in s]
    assert "$1" in statement  # bound on the server: the text is not in the plan's key
    assert two_saves(user) == 2  # a second session's saves reuse it
    assert len([s for s in prepared_statements() if "questions_attempt" in s]) == 1


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_can_be_turned_off(settings):
    from tests.factories import make_user

    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()  # a fresh connection: nothing prepared on it yet
    assert two_saves(make_user()) == 2
    assert not [s for s in prepared_statements() if "questions_attempt" in s]


@pytest.mark.django_db(transaction=True)
def test_django_own_queries_are_never_prepared():
    from django.contrib.auth.models import User

    connection.close()
    for _ in range(10):
        list(User.objects.filter(username="nobody"))
    assert prepared_statements() == []
