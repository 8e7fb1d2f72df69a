"""The Python code blocks of the bank files: found in every answer and follow-up answer, and run.

A block is a fenced ```python block. One whose first line is `# no-run: <reason>` is not run
(it needs PyTorch, a GPU, a service); the bank may mark at most MAX_NO_RUN_SHARE of its blocks.
Each other block runs on its own in a child process (questions.coderun: forked from an interpreter
that has NumPy, SciPy, pandas and scikit-learn loaded), in an empty directory, with a timeout; it
passes when it ends without an exception (or exits with status 0).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from questions.bankio import bank_paths
from questions.coderun import run_code

# Fences may be indented (a block inside a Markdown list item); the closing fence matches.
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.S | re.M
)
NO_RUN = re.compile(r"^#\s*no-run:(?P<reason>.*)$")
MAX_NO_RUN_SHARE = 0.10
TIMEOUT_SECONDS = 30  # the format asks for under 5 s; the margin is for a loaded machine


@dataclass(frozen=True)
class CodeBlock:
    file: str
    item: str  # question 'slug'
    field: str  # answer, follow_ups[0].follow_ups[1].answer
    number: int  # 1 for the first block of that field
    code: str

    @property
    def where(self) -> str:
        return f"{self.file}: {self.item}: {self.field}: python block {self.number}"

    @property
    def no_run_reason(self) -> str | None:
        """The reason given on a `# no-run: <reason>` first line ("" if none is given), or None
        when the block runs."""
        first = self.code.lstrip("\n").split("\n", 1)[0].strip()
        match = NO_RUN.match(first)
        return match.group("reason").strip() if match else None


@dataclass(frozen=True)
class Outcome:
    block: CodeBlock
    ok: bool
    output: str

    def __str__(self) -> str:
        tail = self.output.strip()[-1200:]
        return f"{self.block.where}\n{textwrap.indent(tail, '    ')}"


def blocks_in_text(text: str) -> list[str]:
    return [textwrap.dedent(m.group("code")) for m in FENCE.finditer(text or "")]


def blocks_in_data(data: Any, file: str) -> Iterator[CodeBlock]:
    """The blocks of one parsed bank file, in file order."""
    questions = data.get("questions") if isinstance(data, dict) else None
    for index, question in enumerate(questions or []):
        if not isinstance(question, dict):
            continue
        item = f"question {question.get('slug') or index + 1!r}"
        yield from _blocks_in_item(question, file, item, "")


def _blocks_in_item(data: dict, file: str, item: str, prefix: str) -> Iterator[CodeBlock]:
    answer = data.get("answer")
    if isinstance(answer, str):
        for number, code in enumerate(blocks_in_text(answer), start=1):
            yield CodeBlock(file, item, f"{prefix}answer", number, code)
    for j, follow_up in enumerate(data.get("follow_ups") or []):
        if isinstance(follow_up, dict):
            yield from _blocks_in_item(follow_up, file, item, f"{prefix}follow_ups[{j}].")


def bank_blocks(paths: Iterable[str | Path]) -> list[CodeBlock]:
    """Every block of the bank files (and *.yaml of directories) named."""
    result: list[CodeBlock] = []
    for path in bank_paths(paths):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        result.extend(blocks_in_data(data, str(path)))
    return result


def run_block(block: CodeBlock, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """Run one block in its own process (forked from a warm interpreter) in an empty directory."""
    status, output = run_code(block.code, timeout)
    if status is not None and status < 0:
        # Killed by a signal after (or while) running, not failed by its own code: seen once on a
        # loaded machine with the block's whole output printed. Run it again to tell the two apart.
        status, output = run_code(block.code, timeout)
    if status is None:
        return Outcome(block, False, f"timed out after {timeout:g} s")
    if status != 0 and "Traceback" not in output:
        output += f"\n(exit status {status})"
    return Outcome(block, status == 0, output)


def run_blocks(blocks: Iterable[CodeBlock], workers: int = 2) -> list[Outcome]:
    """Run the blocks not marked no-run, `workers` at a time, in the order given."""
    runnable = [b for b in blocks if b.no_run_reason is None]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run_block, runnable))
