"""Content checks for the bank files: completeness and "our own words" against the seeds.

Used by the content tests and runnable by hand while writing:

    python -m questions.bankcheck fixtures/bank/*.yaml
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = BASE_DIR.parent / "shared" / "seeds"

KINDS = {"concept", "coding", "scenario", "system-design", "behavioral"}
LEVELS = {"beginner", "intermediate", "experienced"}
ROLES = {"ml-engineer", "data-scientist", "research-scientist"}
SHINGLE = 8  # this many words in a row, shared with a seed, count as a copied sentence

_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_INLINE_CODE = re.compile(r"`[^`]*`")
_WORD = re.compile(r"[a-z0-9]+")


def prose_words(text: str) -> list[str]:
    """The words of the prose: code blocks, inline code and formulas are facts, not wording."""
    text = _CODE_BLOCK.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    return _WORD.findall(text.lower().replace("’", "'"))


def shingles(words: list[str], size: int = SHINGLE) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


class SeedsMissing(RuntimeError):
    """The guard cannot judge "our own words" without the seeds: it fails rather than passes."""


def seed_shingles() -> set[tuple[str, ...]]:
    paths = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    if not paths:
        raise SeedsMissing(
            f"No seed documents (*.txt) in {SEEDS_DIR}: the copy check needs ../shared/seeds "
            "beside the repository."
        )
    result: set[tuple[str, ...]] = set()
    for path in paths:
        result |= shingles(prose_words(path.read_text(encoding="utf-8")))
    return result


def point_text(point: object) -> str:
    """A key point's text: a plain string, or the `text` of {text, weight}."""
    if isinstance(point, dict):
        return str(point.get("text") or "")
    return str(point)


def _weight(point: object) -> str:
    return str(point.get("weight", "must")) if isinstance(point, dict) else "must"


def texts_of(question: dict, prefix: str = "") -> Iterable[tuple[str, str]]:
    """Every prose field of a question (or follow-up), its follow-ups' at any depth included."""
    for field in ("title", "prompt", "answer"):
        if field in question or not prefix:
            yield f"{prefix}{field}", str(question.get(field) or "")
    for i, point in enumerate(question.get("key_points") or []):
        yield f"{prefix}key_points[{i}]", point_text(point)
    for i, flag in enumerate(question.get("red_flags") or []):
        yield f"{prefix}red_flags[{i}]", str(flag)
    for j, follow_up in enumerate(question.get("follow_ups") or []):
        if isinstance(follow_up, dict):
            yield from texts_of(follow_up, f"{prefix}follow_ups[{j}].")


def all_follow_ups(item: dict, prefix: str = "") -> Iterable[tuple[str, dict]]:
    """(where, follow-up) for every follow-up under `item`, depth-first."""
    for j, follow_up in enumerate(item.get("follow_ups") or []):
        if isinstance(follow_up, dict):
            where = f"{prefix}follow_ups[{j}]"
            yield where, follow_up
            yield from all_follow_ups(follow_up, f"{where}.")


def check_question(q: dict, seeds: set[tuple[str, ...]]) -> list[str]:
    """Problems with one question, each naming the field."""
    problems = []
    for field in ("slug", "title", "prompt", "answer", "kind", "level", "seconds"):
        if not q.get(field):
            problems.append(f"{field}: missing")
    if q.get("kind") not in KINDS:
        problems.append(f"kind: {q.get('kind')!r} is not one of {sorted(KINDS)}")
    if q.get("level") not in LEVELS:
        problems.append(f"level: {q.get('level')!r} is not one of {sorted(LEVELS)}")
    roles = q.get("roles") or []
    if not roles or set(roles) - ROLES:
        problems.append(f"roles: {roles!r} must be a non-empty subset of {sorted(ROLES)}")
    if not q.get("tags"):
        problems.append("tags: at least one")
    if len(str(q.get("answer", "")).split()) < 60:
        problems.append("answer: fewer than 60 words")
    if len(q.get("key_points") or []) < 3:
        problems.append("key_points: fewer than 3")
    for where, item in [("", q), *((f"{w}.", f) for w, f in all_follow_ups(q))]:
        points = item.get("key_points") or []
        if points and not any(_weight(p) == "must" for p in points):
            problems.append(f"{where}key_points: none is weighted must")
    follow_ups = q.get("follow_ups") or []
    if not follow_ups:
        problems.append("follow_ups: at least one")
    for where, f in all_follow_ups(q):
        if not f.get("prompt") or not f.get("answer"):
            problems.append(f"{where}: prompt and answer are required")
        if len(f.get("key_points") or []) < 2:
            problems.append(f"{where}.key_points: fewer than 2")
    for source in q.get("sources") or []:
        name, _, line = str(source).partition(":")
        path = SEEDS_DIR / name
        if not path.exists() or not line.isdigit():
            problems.append(f"sources: {source!r} is not seed-file:line")
        elif int(line) > len(path.read_text(encoding="utf-8").splitlines()):
            problems.append(f"sources: {source!r} is past the end of the file")
    for field, text in texts_of(q):
        copied = shingles(prose_words(text)) & seeds
        if copied:
            sample = " ".join(sorted(copied)[0])
            problems.append(
                f"{field}: {len(copied)} phrase(s) copied from the seeds, e.g. {sample!r}"
            )
    return problems


def check_files(paths: list[Path]) -> list[str]:
    seeds = seed_shingles()
    problems = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for q in data.get("questions") or []:
            for problem in check_question(q, seeds):
                problems.append(f"{path.name}: {q.get('slug', '?')}: {problem}")
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv[1:]]
    problems = check_files(paths)
    for problem in problems:
        print(problem)
    total = sum(len(yaml.safe_load(p.read_text())["questions"]) for p in paths)
    follow_ups = sum(
        len(list(all_follow_ups(q)))
        for p in paths
        for q in yaml.safe_load(p.read_text())["questions"]
    )
    print(f"{total} questions, {follow_ups} follow-ups, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
