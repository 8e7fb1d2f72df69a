"""Key-point suggestions: which key points a typed answer appears to cover, and where it says so.

On the reveal stage each suggested key point quotes the sentence of the answer that matched. A
suggestion never ticks anything: the candidate ticks. Two matchers score (key point, sentence)
pairs, chosen by `settings.SUGGESTIONS_METHOD`; the other is the fallback when the chosen one
cannot run (its package is missing) or fails. docs/suggestions.md says how they were compared and
why the thresholds are what they are (`manage.py evaluate_suggestions` reproduces it).

Two guards against an answer that lists the right words without saying anything:
- a sentence that does not read as prose (text.reads_as_prose) is never quoted;
- a sentence that would be the match for more than MAX_POINTS_PER_SENTENCE key points at once
  is taken as a list in disguise, and matches none of them.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings

from questions.suggest import embedding, lexical
from questions.suggest.text import quote, reads_as_prose, sentences

logger = logging.getLogger(__name__)

MAX_POINTS_PER_SENTENCE = 2

Scorer = Callable[[Sequence[str], Sequence[str]], list[list[float]]]


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    scores: Scorer
    threshold: float
    how: str  # for the candidate: how a suggestion was found


# Thresholds: the best F1 on the evaluation set, with the guards (docs/suggestions.md).
METHODS = {
    "bm25": Method(
        "bm25",
        "BM25 over sentences",
        lexical.scores,
        0.2,
        "by the words a sentence shares with the key point",
    ),
    "embedding": Method(
        "embedding",
        "WordLlama embeddings",
        embedding.scores,
        0.25,
        "by how close a sentence's wording is to the key point",
    ),
}
FALLBACK = {"bm25": "embedding", "embedding": "bm25"}


@dataclass(frozen=True)
class Suggestion:
    """Key point `index` appears covered by `sentence` (quoted, shortened) with `score`."""

    index: int
    sentence: str
    score: float


def scored(
    answer: str, key_points: Sequence[str], method: Method, *, guards: bool = True
) -> tuple[list[str], list[list[float]]]:
    """The sentences that may be quoted, and method's score of each key point against each."""
    if not key_points or not answer.strip():
        return [], []
    found = sentences(answer)
    if guards:
        found = [s for s in found if reads_as_prose(s)]
    if not found:
        return [], []
    return found, method.scores(key_points, found)


def select(
    found: Sequence[str], table: Sequence[Sequence[float]], cutoff: float, *, guards: bool = True
) -> list[Suggestion]:
    """For each key point its best sentence, if it scores `cutoff` or more (and the guards pass)."""
    best: dict[int, tuple[int, float]] = {}
    for k, row in enumerate(table):
        if not row:
            continue
        s = max(range(len(row)), key=row.__getitem__)
        if row[s] >= cutoff:
            best[k] = (s, row[s])
    if guards:
        per_sentence: dict[int, int] = {}
        for s, _ in best.values():
            per_sentence[s] = per_sentence.get(s, 0) + 1
        best = {k: v for k, v in best.items() if per_sentence[v[0]] <= MAX_POINTS_PER_SENTENCE}
    return [
        Suggestion(index=k, sentence=quote(found[s]), score=round(score, 3))
        for k, (s, score) in sorted(best.items())
    ]


def match(
    answer: str,
    key_points: Sequence[str],
    method: Method,
    *,
    threshold: float | None = None,
    guards: bool = True,
) -> list[Suggestion]:
    """The key points `answer` appears to cover by `method`, in key-point order."""
    found, table = scored(answer, key_points, method, guards=guards)
    cutoff = method.threshold if threshold is None else threshold
    return select(found, table, cutoff, guards=guards)


def configured_method() -> str:
    name = getattr(settings, "SUGGESTIONS_METHOD", "bm25")
    return name if name in METHODS or name == "off" else "bm25"


def suggest(answer: str, key_points: Sequence[str]) -> tuple[str, list[Suggestion]]:
    """The configured method's suggestions, or the fallback's when it cannot run.

    Returns the name of the method that answered ("" when suggestions are off) and the list.
    """
    name = configured_method()
    if name == "off":
        return "", []
    for candidate in (name, FALLBACK[name]):
        try:
            return candidate, match(answer, key_points, METHODS[candidate])
        except embedding.EmbeddingUnavailable as missing:
            logger.warning("Key-point suggestions: %s cannot run (%s)", candidate, missing)
        except Exception:  # a matcher that fails must not take the reveal stage down with it
            logger.exception("Key-point suggestions: %s failed", candidate)
    return "", []
