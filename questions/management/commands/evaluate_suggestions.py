import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.suggest import METHODS, embedding
from questions.suggest.evalset import (
    EVAL_DIR,
    KINDS,
    EvalSetInvalid,
    bank_key_points,
    load,
    pairs,
)
from questions.suggest.evaluation import by_kind, evaluate, latency, median_ms, variants
from questions.suggest.text import MAX_ANSWER_CHARS


class Command(BaseCommand):
    help = (
        "Compare the key-point matchers on the evaluation set (questions/suggest/eval): "
        "precision, recall, F1, keyword-stuffed false positives and time per answer, as Markdown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--eval-dir", default=str(EVAL_DIR), help="The evaluation files.")
        parser.add_argument("--bank", default="fixtures/bank", help="The bank the files name.")

    def handle(self, *args: object, **options: object) -> None:
        bank = Path(str(options["bank"]))
        bank = bank if bank.is_absolute() else Path(settings.BASE_DIR) / bank
        try:
            answers = load(Path(str(options["eval_dir"])).glob("*.yaml"), bank_key_points([bank]))
        except EvalSetInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(invalid.errors)} problem(s) in the evaluation set.") from None
        examples = pairs(answers)
        covered = sum(p.covered for p in examples)
        kinds = {k: sum(a.kind == k for a in answers) for k in KINDS}
        out = self.stdout.write
        out(
            f"Evaluation set: {len(answers)} answers to {len({a.question for a in answers})} "
            f"questions, {len(examples)} (answer, key point) pairs, {covered} covered; "
            + ", ".join(f"{n} {k}" for k, n in kinds.items())
            + ".\n"
        )
        out(
            "| method | best threshold | precision | recall | F1 | stuffed FP | "
            "cross-validated P / R / F1 | ms per answer (median, max) |"
        )
        out("| --- | --- | --- | --- | --- | --- | --- | --- |")
        results = [evaluate(answers, v) for v in variants()]
        for r in results:
            s, cv = r.scores, r.cross_validated
            out(
                f"| {r.variant.label} | {r.threshold:.2f} | {s.precision:.2f} | {s.recall:.2f} | "
                f"{s.f1:.2f} | {s.stuffed_rate:.0%} ({s.stuffed_fp}/{s.stuffed_pairs}) | "
                f"{cv.precision:.2f} / {cv.recall:.2f} / {cv.f1:.2f} | "
                f"{median_ms(r.seconds):.1f}, {max(r.seconds) * 1000:.1f} |"
            )
        out("\nAt the thresholds shipped (questions/suggest/__init__.py, with the guards):\n")
        out(
            "| method | threshold | precision | recall | F1 | stuffed FP | "
            "suggested: good / partial / wrong / stuffed |"
        )
        out("| --- | --- | --- | --- | --- | --- | --- |")
        for r in results:
            if not r.variant.guards:
                continue
            s = r.shipped
            shares = by_kind(answers, r.variant, r.variant.method.threshold)
            out(
                f"| {r.variant.method.label} | {r.variant.method.threshold:.2f} | "
                f"{s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | "
                f"{s.stuffed_rate:.0%} ({s.stuffed_fp}/{s.stuffed_pairs}) | "
                + " / ".join(f"{shares[k]:.0%}" for k in ("good", "partial", "wrong", "stuffed"))
                + " |"
            )
        embedding.model.cache_clear()
        start = time.perf_counter()
        embedding.model()
        loading = time.perf_counter() - start
        longest = max(answers, key=lambda a: len(a.text)).text
        huge = (longest + "\n") * (MAX_ANSWER_CHARS // len(longest) + 1)
        out("\nThe slowest of 5 runs, 10 key points, one process:\n")
        for method in METHODS.values():
            out(
                f"- {method.label}: longest answer of the set ({len(longest)} characters) "
                f"{latency(method, longest) * 1000:.1f} ms; an answer of {MAX_ANSWER_CHARS:,} "
                f"characters {latency(method, huge) * 1000:.1f} ms."
            )
        out(f"- Loading the WordLlama model (once per process): {loading * 1000:.0f} ms.")
