"""Comparing the matchers on the evaluation set: precision, recall, F1, keyword-stuffed false
positives and time per answer (`manage.py evaluate_suggestions` prints it as Markdown)."""

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from questions.suggest import METHODS, Method, scored, select
from questions.suggest.evalset import Answer, Pair, Scores, pairs, score

THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 20)]


@dataclass(frozen=True)
class Variant:
    method: Method
    guards: bool

    @property
    def label(self) -> str:
        return f"{self.method.label}{' + guards' if self.guards else ', no guards'}"


@dataclass(frozen=True)
class Result:
    variant: Variant
    threshold: float
    scores: Scores  # at `threshold`, chosen on the whole set
    cross_validated: Scores  # each question scored at the threshold chosen on the others
    shipped: Scores  # at the threshold the method ships with
    seconds: list[float]  # per answer, scoring and selecting


def variants() -> list[Variant]:
    return [Variant(m, g) for m in METHODS.values() for g in (False, True)]


def _suggested(
    tables: dict[int, tuple[list[str], list[list[float]]]],
    answers: Sequence[Answer],
    cutoff: float,
    guards: bool,
) -> set[tuple[int, int]]:
    hits = set()
    for answer in answers:
        found, table = tables[id(answer)]
        for suggestion in select(found, table, cutoff, guards=guards):
            hits.add((id(answer), suggestion.index))
    return hits


def _best_threshold(
    tables: dict[int, tuple[list[str], list[list[float]]]],
    answers: Sequence[Answer],
    examples: Sequence[Pair],
    guards: bool,
) -> float:
    """The threshold with the highest F1 (ties: the higher threshold, fewer suggestions)."""
    ranked = [(score(examples, _suggested(tables, answers, t, guards)).f1, t) for t in THRESHOLDS]
    return max(ranked)[1]


def evaluate(answers: Sequence[Answer], variant: Variant) -> Result:
    tables = {}
    seconds = []
    variant.method.scores(["warm up"], ["load the model first"])  # loading is not matching
    for answer in answers:
        start = time.perf_counter()
        tables[id(answer)] = scored(
            answer.text, answer.key_points, variant.method, guards=variant.guards
        )
        select(*tables[id(answer)], variant.method.threshold, guards=variant.guards)
        seconds.append(time.perf_counter() - start)
    examples = pairs(answers)
    threshold = _best_threshold(tables, answers, examples, variant.guards)
    overall = score(examples, _suggested(tables, answers, threshold, variant.guards))
    shipped = score(examples, _suggested(tables, answers, variant.method.threshold, variant.guards))
    # Leave one question out: pick the threshold on the other questions, score this one.
    hits: set[tuple[int, int]] = set()
    for question in sorted({a.question for a in answers}):
        train = [a for a in answers if a.question != question]
        test = [a for a in answers if a.question == question]
        cut = _best_threshold(tables, train, pairs(train), variant.guards)
        hits |= _suggested(tables, test, cut, variant.guards)
    return Result(variant, threshold, overall, score(examples, hits), shipped, seconds)


def latency(method: Method, text: str, runs: int = 5) -> float:
    """The slowest of `runs` suggestion runs on `text` against ten key points, in seconds."""
    points = [f"Key point number {i} about gradients, variance and leakage." for i in range(10)]
    slowest = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        found, table = scored(text, points, method)
        select(found, table, method.threshold)
        slowest = max(slowest, time.perf_counter() - start)
    return slowest


def by_kind(answers: Sequence[Answer], variant: Variant, cutoff: float) -> dict[str, float]:
    """Share of each kind's (answer, key point) pairs that were suggested."""
    shares = {}
    for kind in ("good", "partial", "wrong", "stuffed"):
        chosen = [a for a in answers if a.kind == kind]
        total = sum(len(a.key_points) for a in chosen)
        hit = 0
        for answer in chosen:
            hit += len(
                select(
                    *scored(answer.text, answer.key_points, variant.method, guards=variant.guards),
                    cutoff,
                    guards=variant.guards,
                )
            )
        shares[kind] = hit / total if total else 0.0
    return shares


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000
