"""Import and export of the question bank: `fixtures/bank/<topic-slug>.yaml`, one file per topic.

Reading validates everything first and collects every problem, each naming the file, the item and
the field; applying happens only when there are none, in one transaction, upserting by slug.
Applying the same files twice changes nothing; exporting writes the format that was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from django.db import transaction
from django.db.models import QuerySet, TextChoices

from questions.models import FollowUp, Question, Topic
from questions.models.bank import (
    MAX_FOLLOW_UP_DEPTH,
    Kind,
    Level,
    Role,
    Status,
    Weight,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_FIELDS = {"slug", "name", "description", "position"}
QUESTION_FIELDS = [
    "slug", "title", "prompt", "kind", "level", "roles", "tags", "seconds", "status",
    "answer", "key_points", "red_flags", "follow_ups", "sources",
]  # fmt: skip
FOLLOW_UP_FIELDS = ["prompt", "answer", "key_points", "follow_ups"]
KEY_POINT_FIELDS = {"text", "weight"}
MAX_TEXT = 50_000
# Bounds on any input, checked before Python objects are built: the largest shipped file is
# ~125 KB and ~1,500 YAML nodes, so these leave room for topics many times larger than ours
# while parsing any file in about a second.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 40


@dataclass(frozen=True)
class BankError:
    file: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.field}: {self.message}"


class BankInvalid(Exception):
    def __init__(self, errors: list[BankError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class BankFile:
    name: str
    topic: dict[str, Any]
    questions: list[dict[str, Any]]


@dataclass
class Report:
    topics_created: int = 0
    topics_updated: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.topics_created or self.topics_updated or self.created or self.updated)

    def summary(self) -> str:
        return (
            f"topics: {self.topics_created} created, {self.topics_updated} updated; "
            f"questions: {len(self.created)} created, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged"
        )


# Reading and validating ------------------------------------------------------------------------


def bank_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the *.yaml files of directories named, in a stable order."""
    result: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            result.extend(sorted(path.glob("*.yaml")))
        else:
            result.append(path)
    return result


class _Checker:
    """Collects the problems of one file."""

    def __init__(self, name: str, errors: list[BankError]) -> None:
        self.name = name
        self.errors = errors

    def error(self, item: str, field_name: str, message: str) -> None:
        self.errors.append(BankError(self.name, item, field_name, message))

    def text(
        self, data: dict, key: str, item: str, *, required: bool = True, max_length: int = MAX_TEXT
    ) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(item, key, "is missing or empty")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(item, key, f"must be text, not {type(value).__name__}")
            return ""
        value = str(value)
        if "\x00" in value:
            self.error(item, key, "contains a NUL character")
        if len(value) > max_length:
            self.error(item, key, f"is longer than {max_length} characters")
        return value

    def text_list(self, data: dict, key: str, item: str, *, minimum: int = 0) -> list[str]:
        value = data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.error(item, key, f"must be a list, not {type(value).__name__}")
            return []
        result = []
        for i, entry in enumerate(value):
            if (
                not isinstance(entry, str | int | float)
                or isinstance(entry, bool)
                or not str(entry).strip()
            ):
                self.error(item, f"{key}[{i}]", "must be non-empty text")
                continue
            if "\x00" in str(entry):
                self.error(item, f"{key}[{i}]", "contains a NUL character")
            result.append(str(entry))
        if len(result) < minimum:
            self.error(item, key, f"needs at least {minimum} item(s)")
        return result

    def key_points(self, data: dict, key: str, item: str) -> tuple[list[str], list[str]]:
        """Key points as texts and their weights: a plain string is a must, or {text, weight}."""
        value = data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.error(item, key, f"must be a list, not {type(value).__name__}")
            return [], []
        texts, weights = [], []
        for i, entry in enumerate(value):
            where = f"{key}[{i}]"
            weight = Weight.MUST.value
            if isinstance(entry, dict):
                for extra in entry:
                    if extra not in KEY_POINT_FIELDS:
                        self.error(item, f"{where}.{extra}", "is not a known field")
                weight = entry.get("weight", Weight.MUST.value)
                if weight not in Weight.values:
                    self.error(
                        item, f"{where}.weight", f"{weight!r} is not one of: {', '.join(Weight)}"
                    )
                    weight = Weight.MUST.value
                entry, where = entry.get("text"), f"{where}.text"
            if (
                not isinstance(entry, str | int | float)
                or isinstance(entry, bool)
                or not str(entry).strip()
            ):
                self.error(item, where, "must be non-empty text, or {text, weight}")
                continue
            if "\x00" in str(entry):
                self.error(item, where, "contains a NUL character")
            texts.append(str(entry))
            weights.append(weight)
        return texts, weights

    def choice(
        self,
        data: dict,
        key: str,
        item: str,
        choices: type[TextChoices],
        default: str | None = None,
    ) -> str:
        value = data.get(key, default)
        if value not in choices.values:
            self.error(item, key, f"{value!r} is not one of: {', '.join(choices.values)}")
            return default or ""
        return cast(str, value)

    def unknown(self, data: dict, allowed: Iterable[str], item: str) -> None:
        for key in data:
            if key not in allowed:
                self.error(item, str(key), "is not a known field")


class BankYAMLRefused(yaml.YAMLError):
    """A YAML feature or size the bank format does not allow; the message says which."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and caps node count and nesting while composing.

    An alias bomb (nested anchors and aliases) expands exponentially only when objects are
    built; refusing every alias at the event stage stops it before that. The caps bound
    memory and time for any other input.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise BankYAMLRefused(
                f"line {event.start_mark.line + 1}: anchors and aliases (*name) are not "
                "allowed in bank files; write the text out in full"
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise BankYAMLRefused(f"more than {MAX_NODES:,} YAML nodes; split the file")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise BankYAMLRefused(f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str) -> Any:
    """Parse bank YAML with bounded memory and time; BankYAMLRefused or YAMLError otherwise."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, BankYAMLRefused):
        return f"refused: {exc}"
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"malformed YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"malformed YAML: {problem}"


def parse_text(text: str, name: str, errors: list[BankError]) -> BankFile | None:
    """One file's content, validated; problems go to `errors`."""
    check = _Checker(name, errors)
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        check.error("file", "yaml", _yaml_error_message(exc))
        return None
    if not isinstance(data, dict):
        check.error("file", "top level", "must be a mapping with 'topic' and 'questions'")
        return None
    check.unknown(data, {"topic", "questions"}, "file")

    raw_topic = data.get("topic")
    topic: dict[str, Any] = {}
    if not isinstance(raw_topic, dict):
        check.error("topic", "topic", "must be a mapping with slug, name, description")
    else:
        check.unknown(raw_topic, TOPIC_FIELDS, "topic")
        topic["slug"] = check.text(raw_topic, "slug", "topic", max_length=80)
        if topic["slug"] and not SLUG.match(topic["slug"]):
            check.error("topic", "slug", f"{topic['slug']!r} must be lowercase words joined by '-'")
        topic["name"] = check.text(raw_topic, "name", "topic", max_length=120)
        topic["description"] = check.text(raw_topic, "description", "topic", required=False)
        position = raw_topic.get("position", 0)
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            check.error("topic", "position", "must be a whole number, 0 or more")
            position = 0
        topic["position"] = position

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list):
        check.error("file", "questions", "must be a list of questions")
        return None
    questions = []
    for index, raw in enumerate(raw_questions):
        item = f"question {index + 1}"
        if not isinstance(raw, dict):
            check.error(item, "question", "must be a mapping")
            continue
        if isinstance(raw.get("slug"), str) and raw["slug"].strip():
            item = f"question {raw['slug']!r}"
        questions.append(_parse_question(raw, item, check))
    return BankFile(name=name, topic=topic, questions=questions)


def _parse_question(raw: dict, item: str, check: _Checker) -> dict[str, Any]:
    check.unknown(raw, QUESTION_FIELDS, item)
    q: dict[str, Any] = {}
    q["slug"] = check.text(raw, "slug", item, max_length=120)
    if q["slug"] and not SLUG.match(q["slug"]):
        check.error(item, "slug", f"{q['slug']!r} must be lowercase words joined by '-'")
    q["title"] = check.text(raw, "title", item, max_length=200)
    q["prompt"] = check.text(raw, "prompt", item)
    q["kind"] = check.choice(raw, "kind", item, Kind)
    q["level"] = check.choice(raw, "level", item, Level)
    q["roles"] = check.text_list(raw, "roles", item)
    for role in q["roles"]:
        if role not in Role.values:
            check.error(item, "roles", f"{role!r} is not one of: {', '.join(Role.values)}")
    q["tags"] = check.text_list(raw, "tags", item)
    for tag in q["tags"]:
        if len(tag) > 50:
            check.error(item, "tags", f"{tag[:20]!r}... is longer than 50 characters")
    seconds = raw.get("seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 10 <= seconds <= 7200:
        check.error(item, "seconds", f"{seconds!r} must be a whole number from 10 to 7200")
        seconds = 180
    q["seconds"] = seconds
    q["status"] = check.choice(raw, "status", item, Status, default=Status.PUBLISHED)
    q["answer"] = check.text(raw, "answer", item)
    q["key_points"], q["key_point_weights"] = check.key_points(raw, "key_points", item)
    q["red_flags"] = check.text_list(raw, "red_flags", item)
    q["follow_ups"] = _parse_follow_ups(raw, item, "", 1, check)
    q["sources"] = check.text_list(raw, "sources", item)
    return q


def _parse_follow_ups(
    raw: dict, item: str, prefix: str, depth: int, check: _Checker
) -> list[dict[str, Any]]:
    """The follow-ups under `raw` (a question or a follow-up), recursively; `prefix` names where
    `raw` is ("follow_ups[0]."), so an error reads `follow_ups[0].follow_ups[1].answer`."""
    follow_ups = raw.get("follow_ups", []) or []
    if not isinstance(follow_ups, list):
        check.error(item, f"{prefix}follow_ups", "must be a list")
        return []
    if follow_ups and depth > MAX_FOLLOW_UP_DEPTH:
        check.error(
            item, f"{prefix}follow_ups", f"chains deeper than {MAX_FOLLOW_UP_DEPTH} follow-ups"
        )
        return []
    result = []
    for j, raw_follow_up in enumerate(follow_ups):
        where = f"{prefix}follow_ups[{j}]"
        if not isinstance(raw_follow_up, dict):
            check.error(item, where, "must be a mapping with prompt, answer, key_points")
            continue
        for key in raw_follow_up:
            if key not in FOLLOW_UP_FIELDS:
                check.error(item, f"{where}.{key}", "is not a known field")
        sub = _Prefixed(check, f"{where}.")
        key_points, weights = sub.key_points(raw_follow_up, "key_points", item)
        result.append(
            {
                "prompt": sub.text(raw_follow_up, "prompt", item),
                "answer": sub.text(raw_follow_up, "answer", item),
                "key_points": key_points,
                "key_point_weights": weights,
                "follow_ups": _parse_follow_ups(raw_follow_up, item, f"{where}.", depth + 1, check),
            }
        )
    return result


class _Prefixed(_Checker):
    """A checker whose errors name a field inside a follow-up: `follow_ups[0].answer`."""

    def __init__(self, parent: _Checker, prefix: str) -> None:
        super().__init__(parent.name, parent.errors)
        self.prefix = prefix

    def error(self, item: str, field_name: str, message: str) -> None:
        super().error(item, f"{self.prefix}{field_name}", message)


def read_bank(paths: Iterable[str | Path]) -> list[BankFile]:
    """Read and validate every file; raise BankInvalid with every problem found."""
    errors: list[BankError] = []
    files: list[BankFile] = []
    seen_questions: dict[str, str] = {}
    seen_topics: dict[str, str] = {}
    resolved = bank_paths(paths)
    if not resolved:
        raise BankInvalid([BankError("(none)", "paths", "paths", "no bank files found")])
    for path in resolved:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                message = f"is {size:,} bytes; bank files may be at most {MAX_FILE_BYTES:,}"
                errors.append(BankError(str(path), "file", "size", message))
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(BankError(str(path), "file", "file", f"cannot be read: {exc}"))
            continue
        bank_file = parse_text(text, str(path), errors)
        if bank_file is None:
            continue
        slug = bank_file.topic.get("slug")
        if slug:
            if slug in seen_topics:
                errors.append(
                    BankError(
                        str(path), "topic", "slug", f"{slug!r} is also in {seen_topics[slug]}"
                    )
                )
            seen_topics[slug] = str(path)
        for q in bank_file.questions:
            if not q["slug"]:
                continue
            if q["slug"] in seen_questions:
                errors.append(
                    BankError(
                        str(path),
                        f"question {q['slug']!r}",
                        "slug",
                        f"duplicate slug, also in {seen_questions[q['slug']]}",
                    )
                )
            seen_questions[q["slug"]] = str(path)
        files.append(bank_file)
    if errors:
        raise BankInvalid(errors)
    return files


# Applying --------------------------------------------------------------------------------------


def question_data(question: Question) -> dict[str, Any]:
    """A question as the bank format holds it (prefetch follow_ups)."""
    return {
        "slug": question.slug,
        "title": question.title,
        "prompt": question.prompt,
        "kind": question.kind,
        "level": question.level,
        "roles": list(question.roles),
        "tags": list(question.tags),
        "seconds": question.seconds,
        "status": question.status,
        "answer": question.answer,
        "key_points": list(question.key_points),
        "key_point_weights": [weight for _, weight in question.weighted_key_points],
        "red_flags": list(question.red_flags),
        "follow_ups": [follow_up_data(f) for f in question.follow_up_roots],
        "sources": list(question.sources),
    }


def follow_up_data(follow_up: FollowUp) -> dict[str, Any]:
    """A follow-up with its chained follow-ups nested under it (the bank files and kit exports)."""
    return {
        "prompt": follow_up.prompt,
        "answer": follow_up.answer,
        "key_points": list(follow_up.key_points),
        "key_point_weights": [weight for _, weight in follow_up.weighted_key_points],
        "follow_ups": [follow_up_data(f) for f in follow_up.children],
    }


def apply_bank(
    files: list[BankFile],
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Upsert topics and questions by slug in one transaction; a dry run rolls back."""
    report = Report()
    total = sum(len(f.questions) for f in files)
    done = 0
    with transaction.atomic():
        existing_topics = {t.slug: t for t in Topic.objects.all()}
        existing = {
            q.slug: q
            for q in Question.objects.prefetch_related("follow_ups").select_related("topic")
        }
        for bank_file in files:
            topic = _upsert_topic(bank_file.topic, existing_topics, report)
            for position, data in enumerate(bank_file.questions):
                _upsert_question(data, topic, position, existing.get(data["slug"]), report)
                done += 1
                if progress and (done % 100 == 0 or done == total):
                    progress(done, total)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _upsert_topic(data: dict[str, Any], existing: dict[str, Topic], report: Report) -> Topic:
    topic = existing.get(data["slug"])
    if topic is None:
        topic = Topic.objects.create(**data)
        existing[topic.slug] = topic
        report.topics_created += 1
    elif any(getattr(topic, k) != v for k, v in data.items()):
        for k, v in data.items():
            setattr(topic, k, v)
        topic.save()
        report.topics_updated += 1
    return topic


def _upsert_question(
    data: dict[str, Any], topic: Topic, position: int, question: Question | None, report: Report
) -> None:
    fields = {k: v for k, v in data.items() if k != "follow_ups"}
    if question is None:
        question = Question.objects.create(topic=topic, position=position, **fields)
        _write_follow_ups(question, data["follow_ups"])
        report.created.append(question.slug)
        return
    current = question_data(question)
    same_place = question.topic_id == topic.pk and question.position == position
    if same_place and current == data:
        report.unchanged += 1
        return
    follow_ups_changed = current["follow_ups"] != data["follow_ups"]
    for k, v in fields.items():
        setattr(question, k, v)
    question.topic = topic
    question.position = position
    version_before = question.version
    question.save()
    if follow_ups_changed:
        question.follow_ups.all().delete()
        _write_follow_ups(question, data["follow_ups"])
        if question.version == version_before:
            question.bump_version()
    report.updated.append(question.slug)


def _write_follow_ups(
    question: Question, follow_ups: list[dict[str, Any]], parent: FollowUp | None = None
) -> None:
    for position, data in enumerate(follow_ups):
        fields = {k: v for k, v in data.items() if k != "follow_ups"}
        follow_up = FollowUp(question=question, parent=parent, position=position, **fields)
        follow_up.save()
        _write_follow_ups(question, data["follow_ups"], follow_up)


# Exporting -------------------------------------------------------------------------------------


class _BankDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _str_representer)


def _yaml_key_points(data: dict[str, Any]) -> None:
    """Key points as the files hold them: a must as a plain string, others as {text, weight}."""
    weights = data.pop("key_point_weights")
    data["key_points"] = [
        text if weight == Weight.MUST else {"text": text, "weight": weight}
        for text, weight in zip(data["key_points"], weights, strict=True)
    ]


def _yaml_follow_up(data: dict[str, Any]) -> dict[str, Any]:
    _yaml_key_points(data)
    children = data.pop("follow_ups")
    if children:
        data["follow_ups"] = [_yaml_follow_up(child) for child in children]
    return data


def file_data(topic: Topic, questions: Iterable[Question]) -> dict[str, Any]:
    out_questions = []
    for q in questions:
        data = question_data(q)
        # Defaults stay out, so first-edition files export exactly as people wrote them.
        if data["status"] == Status.PUBLISHED:
            del data["status"]
        if not data["red_flags"]:
            del data["red_flags"]
        _yaml_key_points(data)
        data["follow_ups"] = [_yaml_follow_up(f) for f in data["follow_ups"]]
        out_questions.append(data)
    return {
        "topic": {
            "slug": topic.slug,
            "name": topic.name,
            "position": topic.position,
            "description": topic.description,
        },
        "questions": out_questions,
    }


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )


def export_bank(directory: Path, questions: QuerySet[Question] | None = None) -> list[Path]:
    """Write one file per topic of the given questions (default: all) into `directory`."""
    questions = (
        (Question.objects.all() if questions is None else questions)
        .select_related("topic")
        .prefetch_related("follow_ups")
        .order_by("topic__position", "topic__slug", "position", "slug")
    )
    by_topic: dict[int, tuple[Topic, list[Question]]] = {}
    for q in questions:
        by_topic.setdefault(q.topic_id, (q.topic, []))[1].append(q)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic, topic_questions in by_topic.values():
        path = directory / f"{topic.slug}.yaml"
        path.write_text(dump(file_data(topic, topic_questions)), encoding="utf-8")
        written.append(path)
    return written
