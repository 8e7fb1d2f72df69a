"""Benchmark: downloading a 10,000-question bank as Anki, Moodle XML, GIFT and CSV.

Run from the repository root:  .venv/bin/python bench/bench_exports.py
It creates a database `bench_exports` on the same server as DATABASE_URL (or the private dev
server), migrates it, imports the real bank (fixtures/bank: 338 questions, 666 follow-ups) and
copies its questions, with their follow-ups and stored HTML, until the bank holds 10,000. Then it
downloads /questions/export.<format> through the real view (Django's test client, reading the
streamed body and throwing it away), timing each, and measures the Python memory peak
(tracemalloc) of the same download of 1,000 and of 10,000 questions: streaming means the peak
does not grow with the bank. Drops the database at the end. Targets: every format under 30 s,
and the 10,000-question peak under twice the 1,000-question one.
"""

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUESTIONS, ROOT, in_process  # noqa: E402

DB_NAME = "bench_exports"
SMALL = 1000
TARGET_SECONDS = 30.0
FORMATS = tuple(os.environ.get("BENCH_FORMATS", "apkg,xml,gift,csv").split(","))


def grow_bank(total: int) -> None:
    """Copy the imported questions (and their follow-up trees) until there are `total`."""
    from questions.models import FollowUp, Question

    originals = list(
        Question.objects.exclude(slug__contains="-copy-")
        .order_by("pk")
        .prefetch_related("follow_ups")
    )
    copies = 0
    n = need_start = Question.objects.count()
    need = total - need_start
    while copies < need:
        batch = []
        for original in originals[: need - copies]:
            n += 1
            clone = Question(
                **{
                    f.attname: getattr(original, f.attname)
                    for f in Question._meta.concrete_fields
                    if f.attname not in ("id", "search", "slug", "position")
                },
                slug=f"{original.slug}-copy-{n}"[:120],
                position=original.position + 1000 * (n // len(originals) + 1),
            )
            clone._source = original  # type: ignore[attr-defined]
            batch.append(clone)
        Question.objects.bulk_create(batch)
        copies += len(batch)
        # Follow-ups level by level, so each chained one points at its copied parent.
        mapping: dict[int, int] = {}
        pending = [(clone, f) for clone in batch for f in clone._source.follow_ups.all()]  # type: ignore[attr-defined]
        while pending:
            ready = [(c, f) for c, f in pending if f.parent_id is None or f.parent_id in mapping]
            pending = [(c, f) for c, f in pending if f.parent_id and f.parent_id not in mapping]
            made = FollowUp.objects.bulk_create(
                FollowUp(
                    question=clone,
                    parent_id=mapping.get(f.parent_id) if f.parent_id else None,
                    position=f.position,
                    prompt=f.prompt,
                    prompt_html=f.prompt_html,
                    answer=f.answer,
                    answer_html=f.answer_html,
                    key_points=f.key_points,
                    key_point_weights=f.key_point_weights,
                )
                for clone, f in ready
            )
            for (_clone, f), new in zip(ready, made, strict=True):
                mapping[f.pk] = new.pk
            if not ready:
                break


def download(client, fmt: str) -> tuple[float, float, int]:
    """Wall-clock seconds, this process's CPU seconds (what other load on the machine does not
    inflate; PostgreSQL's share is not in it), and the size of the download."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/questions/export.{fmt}")
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return time.perf_counter() - started, time.process_time() - cpu, size


def peak_memory(client, fmt: str) -> int:
    tracemalloc.start()
    download(client, fmt)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    return in_process(DB_NAME, measure, RATE_LIMIT_EXPORT="1000/h")


def measure() -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from questions.models import FollowUp, Question

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("import_bank", str(ROOT / "fixtures" / "bank"), verbosity=0)
    client = Client()
    ok = True
    # Peak memory with a small bank first, then grow it.
    grow_bank(SMALL)
    small_peaks = {fmt: peak_memory(client, fmt) for fmt in FORMATS}
    started = time.perf_counter()
    grow_bank(QUESTIONS)
    print(
        f"Bank: {Question.objects.count():,} questions, {FollowUp.objects.count():,} follow-ups "
        f"(copies of fixtures/bank; made in {time.perf_counter() - started:.0f} s)"
    )
    print(f"Load average before: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(
        f"{'format':6} {'seconds':>8} {'cpu s':>6} {'size':>10}   "
        f"peak memory: 1,000 q / {QUESTIONS:,} q"
    )
    for fmt in FORMATS:
        seconds, cpu, size = download(client, fmt)
        peak = peak_memory(client, fmt)
        grows = peak > 2 * small_peaks[fmt]
        fast = seconds < TARGET_SECONDS
        ok = ok and fast and not grows
        print(
            f"{fmt:6} {seconds:8.1f} {cpu:6.1f} {size / 2**20:8.1f} MB   "
            f"{small_peaks[fmt] / 2**20:5.1f} MB / {peak / 2**20:5.1f} MB"
            f"{'' if fast else '  SLOW'}{'  GROWS' if grows else ''}"
        )
    print(f"Target: each under {TARGET_SECONDS:.0f} s; peak at {QUESTIONS:,} under twice 1,000's.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
