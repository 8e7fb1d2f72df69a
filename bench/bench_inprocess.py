"""Benchmark: CPU per request of the hot endpoints, in-process, with an optional profile.

Run from the repository root:  .venv/bin/python bench/bench_inprocess.py
The served benchmark (bench_practice.py) says how fast; this one says where the time goes. It
builds bench_practice.py's fixture (a candidate with open sessions, BENCH_QUESTIONS questions, 200
by default) in the scratch database `bench_inprocess`, with the production settings and a loopback
Valkey/Redis when `redis-server` exists, then calls the WSGI application directly (no server, no
sockets to a client) BENCH_REQUESTS times per endpoint, in BENCH_BATCHES batches, and prints the
process CPU time per request of the cheapest batch (interference only ever adds time). Each
endpoint is warmed first. Knobs:
  BENCH_ENDPOINTS=save,page,browser    which endpoints (also stack_update, stack_page, search)
  BENCH_PROFILE=1                      also write a cProfile (CPU time) to bench/out/<name>.txt
  BENCH_DROP_MIDDLEWARE=csp,axes       run without the middleware whose path contains these
  BENCH_SAME_TEXT=1                    every save sends the same text (as bench_practice's wrk does)
  BENCH_BARE=0                         skip the bare project (bench/bare/), measured by default in a
                                       second process, the same way, batch for batch interleaved
                                       with each endpoint, for the ratios
Quiet enough to compare two commits on a shared machine: run it on each, twice, interleaved.
"""

import contextlib
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
BATCHES = int(os.environ.get("BENCH_BATCHES", "5"))
BASELINES = {
    "save": "bare",
    "stack_update": "bare",
    "page": "bare_page",
    "stack_page": "bare_page",
    "browser": "bare_page",
    "search": "bare_page",
}
TARGETS = {"save": 0.70, "page": 0.60, "browser": 0.40, "search": 0.40}


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
        return serve_bare()
    with contextlib.ExitStack() as stack:
        bare = None
        if BARE:
            bare_url = stack.enter_context(scratch_database("bench_inprocess_bare"))
            bare = subprocess.Popen(
                [sys.executable, __file__, "--bare"],
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "bench.bare.settings",
                    "BARE_DATABASE_URL": bare_url,
                    "PYTHONPATH": str(ROOT),
                },
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            stack.callback(bare.wait, 30)
            stack.callback(bare.stdin.close)  # type: ignore[union-attr]
            assert bare.stdout.readline().strip() == "ready"  # type: ignore[union-attr]
        url = stack.enter_context(scratch_database("bench_inprocess"))
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
    return 0


def serve_bare() -> int:
    """The bare project's two views, called the same way, a batch at a time: reads
    "name first count" lines, answers with the batch's CPU ms per request."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from bench.common import bare_rows

    call_command("migrate", verbosity=0)
    pk = bare_rows(os.environ["BARE_DATABASE_URL"], 1)[0]
    app = get_wsgi_application()
    paths = {"bare": f"/update/{pk}/", "bare_page": f"/page/{pk}/"}

    def call(name: str, i: int) -> None:
        method = "POST" if name == "bare" else "GET"
        body = f"answer=text+{i}".encode() if method == "POST" else b""
        wsgi_call(app, environ(method, paths[name], {}, False, body))

    for name in paths:
        for i in range(50):
            call(name, i)
    print("ready", flush=True)
    for line in sys.stdin:
        name, first, count = line.split()
        started = time.process_time()
        for i in range(int(first), int(first) + int(count)):
            call(name, i)
        print((time.process_time() - started) / int(count) * 1000, flush=True)
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


def measure(bare: subprocess.Popen | None) -> int:
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
    ratios: list[str] = []
    for name in ENDPOINTS:
        if name == "save":
            Attempt.objects.update(revision=0, writer="")
        for i in range(50):
            status = call(name, i)
        if not status.startswith("200"):
            print(f"{name} answered {status}", file=sys.stderr)
            return 1
        # Batches of this endpoint and of its bare baseline, interleaved; the least of each
        # (interference from the rest of the machine only ever adds time).
        baseline = BASELINES.get(name) if bare is not None else None
        size = max(1, REQUESTS // BATCHES)
        cpu = base_cpu = float("inf")
        for batch in range(BATCHES):
            started = time.process_time()
            for i in range(batch * size, (batch + 1) * size):
                call(name, i)
            cpu = min(cpu, (time.process_time() - started) / size * 1000)
            if baseline is not None and bare is not None:
                bare.stdin.write(f"{baseline} {batch * size} {size}\n")  # type: ignore[union-attr]
                bare.stdin.flush()  # type: ignore[union-attr]
                base_cpu = min(base_cpu, float(bare.stdout.readline()))  # type: ignore[union-attr]
        print(f"| {name} | {cpu:.2f} ms | {REQUESTS} |")
        if baseline is not None:
            print(
                f"| {name}'s baseline, interleaved: {baseline} | {base_cpu:.2f} ms | {REQUESTS} |"
            )
            target = TARGETS.get(name)
            ratios.append(
                f"{name} / {baseline}, CPU per request: {base_cpu / cpu:.0%}"
                + (f" (target {target:.0%})" if target else "")
            )
        if os.environ.get("BENCH_PROFILE"):
            profile(name, functools.partial(call, name))
    print("\n".join(ratios))
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
    profiler.dump_stats(path.with_suffix(".prof"))  # for pstats' print_callees
    print(f"  profile: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
