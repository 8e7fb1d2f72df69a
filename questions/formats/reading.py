"""Reading bank files in any format we import: the bank's YAML, Moodle XML and CSV.

Everything is read and validated before anything is written, with the same rules as the YAML
files (`bankio`): every problem is collected, each naming the file, the item and the field, and
`BankInvalid` carries them all. Moodle and CSV questions are checked by the very function that
checks a YAML question, with field names translated to the file's own (`questiontext`, a column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from questions import bankio
from questions.bankio import BankError, BankFile, BankInvalid
from questions.formats import csvfile, moodle

FORMATS = ("yaml", "moodle", "csv")
SUFFIXES = {"yaml": (".yaml", ".yml"), "moodle": (".xml",), "csv": (".csv",)}
MAX_FILE_BYTES = {
    "yaml": bankio.MAX_FILE_BYTES,
    "moodle": moodle.MAX_FILE_BYTES,
    "csv": csvfile.MAX_FILE_BYTES,
}
_MOODLE_FIELDS = {
    "slug": "idnumber",
    "title": "name",
    "prompt": "questiontext",
    "answer": "graderinfo",
}
_MOODLE_TAG_FIELDS = {
    "kind": "tags (kind:)",
    "level": "tags (level:)",
    "status": "tags (status:)",
    "seconds": "tags (seconds:)",
    "roles": "tags (role:)",
    "sources": "tags (source:)",
    "key_points": "graderinfo (rubric)",
    "red_flags": "graderinfo (red flags)",
}
_FOLLOW_UP_PATH = re.compile(r"^((?:follow_ups\[\d+\]\.)+)(.*)$")


@dataclass
class ReadResult:
    files: list[BankFile]
    skipped: list[str] = field(default_factory=list)  # questions of types we do not import
    notices: list[str] = field(default_factory=list)  # what came along differently (images)


def format_of(path: Path, chosen: str | None = None) -> str | None:
    if chosen:
        return chosen
    suffix = path.suffix.lower()
    return next((fmt for fmt, suffixes in SUFFIXES.items() if suffix in suffixes), None)


def expand(paths: Iterable[str | Path], chosen: str | None = None) -> list[Path]:
    """Files named, and in directories named the files of the chosen format (YAML by default)."""
    result: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for suffix in SUFFIXES[chosen or "yaml"]:
                result.extend(sorted(path.glob(f"*{suffix}")))
        else:
            result.append(path)
    return result


class _MappedChecker(bankio._Checker):
    """bankio's checker, naming fields as the file does (a Moodle tag, a CSV column)."""

    def __init__(self, name: str, errors: list[BankError], fields: dict[str, str]) -> None:
        super().__init__(name, errors)
        self.fields = fields

    def error(self, item: str, field_name: str, message: str) -> None:
        base = field_name.split("[", 1)[0]
        if base in self.fields:
            field_name = self.fields[base] + field_name[len(base) :]
        super().error(item, field_name, message)


def _check_question(
    raw: dict[str, Any], item: str, name: str, errors: list[BankError], fields: dict[str, str]
) -> dict[str, Any]:
    return bankio._parse_question(raw, item, _MappedChecker(name, errors, fields))


def _moodle_error(error: BankError, slug: str) -> BankError:
    """`follow_ups[0].follow_ups[1].answer` of question x is follow-up `x.f1.2`'s graderinfo."""
    match = _FOLLOW_UP_PATH.match(error.field)
    if match is None:
        return error
    path = ".".join(str(int(n) + 1) for n in re.findall(r"\d+", match.group(1)))
    rest = match.group(2)
    base = rest.split("[", 1)[0]
    rest = _MOODLE_FIELDS.get(base, base) + rest[len(base) :]
    return replace(error, item=f"follow-up {slug}.f{path}", field=rest)


def _read_moodle(data: bytes, name: str, errors: list[BankError], result: ReadResult) -> None:
    parsed = moodle.parse(data, name, errors)
    if parsed is None:
        return
    moodle.attach_follow_ups(parsed, name, errors)
    result.skipped += parsed.skipped
    result.notices += parsed.notices
    fields = {**_MOODLE_FIELDS, **_MOODLE_TAG_FIELDS}
    by_topic: dict[str, list[dict[str, Any]]] = {slug: [] for slug in parsed.topics}
    for entry in parsed.items:
        before = len(errors)
        question = _check_question(entry.raw, entry.item, name, errors, fields)
        errors[before:] = [_moodle_error(e, entry.raw["slug"]) for e in errors[before:]]
        by_topic[entry.topic].append(question)
    for slug, topic in parsed.topics.items():
        if not by_topic[slug] and not topic.description:
            continue
        topic_data: dict[str, Any] = {"slug": slug, "name": topic.name}
        if topic.description:
            topic_data["description"] = "\n\n".join(topic.description)
        if len(topic.name) > 120:
            errors.append(
                BankError(
                    name,
                    f"category {topic.name[:40]!r}…",
                    "category",
                    "is longer than 120 characters",
                )
            )
        result.files.append(BankFile(name, topic_data, by_topic[slug], keep_positions=True))


def _read_csv(data: bytes, name: str, errors: list[BankError], result: ReadResult) -> None:
    topics = csvfile.parse(data, name, errors)
    if topics is None:
        return
    for topic in topics:
        questions = [_check_question(raw, item, name, errors, {}) for raw, item in topic.questions]
        if len(topic.name) > 120:
            errors.append(
                BankError(name, f"topic {topic.slug!r}", "topic", "is longer than 120 characters")
            )
        topic_data = {"slug": topic.slug, "name": topic.name}
        result.files.append(BankFile(name, topic_data, questions, keep_positions=True))


def read_files(
    paths: Iterable[str | Path], *, chosen: str | None = None, names: dict[str, str] | None = None
) -> ReadResult:
    """Read and validate every file; raise BankInvalid with every problem found.

    `chosen` forces a format (else each file's extension says); `names` maps paths to the names
    errors should use (uploads are saved under temporary paths).
    """
    names = names or {}
    errors: list[BankError] = []
    result = ReadResult(files=[])
    files = expand(paths, chosen)
    if not files:
        raise BankInvalid([BankError("(none)", "paths", "paths", "no bank files found")])
    yaml_files = []
    for path in files:
        name = names.get(str(path), str(path))
        fmt = format_of(path, chosen)
        if fmt is None:
            message = "is not a format we import: use .yaml, .xml (Moodle XML) or .csv"
            errors.append(BankError(name, "file", "format", message))
            continue
        if fmt == "yaml":
            yaml_files.append(path)
            continue
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES[fmt]:
                message = f"is {size:,} bytes; {fmt} files may be at most {MAX_FILE_BYTES[fmt]:,}"
                errors.append(BankError(name, "file", "size", message))
                continue
            data = path.read_bytes()
        except OSError as exc:
            errors.append(BankError(name, "file", "file", f"cannot be read: {exc.strerror}"))
            continue
        (_read_moodle if fmt == "moodle" else _read_csv)(data, name, errors, result)
    if yaml_files:
        try:
            result.files[:0] = bankio.read_bank(yaml_files)
        except BankInvalid as invalid:
            errors[:0] = [replace(e, file=names.get(e.file, e.file)) for e in invalid.errors]
    errors += _conflicts(result.files, names)
    if errors:
        raise BankInvalid(errors)
    return result


def _conflicts(files: list[BankFile], names: dict[str, str]) -> list[BankError]:
    """A question in two places, or one topic slug with two names."""
    errors = []
    questions: dict[str, str] = {}
    topics: dict[str, tuple[str, str]] = {}
    for bank_file in files:
        file_name = names.get(bank_file.name, bank_file.name)
        slug, topic_name = str(bank_file.topic.get("slug")), str(bank_file.topic.get("name"))
        if slug in topics and topics[slug][0] != topic_name:
            other_name, other_file = topics[slug]
            message = f"{slug!r} is named {topic_name!r} here and {other_name!r} in {other_file}"
            errors.append(BankError(file_name, "topic", "name", message))
        topics.setdefault(slug, (topic_name, file_name))
        for question in bank_file.questions:
            if not question["slug"]:
                continue
            where = questions.get(question["slug"])
            if where is not None:
                errors.append(
                    BankError(
                        file_name,
                        f"question {question['slug']!r}",
                        "slug",
                        f"appears more than once (also in {where})",
                    )
                )
            questions[question["slug"]] = file_name
    return errors
