"""What the benchmarks share: running in this process on a migrated scratch database, and, for the
load benchmarks, the app and the bare project (bench/bare) served by gunicorn side by side.

`in_process(name, measure)` runs `measure()` with Django set up on a scratch database `name`
(DEBUG off, migrated). `load_stack(name)` creates `name` and `name_bare`, starts the shared cache
(Valkey/Redis when `redis-server` exists, else PostgreSQL through Django's database cache),
migrates both, sets Django up here on the app's database and yields a `Stack`, whose `serve()`
starts both gunicorns; everything it started is stopped at the end, before the databases go.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
PORT = 8011
BARE_PORT = 8012
REDIS_PORT = 8013
WORKERS = os.environ.get("BENCH_WORKERS", "2")
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "10000"))  # the size of the generated bank
# The shared cache: "redis" (production's Valkey/Redis, started here if redis-server exists) or
# "db" (the embedded default: PostgreSQL through Django's database cache).
CACHE = os.environ.get("BENCH_CACHE", "redis" if shutil.which("redis-server") else "db")


def in_process(name: str, measure: Callable[[], int], **env: str) -> int:
    """Run `measure()` here on a scratch database `name`, migrated, with DEBUG off (no query
    log: the queries are timed as production runs them). `env` is added to the environment."""
    with scratch_database(name) as url:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interviewprep.settings")
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False
        call_command("migrate", verbosity=0)
        return measure()


def server_env(url: str, *, unlimited_autosave: bool = True) -> dict[str, str]:
    """The app's environment under gunicorn, on the database at `url`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k3y" * 20,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }
    if unlimited_autosave:
        # wrk saves far faster than a person types; the limit (a separate path) would turn the
        # measured happy path into refusals after 240 saves a minute.
        env["RATE_LIMIT_AUTOSAVE"] = "100000000/m"
    return env


def start_cache(env: dict[str, str], port: int = REDIS_PORT) -> subprocess.Popen | None:
    """The production shape, with BENCH_CACHE=redis (the default where `redis-server` exists):
    sessions, counters and bank pages in a shared Valkey/Redis on loopback, named in `env`.
    Returns the server to stop, or None with the embedded database cache."""
    if CACHE != "redis":
        return None
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    env["CACHE_URL"] = f"redis://127.0.0.1:{port}/0"
    return server


def gunicorn(module: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            module,
            "--workers",
            WORKERS,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def bare_rows(bare_url: str, count: int) -> list[int]:
    """`count` rows of the bare project's table (one per connection or candidate): their ids."""
    import psycopg

    with psycopg.connect(bare_url, autocommit=True) as conn:
        rows = conn.execute(
            "INSERT INTO bare_note (title, text) SELECT 'Note ' || n, '' "
            "FROM generate_series(1, %s) AS n RETURNING id",
            [count],
        ).fetchall()
    return [pk for (pk,) in rows]


@dataclass
class Stack:
    url: str
    bare_url: str
    env: dict[str, str]
    bare_env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def serve(self, bare_probe: str) -> dict[str, int]:
        """Start gunicorn for the app and for the bare project, and wait until both answer
        (the bare one at `bare_probe`). Returns their main processes' ids by side."""
        app = gunicorn("bench.wsgi", PORT, self.env)
        self.processes.append(app)
        bare = gunicorn("bench.bare.wsgi", BARE_PORT, self.bare_env)
        self.processes.append(bare)
        wait_for(f"http://127.0.0.1:{PORT}/healthz")
        wait_for(f"http://127.0.0.1:{BARE_PORT}{bare_probe}")
        return {"app": app.pid, "bare": bare.pid}


@contextmanager
def load_stack(
    name: str, *, unlimited_autosave: bool = True, collectstatic: bool = False
) -> Iterator[Stack]:
    with scratch_database(name) as url, scratch_database(f"{name}_bare") as bare_url:
        stack = Stack(
            url=url,
            bare_url=bare_url,
            env=server_env(url, unlimited_autosave=unlimited_autosave),
            bare_env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bench.bare.settings",
                "BARE_DATABASE_URL": bare_url,
                "PYTHONPATH": str(ROOT),
            },
        )
        try:
            if cache := start_cache(stack.env):
                stack.processes.append(cache)
            os.environ.update(stack.env)
            commands = [["migrate", "-v0"]]
            if collectstatic:
                commands.append(["collectstatic", "--no-input", "-v0"])
            for command in commands:
                subprocess.run(
                    [sys.executable, "manage.py", *command], cwd=ROOT, env=stack.env, check=True
                )
            subprocess.run(
                [sys.executable, "-m", "django", "migrate", "-v0"],
                cwd=ROOT,
                env=stack.bare_env,
                check=True,
            )
            import django

            django.setup()
            yield stack
        finally:
            for process in reversed(stack.processes):
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
