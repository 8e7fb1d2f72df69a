"""Django's PostgreSQL backend, with a health check that skips connections busy a moment ago,
and a cursor for the hot statements that PostgreSQL prepares once per connection
(`prepared_cursor`, below).

Django's CONN_HEALTH_CHECKS sends a ``SELECT 1`` before the first query of every request that
reuses a connection: one round trip per autosave, about a seventh of its CPU on this machine
(docs/benchmarks.md). The connections it protects against are the ones PostgreSQL, a proxy or a
firewall closed while they sat idle (``idle_session_timeout``, PgBouncer's
``server_idle_timeout``, a restart during a quiet spell). This wrapper keeps that check for a
connection that has been idle for ``HEALTH_CHECK_IDLE_SECONDS`` (settings, default 30) and skips
it for one that served a request more recently: a worker under load pays nothing, one waking up
after a pause still tests its connection first. A connection psycopg already knows is broken is
dropped without a round trip either way. What the skip gives up: if the server goes away in the
seconds between two requests, the next request on that connection fails once (Django then sees
the error and reconnects), which the autosave's retry covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg import pq

# Only cursors from prepared_cursor() prepare (they ask for it on every execute). Django's own
# cursors bind on the client and never prepare, whatever this is; psycopg needs it not None.
NEVER_BY_COUNT = 2**31 - 1


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding, the statement prepared on the connection the first time it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> _PreparingCursor:
        kwargs["prepare"] = True
        return super().execute(query, params, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    # Set by Django's BaseDatabaseWrapper (not in django-stubs).
    health_check_enabled: bool
    health_check_done: bool
    _prepare_cursor: Callable[[Any], CursorWrapper]
    # Request boundaries (request_started / request_finished) call close_if_unusable_or_obsolete;
    # the time of the last call is when the connection last served, or was about to serve, a
    # request. None until the first boundary: a new connection is healthy by definition.
    last_boundary: float | None = None
    idle_before_check: float | None = None

    def close_if_unusable_or_obsolete(self) -> None:
        now = time.monotonic()
        self.idle_before_check = None if self.last_boundary is None else now - self.last_boundary
        self.last_boundary = now
        super().close_if_unusable_or_obsolete()

    def connect(self) -> None:
        super().connect()
        self.last_boundary = time.monotonic()
        self.idle_before_check = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.pool and connection.prepare_threshold is None:
            connection.prepare_threshold = NEVER_BY_COUNT
        return connection

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor whose statements PostgreSQL parses and plans once per connection.

        For the few statements run on every request of a hot endpoint (the autosave's
        compare-and-swap, the PreparedQuery reads): Django binds parameters on the client, so
        PostgreSQL parses and plans each statement anew. A plain cursor with psycopg's pool or
        with DATABASE_PREPARED_STATEMENTS=0, which a deployment behind PgBouncer in transaction
        mode needs unless PgBouncer is 1.21 or newer with max_prepared_statements set (nothing
        here detects it: a statement prepared on one server connection would be missing on
        the next).
        """
        if self.pool or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(_PreparingCursor(self.connection))

    def idle_for_a_while(self) -> bool:
        threshold = float(getattr(settings, "HEALTH_CHECK_IDLE_SECONDS", 30))
        return self.idle_before_check is not None and self.idle_before_check >= threshold

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or self.pool
            or not self.health_check_enabled
            or self.health_check_done
        ):
            return
        broken = self.connection.closed or self.connection.pgconn.status != pq.ConnStatus.OK
        if broken or (self.idle_for_a_while() and not self.is_usable()):
            self.close()
        self.health_check_done = True
