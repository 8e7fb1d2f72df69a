"""CSV: one row per question, for spreadsheets (UTF-8 with a byte-order mark, so Excel reads it).

Columns, in this order (`COLUMNS`): slug, title, topic_slug, topic, kind, level, roles, tags,
seconds, status, prompt, answer, key_points, red_flags, follow_ups, sources. Lists (roles, tags,
key points, red flags, sources) hold one item per line; a key point is weighted as in admin,
`[should] text` or `[bonus] text` (a bare line is a must). `follow_ups` is JSON: a list of
{prompt, answer, key_points, follow_ups}, the same shape as the YAML files. Prompts and answers
are the Markdown source, formulas included. A cell that a spreadsheet would run as a formula
(starting with `=`, `+`, `-` or `@`) is written behind an apostrophe, taken off again on reading.

Reading needs title, topic, prompt and answer; the others may be left out (defaults: a slug made
from the topic and title, kind concept, level intermediate, 180 seconds, published).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from questions.bankio import BankError
from questions.formats.common import (
    DEFAULT_KIND,
    DEFAULT_LEVEL,
    DEFAULT_SECONDS,
    parse_weighted_line,
    question_record,
    slug_for,
    unused_slug,
    weighted_line,
)
from questions.models import Question
from questions.models.bank import Status

COLUMNS = [
    "slug", "title", "topic_slug", "topic", "kind", "level", "roles", "tags", "seconds",
    "status", "prompt", "answer", "key_points", "red_flags", "follow_ups", "sources",
]  # fmt: skip
REQUIRED = ("title", "topic", "prompt", "answer")
LIST_COLUMNS = ("roles", "tags", "red_flags", "sources")
MAX_FILE_BYTES = 5 * 1024 * 1024
BOM = "\ufeff"
# A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is written behind an
# apostrophe, which spreadsheets show as text; reading takes one apostrophe off again. Cells that
# already start with apostrophes before such a character get one more, so every text round-trips.
_FORMULA_LIKE = re.compile(r"^'*[=+\-@\t\r]")
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")


def guard(cell: str) -> str:
    return f"'{cell}" if _FORMULA_LIKE.match(cell) else cell


def unguard(cell: str) -> str:
    return cell[1:] if _GUARDED.match(cell) else cell


class _Line:
    """A file-like target for csv.writer that hands back each row it is given."""

    def write(self, value: str) -> str:
        return value


def _follow_up_json(follow_up: dict[str, Any]) -> dict[str, Any]:
    points = [
        text if weight == "must" else {"text": text, "weight": weight}
        for text, weight in zip(
            follow_up["key_points"], follow_up["key_point_weights"], strict=True
        )
    ]
    result: dict[str, Any] = {
        "prompt": follow_up["prompt"],
        "answer": follow_up["answer"],
        "key_points": points,
    }
    if follow_up["follow_ups"]:
        result["follow_ups"] = [_follow_up_json(f) for f in follow_up["follow_ups"]]
    return result


def row(question: Question) -> list[str]:
    data = question_record(question)
    points = zip(data["key_points"], data["key_point_weights"], strict=True)
    follow_ups = [_follow_up_json(f) for f in data["follow_ups"]]
    values = {
        **data,
        "topic_slug": data["topic"]["slug"],
        "topic": data["topic"]["name"],
        "seconds": str(data["seconds"]),
        "key_points": "\n".join(weighted_line(text, weight) for text, weight in points),
        "follow_ups": json.dumps(follow_ups, ensure_ascii=False) if follow_ups else "",
        **{name: "\n".join(data[name]) for name in LIST_COLUMNS},
    }
    return [guard(values[name]) for name in COLUMNS]


def export(questions: Iterable[Question]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(COLUMNS)
    for question in questions:
        yield writer.writerow(row(question))


# Reading --------------------------------------------------------------------------------------


@dataclass
class CsvTopic:
    slug: str
    name: str
    questions: list[tuple[dict[str, Any], str]] = field(default_factory=list)


def _lines(cell: str) -> list[str]:
    return [line for line in cell.replace("\r\n", "\n").split("\n") if line.strip()]


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"column(s) {', '.join(map(repr, repeated))} appear more than once")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append(f"missing column(s) {', '.join(map(repr, missing))}")
    return problems


def parse(data: bytes, name: str, errors: list[BankError]) -> list[CsvTopic] | None:
    """Rows grouped by topic, as raw bank data (the YAML shape); problems go to `errors`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(
            BankError(
                name,
                "file",
                "encoding",
                f"is not UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                "save it as “CSV UTF-8”",
            )
        )
        return None
    if "\x00" in text:
        errors.append(BankError(name, "file", "encoding", "contains NUL characters; is it CSV?"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            errors.append(BankError(name, "file", "header", "the file is empty"))
            return None
        problems = _header_problems(header)
        if problems:
            expected = ", ".join(COLUMNS)
            message = "; ".join(problems) + f" (the columns are: {expected})"
            errors.append(BankError(name, "row 1", "header", message))
            return None
        topics: dict[str, CsvTopic] = {}
        used: set[str] = set()
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            item = f"row {line}"
            if len(cells) != len(header):
                errors.append(
                    BankError(
                        name, item, "row", f"has {len(cells)} cells; the header has {len(header)}"
                    )
                )
                continue
            values = dict(zip(header, map(unguard, cells), strict=True))
            _read_row(values, item, name, topics, used, errors)
    except csv.Error as exc:
        errors.append(BankError(name, f"row {reader.line_num}", "csv", f"malformed CSV: {exc}"))
        return None
    return list(topics.values())


def _read_row(
    values: dict[str, str],
    item: str,
    name: str,
    topics: dict[str, CsvTopic],
    used: set[str],
    errors: list[BankError],
) -> None:
    topic_name = values.get("topic", "").strip()
    if not topic_name:
        errors.append(BankError(name, item, "topic", "is missing or empty"))
        return
    topic_slug = values.get("topic_slug", "").strip() or slug_for(topic_name, max_length=80)
    topic = topics.setdefault(topic_slug, CsvTopic(topic_slug, topic_name))
    if topic.name != topic_name:
        errors.append(
            BankError(
                name,
                item,
                "topic",
                f"{topic_name!r} differs from {topic.name!r}, named earlier for {topic_slug!r}",
            )
        )
        return
    slug = values.get("slug", "").strip()
    if not slug:
        slug = unused_slug(f"{topic_slug} {values.get('title', '')}", used)
    used.add(slug)
    item = f"{item} (question {slug!r})"
    seconds: Any = values.get("seconds", "").strip() or DEFAULT_SECONDS
    if isinstance(seconds, str) and seconds.isdigit():
        seconds = int(seconds)
    follow_ups: Any = []
    if values.get("follow_ups", "").strip():
        try:
            follow_ups = json.loads(values["follow_ups"])
        except json.JSONDecodeError as exc:
            errors.append(BankError(name, item, "follow_ups", f"is not valid JSON: {exc}"))
    raw = {
        "slug": slug,
        "title": values.get("title", ""),
        "prompt": values.get("prompt", ""),
        "answer": values.get("answer", ""),
        "kind": values.get("kind", "").strip() or DEFAULT_KIND,
        "level": values.get("level", "").strip() or DEFAULT_LEVEL,
        "seconds": seconds,
        "status": values.get("status", "").strip() or Status.PUBLISHED.value,
        "key_points": [parse_weighted_line(line) for line in _lines(values.get("key_points", ""))],
        "follow_ups": follow_ups,
        **{column: _lines(values.get(column, "")) for column in LIST_COLUMNS},
    }
    topic.questions.append((raw, item))
