"""A kit as plain data and as Markdown: what the JSON and Markdown downloads hold.

Next to `bankio.py`, which reads and writes the bank's own YAML.
"""

from typing import Any

from questions.bankio import follow_up_data
from questions.models import (
    Kit,
    Question,
)


def kit_export_data(kit: Kit) -> dict[str, Any]:
    """The kit as plain data: what the JSON export holds and the Markdown export is made from."""
    return {
        "kit": {
            "title": kit.title,
            "round": kit.round,
            "description": kit.description,
            "minutes_per_question": kit.minutes,
        },
        "questions": [
            {
                "position": item.position,
                "slug": item.question.slug,
                "title": item.question.title,
                "status": item.question.status,
                "topic": item.question.topic.name,
                "level": item.question.level,
                "kind": item.question.kind,
                "minutes": item.minutes_allowed,
                "notes": item.notes,
                "prompt": item.question.prompt,
                "answer": item.question.answer,
                "key_points": list(item.question.key_points),
                "key_point_weights": [w for _, w in item.question.weighted_key_points],
                "red_flags": list(item.question.red_flags),
                "follow_ups": [follow_up_data(f) for f in item.question.follow_up_roots],
            }
            for item in kit.items.with_questions()
        ],
    }


def _markdown_points(points: list[str], weights: list[str], indent: str) -> list[str]:
    return [f"{indent}- [ ] {p} _({w})_" for p, w in zip(points, weights, strict=True)]


def _markdown_follow_ups(follow_ups: list[dict[str, Any]], indent: str) -> list[str]:
    """Numbered follow-ups; chained ones nested (indented) under their parent."""
    lines = []
    for n, f in enumerate(follow_ups, start=1):
        lines += [f"{indent}{n}. {f['prompt']}", "", f"{indent}   Answer: {f['answer']}", ""]
        lines += _markdown_points(f["key_points"], f["key_point_weights"], indent + "   ")
        lines += [""] if f["key_points"] else []
        if f["follow_ups"]:
            lines += [f"{indent}   Going deeper:", ""]
            lines += _markdown_follow_ups(f["follow_ups"], indent + "   ")
    return lines


def kit_markdown(data: dict[str, Any]) -> str:
    kit = data["kit"]
    lines = [f"# {kit['title']}", ""]
    if kit["round"]:
        lines.append(f"Round: {kit['round']}  ")
    lines += [f"Minutes per question: {kit['minutes_per_question']}", ""]
    if kit["description"]:
        lines += [kit["description"], ""]
    for q in data["questions"]:
        lines += [f"## {q['position']}. {q['title']} ({q['minutes']} min)", ""]
        facts = f"*{q['topic']} · {q['level']} · {q['kind']}*"
        if q["status"] != Question.Status.PUBLISHED:
            facts += f" **({q['status']}: candidates do not get it)**"
        lines += [facts, "", q["prompt"], "", "### Model answer", "", q["answer"], ""]
        if q["key_points"]:
            lines += ["### Key points", ""]
            lines += _markdown_points(q["key_points"], q["key_point_weights"], "") + [""]
        if q["red_flags"]:
            lines += ["### Red flags", ""] + [f"- [ ] {flag}" for flag in q["red_flags"]] + [""]
        if q["follow_ups"]:
            lines += ["### Follow-ups", ""] + _markdown_follow_ups(q["follow_ups"], "")
        if q["notes"]:
            lines += ["### Interviewer notes", "", q["notes"], ""]
    return "\n".join(lines).rstrip() + "\n"
