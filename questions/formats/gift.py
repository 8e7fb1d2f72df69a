"""GIFT (Moodle's plain-text format), export only.

Each topic starts with `$CATEGORY: $course$/top/InterviewPrep/<name>`. Each question is an essay
question in Markdown: `::Title::[markdown]prompt{####model answer and rubric}`, with the slug in
a comment line above it; each follow-up follows as an essay of its own. GIFT's special characters
(`~ = # { } :` and the backslash) are escaped with a backslash and a line break is written `\\n`,
as Moodle reads them, so every text (formulas included) comes back out exactly as written.
GIFT has no place for kind, level, roles or tags: to carry everything, use Moodle XML or CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from questions.formats.common import question_record
from questions.formats.moodle import category_path, grader_info
from questions.models import Question

_ESCAPES = str.maketrans({char: f"\\{char}" for char in "\\~=#{}:"} | {"\n": "\\n"})


def escape(text: str) -> str:
    """Text as GIFT holds it: special characters escaped, line breaks as `\\n`, on one line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _essay(comment: str, title: str, prompt: str, feedback: str) -> str:
    return (
        f"// {comment}\n"
        f"::{escape(title)}::[markdown]{escape(prompt)}{{\n####{escape(feedback)}\n}}\n\n"
    )


def _follow_ups(data: dict[str, Any], follow_ups: list[dict[str, Any]], path: str) -> Iterator[str]:
    for n, follow_up in enumerate(follow_ups, start=1):
        here = f"{path}.{n}" if path else str(n)
        points = list(zip(follow_up["key_points"], follow_up["key_point_weights"], strict=True))
        yield _essay(
            f"follow-up {here} of {data['slug']}",
            f"{data['title']} · follow-up {here}",
            follow_up["prompt"],
            grader_info(follow_up["answer"], points, []),
        )
        yield from _follow_ups(data, follow_up["follow_ups"], here)


def export(questions: Iterable[Question]) -> Iterator[str]:
    current_topic = None
    for question in questions:
        data = question_record(question)
        if data["topic"]["slug"] != current_topic:
            current_topic = data["topic"]["slug"]
            yield f"$CATEGORY: {category_path(data['topic']['name'])}\n\n"
        points = list(zip(data["key_points"], data["key_point_weights"], strict=True))
        yield _essay(
            f"question: {data['slug']}",
            data["title"],
            data["prompt"],
            grader_info(data["answer"], points, data["red_flags"]),
        )
        yield from _follow_ups(data, data["follow_ups"], "")
