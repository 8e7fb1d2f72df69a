"""A scratch database for a benchmark: created on the development server, dropped at the end."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def server_url() -> str:
    """DATABASE_URL, or the private development server (started if needed)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    from interviewprep import devdb

    return devdb.start()


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """Create database `name` (dropping a leftover), yield its URL, and drop it afterwards."""
    url = server_url()
    admin_sql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin_sql(url, f"CREATE DATABASE {name}")
    try:
        yield with_database(url, name)
    finally:
        try:
            from django.conf import settings
            from django.db import connections

            if settings.configured:  # not yet, when a subprocess used the database
                connections.close_all()
        except ImportError:
            pass
        admin_sql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
