"""What every bank format shares: the questions an export holds (read in chunks, so memory does
not grow with the bank), one question as plain data, and the one-line form of a weighted key
point that CSV cells use."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.text import slugify

from questions.bankio import SLUG, question_data
from questions.models import FollowUp, Question
from questions.models.bank import Weight

# Questions fetched per database round trip while exporting (with their follow-ups).
EXPORT_CHUNK = 500
# Values a foreign file (a Moodle bank, a spreadsheet) may leave out.
DEFAULT_KIND = "concept"
DEFAULT_LEVEL = "intermediate"
DEFAULT_SECONDS = 180


def for_export(questions: QuerySet[Question], *, rendered: bool = False) -> QuerySet[Question]:
    """The queryset an export reads: topic joined, follow-ups prefetched, the search vector (and
    unless `rendered`, the stored HTML) left in the database."""
    html = () if rendered else ("prompt_html", "answer_html")
    follow_ups = Prefetch("follow_ups", queryset=FollowUp.objects.defer(*html).order_by("position"))
    return questions.select_related("topic").defer("search", *html).prefetch_related(follow_ups)


def iter_questions(questions: QuerySet[Question], *, rendered: bool = False) -> Iterator[Question]:
    """The questions in order, EXPORT_CHUNK at a time (prefetches run per chunk)."""
    for question in for_export(questions, rendered=rendered).iterator(chunk_size=EXPORT_CHUNK):
        yield question
        # Prefetched follow-ups point back at their question: left as it is, each question is a
        # reference cycle that lives until a full garbage collection, and memory grows with the
        # bank. Once the question is written, dropping its follow-ups frees it at once.
        question._prefetched_objects_cache = {}  # type: ignore[attr-defined]


def question_record(question: Question) -> dict[str, Any]:
    """A question as bankio's plain data, plus its topic."""
    data = question_data(question)
    data["topic"] = {
        "slug": question.topic.slug,
        "name": question.topic.name,
        "description": question.topic.description,
    }
    return data


def one_line(text: str) -> str:
    """Line-based fields (key points, red flags) hold one line each."""
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


_WEIGHT_PREFIX = re.compile(r"^\[(must|should|bonus)\] (.*)$", re.IGNORECASE | re.DOTALL)


def weighted_line(text: str, weight: str) -> str:
    """`[should] text` (as in admin); a must point is the bare text unless it starts with `[`."""
    text = one_line(text)
    if weight == Weight.MUST and not text.startswith("["):
        return text
    return f"[{weight}] {text}"


def parse_weighted_line(line: str) -> str | dict[str, str]:
    """A key point as the bank files hold it: a bare string (must) or {text, weight}."""
    tagged = _WEIGHT_PREFIX.match(line)
    if tagged is None:
        return line
    weight, text = tagged.group(1).lower(), tagged.group(2)
    return text if weight == Weight.MUST else {"text": text, "weight": weight}


def slug_for(name: str, *, max_length: int) -> str:
    """A slug made from a name; a name with no Latin letters or digits gets one from its hash."""
    slug = slugify(name)[:max_length].strip("-")
    if slug and SLUG.match(slug):
        return slug
    return "imported-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def unused_slug(name: str, used: set[str]) -> str:
    """A question's slug made from `name`, numbered (-2, -3, ...) past the slugs in `used`."""
    base = slug_for(name, max_length=110)
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    return slug
