"""Turning a typed answer into sentences and words for the key-point matchers.

Everything here is bounded: an answer is cut at MAX_ANSWER_CHARS and MAX_SENTENCES, so a huge
answer costs no more than a long one.
"""

import re
from functools import cache

import snowballstemmer

MAX_ANSWER_CHARS = 20_000  # the answer box's own limit (models.practice.MAX_ANSWER_LENGTH)
MAX_SENTENCES = 200
MAX_SENTENCE_CHARS = 600
QUOTE_CHARS = 240

# A sentence ends at . ! ? or ; followed by a space, or at a line break; a bullet starts one.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

# Function words: what keeps a sentence a sentence. Short on purpose (no content words).
STOPWORDS = frozenset(
    (  # noqa: SIM905 (a paragraph of words reads better than a list of 150 strings)
        "a about above after again against all also am an and any are as at be because been "
        "before being below between both but by can could did do does doing down during each "
        "either else even every few for from further had has have having he her here hers him "
        "his how i if in into is it its itself just me more most much my no nor not now of off "
        "on once one only or other our ours out over own same she should so some such than that "
        "the their theirs them then there these they this those through thus to too under until "
        "up upon us very via was we were what when where whether which while who whom whose why "
        "will with would yet you your s t"
    ).split()
)


def sentences(answer: str) -> list[str]:
    """The answer's sentences in order (bullets and lines count as sentences), bounded."""
    text = answer[:MAX_ANSWER_CHARS]
    found: list[str] = []
    for piece in _SENTENCE_END.split(text):
        sentence = _BULLET.sub("", piece).strip()
        if sentence:
            found.append(sentence[:MAX_SENTENCE_CHARS])
            if len(found) == MAX_SENTENCES:
                break
    return found


def words(text: str) -> list[str]:
    """Lower-case words (hyphenated words split, so "trade-off" is "trade", "off")."""
    return _WORD.findall(text.lower())


_stemmer = snowballstemmer.stemmer("english")


@cache
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (no function words), in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def reads_as_prose(sentence: str) -> bool:
    """Whether a sentence reads as a sentence rather than a list of terms.

    Written English is roughly 40% function words; a list of keywords has almost none. A
    sentence of at least 6 words with fewer than 10% function words (a formula such as
    "precision = tp/(tp+fp) and recall = ..." still passes), or one in which commas separate most
    of the words, is treated as a list: it may name the terms but explains nothing.
    """
    found = words(sentence)
    if len(found) < 6:
        return True  # too short to judge: "Gradient clipping fixes it." is a fine sentence
    function_words = sum(1 for w in found if w in STOPWORDS)
    if function_words * 10 < len(found):
        return False
    return sentence.count(",") * 3 < len(found)


def quote(sentence: str) -> str:
    """The sentence as the reveal stage quotes it: at most QUOTE_CHARS characters."""
    if len(sentence) <= QUOTE_CHARS:
        return sentence
    return sentence[: QUOTE_CHARS - 1].rstrip() + "…"
