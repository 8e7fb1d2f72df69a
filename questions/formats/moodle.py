"""Moodle XML: the bank as essay questions in categories, and Moodle banks read back.

Export. Each topic is a category (`$course$/top/InterviewPrep/<name>`, its slug as the category's
idnumber, its description as the category's info). Each question is an essay question in
Markdown (a text format Moodle has, so prompts and formulas stay exactly as written): the title
is its name, the slug its idnumber, the grader information holds the model answer followed by the
key points as the rubric and the red flags, and tags carry the rest (`kind:`, `level:`, `role:`,
`seconds:`, `status:`, `source:` and the plain tags). Each follow-up is an essay question of its
own right after its parent, idnumber `<slug>.f1`, `<slug>.f1.2` for a chained one.

Import. Essay, short-answer and description questions; other types are skipped and named.
A category becomes a topic (its last path segment is the name); description questions add to the
topic's description. HTML becomes Markdown (`\\(x\\)` and `\\[x\\]` formulas become `$x$` and
`$$x$$`); images cannot come along and are marked in the text. XML is parsed by defusedxml with
DTDs refused, so entity expansion ("billion laughs") and external entities never run.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from markdownify import MarkdownConverter

from questions.bankio import SLUG, BankError
from questions.formats.common import (
    DEFAULT_KIND,
    DEFAULT_LEVEL,
    DEFAULT_SECONDS,
    one_line,
    question_record,
    slug_for,
    unused_slug,
)
from questions.models import Question
from questions.models.bank import Status, Weight

CATEGORY_ROOT = "$course$/top/InterviewPrep"
RUBRIC_HEADING = "#### Key points (rubric)"
RED_FLAGS_HEADING = "#### Red flags"
IMPORTED_TYPES = ("essay", "shortanswer", "description")
# Moodle exports embed images as base64; a bank of a few hundred questions with pictures fits.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_QUESTIONS = 50_000


# Writing --------------------------------------------------------------------------------------

# XML 1.0 cannot hold most control characters at all, not even as references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str) -> str:
    """Element text; a carriage return as a reference, since parsers turn a literal one into \\n."""
    text = _NOT_XML.sub("\ufffd", text)
    return html.escape(text, quote=False).replace("\r", "&#13;")


def _text_element(tag: str, text: str, indent: str, fmt: str = "markdown") -> str:
    body = f"{indent}  <text>{_escape(text)}</text>"
    return f'{indent}<{tag} format="{fmt}">\n{body}\n{indent}</{tag}>\n'


def category_path(name: str) -> str:
    # Moodle writes a slash inside a category name as two.
    return f"{CATEGORY_ROOT}/{name.replace('/', '//')}"


def grader_info(answer: str, key_points: list[tuple[str, str]], red_flags: list[str]) -> str:
    """The model answer, then the rubric and the red flags (parsed back by split_grader_info)."""
    sections = [answer]
    if key_points:
        lines = [f"- **{weight}:** {one_line(text)}" for text, weight in key_points]
        sections.append(f"{RUBRIC_HEADING}\n\n" + "\n".join(lines))
    if red_flags:
        lines = [f"- {one_line(flag)}" for flag in red_flags]
        sections.append(f"{RED_FLAGS_HEADING}\n\n" + "\n".join(lines))
    return "\n\n".join(sections)


_POINT_LINE = r"- \*\*(?:must|should|bonus):\*\* [^\n]*"
_GRADER_INFO = re.compile(
    r"\A(?P<answer>.*?)"
    rf"(?:\n\n{re.escape(RUBRIC_HEADING)}\n\n(?P<points>{_POINT_LINE}(?:\n{_POINT_LINE})*))?"
    rf"(?:\n\n{re.escape(RED_FLAGS_HEADING)}\n\n(?P<flags>- [^\n]*(?:\n- [^\n]*)*))?\Z",
    re.DOTALL,
)
_POINT = re.compile(r"^- \*\*(must|should|bonus):\*\* (.*)$")


def split_grader_info(text: str) -> tuple[str, list[Any], list[str]]:
    """(answer, key points as the bank files hold them, red flags) from grader information."""
    match = _GRADER_INFO.match(text)
    if match is None:  # the pattern always matches; kept for type checkers
        return text, [], []
    points: list[Any] = []
    for line in (match.group("points") or "").splitlines():
        weight, point = _POINT.match(line).groups()  # type: ignore[union-attr]
        points.append(point if weight == Weight.MUST else {"text": point, "weight": weight})
    flags = [line[2:] for line in (match.group("flags") or "").splitlines()]
    return match.group("answer"), points, flags


def _tags(data: dict[str, Any]) -> list[str]:
    tags = [f"kind:{data['kind']}", f"level:{data['level']}", f"seconds:{data['seconds']}"]
    if data["status"] != Status.PUBLISHED:
        tags.append(f"status:{data['status']}")
    tags += [f"role:{role}" for role in data["roles"]]
    tags += [f"source:{source}" for source in data["sources"]]
    return tags + list(data["tags"])


def _essay(
    *,
    name: str,
    idnumber: str,
    prompt: str,
    info: str,
    hidden: bool,
    tags: list[str],
) -> str:
    i = "    "
    parts = [
        '  <question type="essay">\n',
        f"{i}<name>\n{i}  <text>{_escape(name)}</text>\n{i}</name>\n",
        _text_element("questiontext", prompt, i),
        _text_element("generalfeedback", "", i),
        f"{i}<defaultgrade>1</defaultgrade>\n{i}<penalty>0</penalty>\n",
        f"{i}<hidden>{int(hidden)}</hidden>\n{i}<idnumber>{_escape(idnumber)}</idnumber>\n",
        f"{i}<responseformat>editor</responseformat>\n{i}<responserequired>1</responserequired>\n",
        f"{i}<responsefieldlines>15</responsefieldlines>\n",
        f"{i}<attachments>0</attachments>\n{i}<attachmentsrequired>0</attachmentsrequired>\n",
        _text_element("graderinfo", info, i),
        _text_element("responsetemplate", "", i),
    ]
    if tags:
        parts.append(f"{i}<tags>\n")
        parts += [f"{i}  <tag><text>{_escape(tag)}</text></tag>\n" for tag in tags]
        parts.append(f"{i}</tags>\n")
    parts.append("  </question>\n")
    return "".join(parts)


def _follow_up_essays(
    data: dict[str, Any], follow_ups: list[dict[str, Any]], path: str, hidden: bool
) -> Iterator[str]:
    for n, follow_up in enumerate(follow_ups, start=1):
        here = f"{path}.{n}" if path else str(n)
        points = list(zip(follow_up["key_points"], follow_up["key_point_weights"], strict=True))
        yield _essay(
            name=f"{data['title']} · follow-up {here}",
            idnumber=f"{data['slug']}.f{here}",
            prompt=follow_up["prompt"],
            info=grader_info(follow_up["answer"], points, []),
            hidden=hidden,
            tags=[],
        )
        yield from _follow_up_essays(data, follow_up["follow_ups"], here, hidden)


def export(questions: Iterable[Question]) -> Iterator[str]:
    """The questions as a Moodle XML quiz file, a piece at a time."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
    current_topic = None
    for question in questions:
        data = question_record(question)
        topic = data["topic"]
        if topic["slug"] != current_topic:
            current_topic = topic["slug"]
            yield (
                '  <question type="category">\n'
                f"    <category>\n      <text>{_escape(category_path(topic['name']))}</text>\n"
                "    </category>\n"
                + _text_element("info", topic["description"], "    ")
                + f"    <idnumber>{_escape(topic['slug'])}</idnumber>\n  </question>\n"
            )
        hidden = data["status"] != Status.PUBLISHED
        points = list(zip(data["key_points"], data["key_point_weights"], strict=True))
        yield _essay(
            name=data["title"],
            idnumber=data["slug"],
            prompt=data["prompt"],
            info=grader_info(data["answer"], points, data["red_flags"]),
            hidden=hidden,
            tags=_tags(data),
        )
        yield from _follow_up_essays(data, data["follow_ups"], "", hidden)
    yield "</quiz>\n"


# Reading --------------------------------------------------------------------------------------

_MATH = re.compile(
    r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]|\$\$(?P<dollars>.+?)\$\$", re.S
)
_HTML_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "del",
    "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
    "th", "td", "span", "div", "sub", "sup", "kbd", "img", "figure", "figcaption",
}  # fmt: skip


class _Converter(MarkdownConverter):
    """markdownify with images turned into a marked place in the text (the bank holds none)."""

    def __init__(self, images: list[str], **options: Any) -> None:
        super().__init__(**options)
        self.images = images

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        src = str(el.attrs.get("src") or "")
        name = src.rsplit("/", 1)[-1] or "image"
        alt = str(el.attrs.get("alt") or "").strip()
        self.images.append(name)
        return f"*[Image not imported: {alt + ', ' if alt else ''}{name}]*"


def html_to_markdown(text: str, images: list[str]) -> str:
    """Moodle HTML as Markdown; formulas keep their TeX, images are listed in `images`."""
    formulas: list[str] = []

    def hold(match: re.Match[str]) -> str:
        tex = html.unescape(
            match.group("inline") or match.group("display") or match.group("dollars")
        )
        formulas.append(f"${tex}$" if match.group("inline") is not None else f"$${tex}$$")
        return f"MATHPLACEHOLDER{len(formulas) - 1}X"

    text = _MATH.sub(hold, text)
    clean = nh3.clean(
        text, tags=_HTML_TAGS, attributes={"a": {"href"}, "img": {"src", "alt"}}, link_rel=None
    )
    converter = _Converter(images, heading_style="ATX", bullets="-", escape_misc=False)
    markdown = converter.convert(clean).strip()
    return re.sub(r"MATHPLACEHOLDER(\d+)X", lambda m: formulas[int(m.group(1))], markdown)


def _child_text(element: Element | None, tag: str = "text") -> str:
    if element is None:
        return ""
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


@dataclass
class _Formatted:
    """The text of a Moodle text field (questiontext, graderinfo, ...) as Markdown."""

    text: str
    images: list[str] = field(default_factory=list)


def _field(question: Element, tag: str) -> _Formatted:
    element = question.find(tag)
    if element is None:
        return _Formatted("")
    raw = _child_text(element)
    fmt = element.get("format", "html")
    if fmt == "html":
        images: list[str] = []
        return _Formatted(html_to_markdown(raw, images), images)
    return _Formatted(raw)


@dataclass
class MoodleTopic:
    slug: str
    name: str
    description: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MoodleItem:
    """One question as raw bank data (the YAML shape), with where it came from."""

    raw: dict[str, Any]
    item: str
    topic: str


@dataclass
class MoodleFile:
    topics: dict[str, MoodleTopic] = field(default_factory=dict)
    items: list[MoodleItem] = field(default_factory=list)
    follow_ups: list[tuple[str, list[int], dict[str, Any], str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


_FOLLOW_UP_ID = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.f(?P<path>\d+(?:\.\d+)*)$")


def _topic_from_category(question: Element) -> tuple[str, str] | None:
    path = _child_text(question.find("category")).strip()
    segments = [s.replace("\x00", "/").strip() for s in path.replace("//", "\x00").split("/")]
    segments = [s for s in segments if s and not (s.startswith("$") and s.endswith("$"))]
    if segments and segments[0] == "top":
        segments = segments[1:]
    if not segments:
        return None
    name = segments[-1]
    idnumber = (question.findtext("idnumber") or "").strip()
    slug = idnumber if idnumber and SLUG.match(idnumber) and len(idnumber) <= 80 else ""
    return slug or slug_for(name, max_length=80), name


def _question_tags(question: Element) -> list[str]:
    tags = question.find("tags")
    if tags is None:
        return []
    return [(tag.findtext("text") or "").strip() for tag in tags.findall("tag")]


def _raw_question(question: Element, kind: str, title: str) -> tuple[dict[str, Any], list[str]]:
    """The bank fields of an essay or short-answer question; the images it referred to."""
    prompt = _field(question, "questiontext")
    images = list(prompt.images)
    if kind == "essay":
        info = _field(question, "graderinfo")
        if not info.text.strip():
            info = _field(question, "generalfeedback")
        images += info.images
        answer, key_points, red_flags = split_grader_info(info.text)
    else:
        accepted = sorted(
            (
                (float(a.get("fraction", "0") or 0), html_to_markdown(_child_text(a), images))
                for a in question.findall("answer")
            ),
            key=lambda pair: -pair[0],
        )
        texts = [text for fraction, text in accepted if fraction > 0 and text]
        answer = texts[0] if texts else ""
        if len(texts) > 1:
            answer += "\n\nAlso accepted: " + "; ".join(texts[1:])
        feedback = _field(question, "generalfeedback")
        images += feedback.images
        if answer and feedback.text.strip():
            answer += "\n\n" + feedback.text
        key_points, red_flags = [], []
    raw: dict[str, Any] = {
        "title": title,
        "prompt": prompt.text,
        "answer": answer,
        "key_points": key_points,
        "red_flags": red_flags,
        "kind": DEFAULT_KIND,
        "level": DEFAULT_LEVEL,
        "seconds": DEFAULT_SECONDS,
        "roles": [],
        "tags": [],
        "sources": [],
        "follow_ups": [],
        "status": Status.DRAFT if question.findtext("hidden", "0").strip() == "1" else "published",
    }
    for tag in _question_tags(question):
        prefix, _, value = tag.partition(":")
        if prefix in ("kind", "level", "status") and value:
            raw[prefix] = value
        elif prefix == "seconds" and value:
            raw["seconds"] = int(value) if value.isdigit() else value
        elif prefix == "role" and value:
            raw["roles"].append(value)
        elif prefix == "source" and value:
            raw["sources"].append(value)
        elif tag:
            raw["tags"].append(tag)
    return raw, images


def parse(data: bytes, name: str, errors: list[BankError]) -> MoodleFile | None:
    """Read one Moodle XML file; problems go to `errors` (None when the file cannot be read)."""
    result = MoodleFile()
    topic: MoodleTopic | None = None
    used_slugs: set[str] = set()
    depth = 0
    count = 0
    root: Element | None = None
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if element.tag != "quiz":
                        errors.append(
                            BankError(
                                name,
                                "file",
                                "quiz",
                                f"is not Moodle XML: the root is <{element.tag}>, not <quiz>",
                            )
                        )
                        return None
                continue
            depth -= 1
            if depth != 1 or element.tag != "question":
                continue
            count += 1
            if count > MAX_QUESTIONS:
                errors.append(
                    BankError(name, "file", "quiz", f"has more than {MAX_QUESTIONS:,} questions")
                )
                return None
            topic = _read_question(element, count, name, topic, result, used_slugs, errors)
            if root is not None:
                root.clear()  # what was read is done with: memory stays bounded by one question
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        errors.append(
            BankError(
                name, "file", "xml", f"malformed XML at line {line}, column {column + 1}: {message}"
            )
        )
        return None
    except DefusedXmlException as exc:
        errors.append(
            BankError(
                name,
                "file",
                "xml",
                "refused: the file declares a DTD or entities, which Moodle XML never needs "
                f"({type(exc).__name__})",
            )
        )
        return None
    return result


def _read_question(
    element: Element,
    number: int,
    name: str,
    topic: MoodleTopic | None,
    result: MoodleFile,
    used_slugs: set[str],
    errors: list[BankError],
) -> MoodleTopic | None:
    kind = element.get("type", "")
    title = " ".join(_child_text(element.find("name")).split())
    item = f"question {number}" + (f" {title!r}" if title else "")
    if kind == "category":
        found = _topic_from_category(element)
        if found is None:
            errors.append(BankError(name, item, "category", "names no category"))
            return topic
        slug, topic_name = found
        if slug not in result.topics:
            result.topics[slug] = MoodleTopic(slug=slug, name=topic_name)
        current = result.topics[slug]
        info = _field(element, "info").text.strip()
        if info and info not in current.description:
            current.description.append(info)
        return current
    if kind not in IMPORTED_TYPES:
        result.skipped.append(f"{name}: {item}: {kind or 'untyped'} questions are not imported")
        return topic
    if topic is None:
        errors.append(
            BankError(
                name, item, "category", "comes before any category; Moodle files start with one"
            )
        )
        return topic
    if kind == "description":
        text = _field(element, "questiontext")
        for image in text.images:
            result.notices.append(f"{name}: {item}: questiontext: image {image} was not imported")
        if text.text.strip():
            topic.description.append(text.text.strip())
        return topic
    raw, images = _raw_question(element, kind, title)
    for image in images:
        result.notices.append(f"{name}: {item}: image {image} was not imported")
    idnumber = (element.findtext("idnumber") or "").strip()
    follow_up = _FOLLOW_UP_ID.match(idnumber)
    if follow_up:
        path = [int(n) for n in follow_up.group("path").split(".")]
        follow_up_raw = {k: raw[k] for k in ("prompt", "answer", "key_points")}
        result.follow_ups.append((follow_up.group("slug"), path, follow_up_raw, item))
        return topic
    if idnumber and SLUG.match(idnumber) and len(idnumber) <= 120:
        slug = idnumber
    else:
        slug = unused_slug(f"{topic.slug} {title}", used_slugs)
    used_slugs.add(slug)
    raw["slug"] = slug
    result.items.append(MoodleItem(raw=raw, item=item, topic=topic.slug))
    return topic


def attach_follow_ups(result: MoodleFile, name: str, errors: list[BankError]) -> None:
    """Put each follow-up question under its question (or parent follow-up), in path order."""
    by_slug = {item.raw["slug"]: item for item in result.items}
    nodes: dict[tuple[str, tuple[int, ...]], dict[str, Any]] = {}
    for slug, path, raw, item in sorted(result.follow_ups, key=lambda f: (f[0], f[1])):
        owner = by_slug.get(slug)
        if owner is None:
            errors.append(
                BankError(
                    name, item, "idnumber", f"is a follow-up of {slug!r}, which is not in this file"
                )
            )
            continue
        raw["follow_ups"] = []
        if len(path) == 1:
            owner.raw["follow_ups"].append(raw)
        else:
            parent = nodes.get((slug, tuple(path[:-1])))
            if parent is None:
                parent_id = f"{slug}.f{'.'.join(map(str, path[:-1]))}"
                errors.append(
                    BankError(
                        name,
                        item,
                        "idnumber",
                        f"its parent follow-up {parent_id!r} is not in this file",
                    )
                )
                continue
            parent["follow_ups"].append(raw)
        nodes[(slug, tuple(path))] = raw
