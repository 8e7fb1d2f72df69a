"""The lexical matcher: Okapi BM25 term weights over the answer's sentences.

A key point is the query, each sentence of the answer a document. The score is BM25's, divided by
the score a sentence of average length holding every word of the key point once would get, so it
reads as "the share of the key point's (IDF-weighted) words this sentence has", from 0 to about 1.
IDF comes from the question bank (idf.json, written by `manage.py build_suggestion_idf`): a word
every key point uses ("model") weighs little, a rare one ("bootstrap") a lot.
"""

import json
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from questions.suggest.text import content_stems

IDF_PATH = Path(__file__).with_name("idf.json")
K1 = 1.2
B = 0.75
AVERAGE_SENTENCE_STEMS = 10.0  # content words in a sentence of an answer, roughly


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """Stem -> IDF, and the IDF of a stem the bank never uses (the highest)."""
    try:
        data = json.loads(IDF_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, 1.0
    documents = data["documents"]
    table = {
        stem: math.log(1 + (documents - df + 0.5) / (df + 0.5))
        for stem, df in data["frequencies"].items()
    }
    return table, math.log(1 + (documents + 0.5) / 0.5)


def idf_data(documents: Sequence[str]) -> dict[str, object]:
    """The document frequency of every stem over `documents` (what idf.json holds)."""
    frequencies: dict[str, int] = {}
    for document in documents:
        for stem in set(content_stems(document)):
            frequencies[stem] = frequencies.get(stem, 0) + 1
    return {
        "documents": len(documents),
        "frequencies": dict(sorted(frequencies.items())),
    }


def scores(key_points: Sequence[str], sentences: Sequence[str]) -> list[list[float]]:
    """scores[k][s]: how well sentence s covers key point k, from 0 to about 1."""
    table, unseen = idf_table()
    documents = []
    for sentence in sentences:
        stems = content_stems(sentence)
        counts: dict[str, int] = {}
        for stem in stems:
            counts[stem] = counts.get(stem, 0) + 1
        norm = K1 * (1 - B + B * len(stems) / AVERAGE_SENTENCE_STEMS)
        documents.append((counts, norm))
    result = []
    for point in key_points:
        query = set(content_stems(point))
        weights = {stem: table.get(stem, unseen) for stem in query}
        best = sum(weights.values())
        row = []
        for counts, norm in documents:
            got = 0.0
            for stem, weight in weights.items():
                tf = counts.get(stem, 0)
                if tf:
                    got += weight * tf * (K1 + 1) / (tf + norm)
            row.append(got / best if best else 0.0)
        result.append(row)
    return result
