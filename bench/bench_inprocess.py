"""Benchmark: CPU per request of the hot endpoints, in-process, with an optional profile.

Run from the repository root:  .venv/bin/python bench/bench_inprocess.py
The served benchmark (bench_practice.py) says how fast; this one says where the time goes. It
builds bench_practice.py's fixture (a candidate with open sessions, BENCH_QUESTIONS questions, 200
by default) in the scratch database `bench_inprocess`, with the production settings and a loopback
Valkey/Redis when `redis-server` exists, then calls the WSGI application directly (no server, no
sockets to a client) BENCH_REQUESTS times per endpoint and prints the process CPU time per
request. Each endpoint is warmed first. Knobs:
  BENCH_ENDPOINTS=save,page,browser    which endpoints (also stack_update, stack_page, search)
  BENCH_PROFILE=1                      also write a cProfile (CPU time) to bench/out/<name>.txt
  BENCH_DROP_MIDDLEWARE=csp,axes       run without the middleware whose path contains these
  BENCH_SAME_TEXT=1                    every save sends the same text (as bench_practice's wrk does)
  BENCH_BARE=0                         skip the bare project (bench/bare/), measured by default in a
                                       second process, the same way, for the ratios
Quiet enough to compare two commits on a shared machine: run it on each, twice, interleaved.
"""

import cProfile
import functools
import io
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_QUESTIONS", "200")

from bench import bench_practice  # noqa: E402
from bench.common import server_env, start_cache  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
ENDPOINTS = [e for e in os.environ.get("BENCH_ENDPOINTS", "save,page,browser").split(",") if e]
DROP = [m for m in os.environ.get("BENCH_DROP_MIDDLEWARE", "").split(",") if m]
SAME_TEXT = bool(os.environ.get("BENCH_SAME_TEXT"))  # every save sends the same text, as wrk does
REDIS_PORT = 8014  # not the load benchmarks' 8013: this one may run beside them
POSTS = {"save", "stack_update"}
SIGNED_IN = {"save", "stack_update", "page", "stack_page"}
BARE = os.environ.get("BENCH_BARE", "1") != "0"
TARGETS = [("save", "bare", 0.70), ("page", "bare_page", 0.60), ("browser", "bare_page", 0.40)]


def environ(method: str, path: str, fixture: dict, signed_in: bool, body: bytes) -> dict:
    path, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8011",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if signed_in:
        env["HTTP_COOKIE"] = fixture["cookie"]
        env["HTTP_X_CSRFTOKEN"] = fixture["csrf"]
    if body:
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        env["CONTENT_LENGTH"] = str(len(body))
    return env


def main() -> int:
    if sys.argv[1:] == ["--bare"]:
        return measure_bare()
    bare: dict[str, float] = {}
    if BARE:
        with scratch_database("bench_inprocess_bare") as bare_url:
            out = subprocess.run(
                [sys.executable, __file__, "--bare"],
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "bench.bare.settings",
                    "BARE_DATABASE_URL": bare_url,
                    "PYTHONPATH": str(ROOT),
                },
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        bare = {name: float(cpu) for name, cpu in (line.split() for line in out.splitlines())}
    with scratch_database("bench_inprocess") as url:
        env = server_env(url)
        cache = start_cache(env, REDIS_PORT)
        os.environ.update(env)
        try:
            for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
                subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True)
            return measure(bare)
        finally:
            from django.db import connections

            connections.close_all()
            if cache is not None:
                cache.terminate()
                cache.wait(timeout=10)


def measure_bare() -> int:
    """The bare project's two views, called the same way: prints "name cpu_ms" lines."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from bench.common import bare_rows

    call_command("migrate", verbosity=0)
    pk = bare_rows(os.environ["BARE_DATABASE_URL"], 1)[0]
    app = get_wsgi_application()
    paths = {"bare": f"/update/{pk}/", "bare_page": f"/page/{pk}/"}
    for name, path in paths.items():
        method = "POST" if name == "bare" else "GET"
        for i in range(50 + REQUESTS):
            if i == 50:
                started = time.process_time()
            body = f"answer=text+{i}".encode() if method == "POST" else b""
            wsgi_call(app, environ(method, path, {}, False, body))
        print(name, (time.process_time() - started) / REQUESTS * 1000)
    return 0


def wsgi_call(app: Callable, env: dict) -> str:
    status: list[str] = []

    def start_response(line: str, headers: list, exc_info: Any = None) -> Callable:
        status.append(line)
        return lambda data: None

    result = app(env, start_response)
    b"".join(result)
    result.close()
    return status[0]


def measure(bare: dict[str, float]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from questions.models import Attempt

    fixture = bench_practice.prepare()
    if DROP:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not any(d in m for d in DROP)]
    app = get_wsgi_application()
    print(f"cache: {settings.CACHES['default']['BACKEND']}; middleware: {len(settings.MIDDLEWARE)}")

    def call(name: str, i: int) -> str:
        paths = fixture[name]
        # Each save continues its page's own revision (the same writer), as a typing page does.
        text = "the+same+text" if SAME_TEXT else f"text+{i}"
        body = f"answer={text}&base=0&writer=inprocess".encode() if name == "save" else b""
        method = "POST" if name in POSTS else "GET"
        return wsgi_call(
            app, environ(method, paths[i % len(paths)], fixture, name in SIGNED_IN, body)
        )

    print("| endpoint | CPU per request | requests |\n| --- | --- | --- |")
    for name, cpu in bare.items():
        print(f"| {name} (bare project) | {cpu:.2f} ms | {REQUESTS} |")
    measured: dict[str, float] = {}
    for name in ENDPOINTS:
        if name == "save":
            Attempt.objects.update(revision=0, writer="")
        for i in range(50):
            status = call(name, i)
        if not status.startswith("200"):
            print(f"{name} answered {status}", file=sys.stderr)
            return 1
        started = time.process_time()
        for i in range(REQUESTS):
            call(name, i)
        cpu = (time.process_time() - started) / REQUESTS * 1000
        print(f"| {name} | {cpu:.2f} ms | {REQUESTS} |")
        measured[name] = cpu
        if os.environ.get("BENCH_PROFILE"):
            profile(name, functools.partial(call, name))
    for name, baseline, share in TARGETS:
        if name in measured and baseline in bare:
            ratio = bare[baseline] / measured[name]
            print(f"{name} / {baseline}, CPU per request: {ratio:.0%} (target {share:.0%})")
    return 0


def profile(name: str, call: Callable[[int], str]) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(REQUESTS // 2):
        call(i)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(80)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
    path = ROOT / "bench" / "out" / f"{name}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(out.getvalue())
    print(f"  profile: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
