"""Benchmark: autosave, the session page, the question browser and search against a bare Django
project, all served by gunicorn in the same run, rounds interleaved.

Run from the repository root:  .venv/bin/python bench/bench_practice.py
Needs `wrk` (Debian: apt-get install wrk). It creates two scratch databases on the same server as
DATABASE_URL (or the private dev server): `bench_practice` for the app (a candidate with open
sessions and a generated bank of 10,000 questions) and `bench_practice_bare` for the bare project in
bench/bare/ (startproject's middleware, one UPDATE by primary key, one page reading one row). It
serves both with `gunicorn --workers 2` on 127.0.0.1, loads each endpoint from wrk in turn
(loopback only, fixed duration, rounds interleaved so drift hits both sides), prints a table and
drops the databases. Targets (against the bare project): autosave >= 70% of the bare UPDATE; the
session page >= 60% of the bare page; the question browser and a search >= 40% of the bare page
with p95 < 50 ms. BENCH_ENDPOINTS=save,bare_update,... runs a subset (the levers in
docs/benchmarks.md were measured that way).
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    BARE_PORT,
    CACHE,
    PORT,
    QUESTIONS,
    WORKERS,
    Stack,
    bare_rows,
    load_stack,
)

DB_NAME = "bench_practice"
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARM_UP = os.environ.get("BENCH_WARM_UP", "2s")  # per endpoint, unscored, before the rounds
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
ENDPOINTS = [
    # name, label, server, method, signed in
    ("save", "autosave POST", "app", "POST", True),
    ("bare", "bare project: one-UPDATE POST", "bare", "POST", False),
    ("stack_update", "one-UPDATE view on the app's stack", "app", "POST", True),
    ("page", "session page GET", "app", "GET", True),
    ("bare_page", "bare project: one-row page GET", "bare", "GET", False),
    ("stack_page", "one-row page on the app's stack", "app", "GET", True),
    ("browser", "question browser GET (anonymous)", "app", "GET", False),
    ("search", "search GET (anonymous)", "app", "GET", False),
]
TARGETS = [  # endpoint, baseline, minimum share, p95 limit (ms)
    ("save", "bare", 0.70, None),
    ("page", "bare_page", 0.60, None),
    ("browser", "bare_page", 0.40, 50.0),
    ("search", "bare_page", 0.40, 50.0),
]


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    with load_stack(DB_NAME, collectstatic=True) as stack:
        return measure(stack)


def measure(stack: Stack) -> int:
    notes = bare_rows(stack.bare_url, CONNECTIONS)  # one row per wrk connection
    fixture = prepare()
    fixture |= {
        "bare": [f"/update/{pk}/" for pk in notes],
        "bare_page": [f"/page/{pk}/" for pk in notes],
    }
    pids = stack.serve(f"/page/{notes[0]}/")
    return 0 if report(fixture, run_load(fixture, pids)) else 1


def prepare() -> dict:
    """A candidate with open 20-question sessions, a 10,000-question bank, cookies for wrk, and
    query counts measured in-process with the same requests."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.bench_search import generate_bank, searches
    from questions.models import FollowUp, Question, Topic
    from questions.models.practice import Clock
    from questions.services import start_session

    started = time.perf_counter()
    generate_bank(QUESTIONS)
    topic = Topic.objects.create(slug="bench", name="Bench", position=99)
    questions = []
    for i in range(20):
        q = Question.objects.create(
            topic=topic,
            slug=f"bench-{i}",
            title=f"Bench question {i}",
            prompt="Explain the bias-variance trade-off. " * 5,
            answer="A long model answer with **Markdown** and $x^2$. " * 40,
            key_points=["one", "two", "three", "four"],
            status="published",
        )
        for j in range(2):
            FollowUp(question=q, position=j, prompt="And then?", answer="Then this.").save()
        questions.append(q)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Question.objects.count()} questions in {time.perf_counter() - started:.0f} s")
    user = User.objects.create_user("bench", "bench@example.com", "bench-password-123")
    sessions = [
        start_session(
            user=user,
            questions=questions,
            clock=Clock.UNTIMED,
            minutes=None,
            now=timezone.now(),
            title=f"Bench {n}",
        )  # fmt: skip
        for n in range(CONNECTIONS)
    ]
    attempts = [s.attempts.get(state="active") for s in sessions]
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    csrf = "b" * 32  # an unmasked secret: valid as both cookie and header
    client.cookies["csrftoken"] = csrf
    save_urls = [f"/practice/{a.session_id}/attempts/{a.pk}/save/" for a in attempts]
    client.get(f"/practice/{sessions[0].pk}/")  # warm: the first request compiles and caches
    with CaptureQueriesContext(connection) as save_queries:
        response = client.post(
            save_urls[0], {"answer": "x", "base": 0, "writer": "bench"},
            HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=csrf,
        )  # fmt: skip
        assert response.status_code == 200, response.content
    # Give that attempt back its fresh state, for the wrk page that saves it next.
    type(attempts[0]).objects.filter(pk=attempts[0].pk).update(revision=0, writer="")
    with CaptureQueriesContext(connection) as page_queries:
        assert client.get(f"/practice/{sessions[0].pk}/").status_code == 200
    anonymous = Client(SERVER_NAME="127.0.0.1")
    anonymous.get("/questions/")
    with CaptureQueriesContext(connection) as browser_queries:
        assert anonymous.get("/questions/").status_code == 200
    search_paths = [f"/questions/?{urlencode(params)}" for params in searches()[:CONNECTIONS]]
    with CaptureQueriesContext(connection) as search_queries:
        assert anonymous.get(search_paths[0]).status_code == 200
    return {
        "cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
        "csrf": csrf,
        "save": save_urls,
        "page": [f"/practice/{s.pk}/" for s in sessions],
        "stack_update": [f"/bench/bare-update/{a.pk}/" for a in attempts],
        "stack_page": [f"/bench/bare-read/{a.pk}/" for a in attempts],
        "browser": [f"/questions/?page={n + 1}" for n in range(CONNECTIONS)],
        "search": search_paths,
        "queries": {
            "save": len(save_queries),
            "page": len(page_queries),
            "browser": len(browser_queries),
            "search": len(search_queries),
        },
    }


def wrk(
    paths: list[str],
    fixture: dict,
    *,
    port: int,
    post: bool,
    signed_in: bool,
    duration: str = DURATION,
) -> dict:
    command = [
        "wrk", f"-t{CONNECTIONS}", f"-c{CONNECTIONS}", f"-d{duration}", "--latency",
        "-H", "Accept: application/json",
        "-s", str(Path(__file__).with_name("load.lua")),
    ]  # fmt: skip
    if signed_in:
        command += ["-H", f"Cookie: {fixture['cookie']}", "-H", f"X-CSRFToken: {fixture['csrf']}"]
    if post:
        command += ["-H", "Content-Type: application/x-www-form-urlencoded"]
    command.append(f"http://127.0.0.1:{port}/")
    env = {
        **os.environ,
        "BENCH_PATHS": ",".join(paths),
        "BENCH_METHOD": "POST" if post else "GET",
    }
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(_wrk_field(r"Requests/sec:\s+([\d.]+)", out)),
        "p50": millis(_wrk_field(r"50%\s+([\d.]+\w+)", out)),
        "p95": int(_wrk_field(r"P95_US (\d+)", out)) / 1000,
        "p99": millis(_wrk_field(r"99%\s+([\d.]+\w+)", out)),
        "errors": int(bad.group(1)) if bad else 0,
        "requests": int(_wrk_field(r"(\d+) requests in", out)),
    }


def _wrk_field(pattern: str, out: str) -> str:
    match = re.search(pattern, out)
    if match is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return match.group(1)


def millis(text: str) -> float:
    number, unit = re.findall(r"([\d.]+)(\w+)", text)[0]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def selected() -> list[tuple]:
    wanted = [name for name in os.environ.get("BENCH_ENDPOINTS", "").split(",") if name]
    return [e for e in ENDPOINTS if not wanted or e[0] in wanted]


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's workers, PostgreSQL's
    backends): divided by the requests served, the cost of one request, whatever else runs."""
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(pid)
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += used.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def postmaster() -> int | None:
    """The private PostgreSQL's main process, when the benchmark runs on it."""
    from interviewprep import devdb

    if str(devdb.PGDATA) not in os.environ.get("DATABASE_URL", ""):
        return None
    pid_file = devdb.PGDATA / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def saved_revisions() -> int:
    """The attempts' revisions added up: how many saves were applied, compared between runs."""
    from django.db.models import Sum

    from questions.models import Attempt

    return Attempt.objects.aggregate(total=Sum("revision"))["total"] or 0


def run_load(fixture: dict, pids: dict[str, int]) -> dict:
    endpoints = selected()
    runs: dict[str, list[dict]] = {e[0]: [] for e in endpoints}
    database = postmaster()
    # Unscored first: a fresh worker imports the views and compiles templates on its first
    # requests, CPU that would otherwise be charged to whichever endpoint is measured first.
    for name, _label, server, method, signed_in in endpoints:
        port = BARE_PORT if server == "bare" else PORT
        wrk(fixture[name], fixture, port=port, post=method == "POST", signed_in=signed_in,
            duration=WARM_UP)  # fmt: skip
    for _ in range(ROUNDS):  # interleaved, so drift on a noisy machine hits both sides
        for name, _label, server, method, signed_in in endpoints:
            port = BARE_PORT if server == "bare" else PORT
            revisions = saved_revisions() if name == "save" else 0
            before = tree_cpu(pids[server]), tree_cpu(database) if database else 0.0
            result = wrk(
                fixture[name], fixture, port=port, post=method == "POST", signed_in=signed_in
            )
            after = tree_cpu(pids[server]), tree_cpu(database) if database else 0.0
            requests = max(1, result["requests"])
            if name == "save":  # each save the compare-and-swap applied moved a revision on
                result["applied"] = (saved_revisions() - revisions) / requests
            result["app_ms"] = (after[0] - before[0]) * 1000 / requests
            # A backend that ended during the run takes its CPU time with it: then unknown.
            db_used = after[1] - before[1]
            result["db_ms"] = db_used * 1000 / requests if database and db_used >= 0 else None
            runs[name].append(result)
    return runs


def report(fixture: dict, runs: dict) -> bool:
    def mean(name: str, key: str = "rps") -> float:
        return sum(r[key] for r in runs[name]) / len(runs[name])

    from django.conf import settings

    print(
        f"wrk -t{CONNECTIONS} -c{CONNECTIONS} -d{DURATION}, gunicorn --workers {WORKERS} (each "
        f"server), {ROUNDS} interleaved rounds; latencies are the mean over rounds"
    )
    database = settings.DATABASES["default"]
    print(
        f"app: cache {CACHE}, SESSION_ENGINE {settings.SESSION_ENGINE}, "
        f"health checks {database['CONN_HEALTH_CHECKS']}, "
        f"pool {'pool' in database.get('OPTIONS', {})}, CONN_MAX_AGE {database['CONN_MAX_AGE']}"
    )
    print(
        "| endpoint | req/s (mean) | rounds | p50 | p95 | p99 | non-2xx | queries "
        "| app CPU/req | DB CPU/req |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, label, *_ in selected():
        rounds = " / ".join(f"{r['rps']:.0f}" for r in runs[name])
        errors = sum(r["errors"] for r in runs[name])
        queries = fixture["queries"].get(name, "")
        known = [r["db_ms"] for r in runs[name] if r["db_ms"] is not None]
        db_ms = f"{sum(known) / len(known):.2f} ms" if known else ""
        print(
            f"| {label} | {mean(name):.0f} | {rounds} | {mean(name, 'p50'):.1f} ms "
            f"| {mean(name, 'p95'):.1f} ms | {mean(name, 'p99'):.1f} ms | {errors} | {queries} "
            f"| {mean(name, 'app_ms'):.2f} ms | {db_ms} |"
        )
    ok = True
    for name, baseline, share, p95_limit in TARGETS:
        if name not in runs or baseline not in runs:
            continue
        ratio = mean(name) / mean(baseline)
        met = ratio >= share and (p95_limit is None or mean(name, "p95") < p95_limit)
        ok &= met
        limit = f", p95 {mean(name, 'p95'):.1f} ms (target < {p95_limit:.0f})" if p95_limit else ""
        print(
            f"{name} / {baseline}: {ratio:.0%} (target >= {share:.0%}){limit}: "
            f"{'met' if met else 'MISSED'}"
        )
    for name, baseline in (("save", "stack_update"), ("page", "stack_page")):
        if name in runs and baseline in runs:
            print(f"{name} / {baseline} (same stack): {mean(name) / mean(baseline):.0%}")
    if "save" in runs:
        # The happy path is what the target is about: a save the compare-and-swap applied in one
        # statement (not a conflict, a retry or a refusal, which take another read).
        applied = min(r["applied"] for r in runs["save"])
        print(f"autosave: {applied:.0%} of each round's saves applied (the happy path)")
        ok &= applied >= 0.99
    errors = sum(r["errors"] for rs in runs.values() for r in rs)
    print("PASS" if ok and not errors else "MISS")
    return ok and not errors


if __name__ == "__main__":
    sys.exit(main())
