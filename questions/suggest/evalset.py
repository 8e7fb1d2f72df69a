"""The evaluation set for key-point suggestions, and scoring a method against it.

Files in questions/suggest/eval/*.yaml, one question each:

    question: bias-variance-tradeoff      # a slug of fixtures/bank
    answers:
      - kind: good                        # good | partial | wrong | stuffed
        covers: [0, 1, 3]                 # indexes of the key points it really covers
        text: |
          ...

Every (answer, key point) pair is one labelled example: covered if its index is in `covers`.
A keyword-stuffed answer names the terms without explaining them and covers nothing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from questions.bankio import BankInvalid, read_bank

EVAL_DIR = Path(__file__).with_name("eval")
KINDS = ("good", "partial", "wrong", "stuffed")
MIN_PAIRS = 200


class EvalSetInvalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str
    text: str
    key_points: tuple[str, ...]
    covers: frozenset[int]
    source: str


@dataclass(frozen=True)
class Pair:
    answer: Answer
    index: int

    @property
    def covered(self) -> bool:
        return self.index in self.answer.covers


def bank_key_points(bank: Iterable[str | Path]) -> dict[str, tuple[str, ...]]:
    """Slug -> key point texts, for every question of the bank files."""
    try:
        files = read_bank(bank)
    except BankInvalid as invalid:
        raise EvalSetInvalid([str(e) for e in invalid.errors]) from None
    return {q["slug"]: tuple(q["key_points"]) for f in files for q in f.questions}


def load(
    paths: Iterable[Path], key_points: dict[str, tuple[str, ...]], *, min_pairs: int = MIN_PAIRS
) -> list[Answer]:
    """Read and validate every file; raise EvalSetInvalid listing every problem."""
    errors: list[str] = []
    answers: list[Answer] = []
    for path in sorted(paths):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            errors.append(f"{path.name}: cannot be read: {exc}")
            continue
        answers.extend(_parse(path.name, data, key_points, errors))
    pairs = sum(len(a.key_points) for a in answers)
    if not errors and pairs < min_pairs:
        errors.append(f"only {pairs} (answer, key point) pairs; the set needs at least {min_pairs}")
    for kind in KINDS:
        if not errors and not any(a.kind == kind for a in answers):
            errors.append(f"no {kind} answer: the set needs every kind")
    if errors:
        raise EvalSetInvalid(errors)
    return answers


def _parse(
    name: str, data: Any, key_points: dict[str, tuple[str, ...]], errors: list[str]
) -> list[Answer]:
    if not isinstance(data, dict):
        errors.append(f"{name}: must be a mapping with question and answers")
        return []
    slug = data.get("question")
    if slug not in key_points:
        errors.append(f"{name}: question {slug!r} is not in the bank")
        return []
    points = key_points[slug]
    raw_answers = data.get("answers")
    if not isinstance(raw_answers, list) or not raw_answers:
        errors.append(f"{name}: answers must be a non-empty list")
        return []
    found = []
    for i, raw in enumerate(raw_answers):
        where = f"{name}: answers[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        kind, text, covers = raw.get("kind"), raw.get("text"), raw.get("covers")
        problems = []
        if kind not in KINDS:
            problems.append(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(text, str) or not text.strip():
            problems.append("text must be non-empty")
        if not isinstance(covers, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(points) for c in covers
        ):
            problems.append(f"covers must list key point indexes from 0 to {len(points) - 1}")
        elif kind == "stuffed" and covers:
            problems.append("a stuffed answer covers nothing")
        if problems or not isinstance(text, str) or not isinstance(covers, list):
            errors.extend(f"{where}: {p}" for p in problems)
            continue
        found.append(Answer(slug, str(kind), text, points, frozenset(covers), name))
    return found


def pairs(answers: Sequence[Answer]) -> list[Pair]:
    return [Pair(a, i) for a in answers for i in range(len(a.key_points))]


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int
    stuffed_fp: int
    stuffed_pairs: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def stuffed_rate(self) -> float:
        """Share of the stuffed answers' (answer, key point) pairs that were suggested."""
        return self.stuffed_fp / self.stuffed_pairs if self.stuffed_pairs else 0.0


def score(examples: Sequence[Pair], suggested: set[tuple[int, int]]) -> Scores:
    """Count against the labels; `suggested` holds (id(answer), index) of each suggestion."""
    tp = fp = fn = tn = stuffed_fp = stuffed = 0
    for pair in examples:
        hit = (id(pair.answer), pair.index) in suggested
        if pair.answer.kind == "stuffed":
            stuffed += 1
            stuffed_fp += hit
        if pair.covered:
            tp += hit
            fn += not hit
        else:
            fp += hit
            tn += not hit
    return Scores(tp, fp, fn, tn, stuffed_fp, stuffed)
