"""Every Python code block in the bank runs: answers and follow-up answers, at any depth.

Each block runs alone in a fresh interpreter (two at a time); a block whose first line is
`# no-run: <reason>` is skipped, and at most 10% of the bank's blocks may be. A failure names
every failing block (file, question, field, block number) with the end of its error.

Other bank files can be checked the same way:
    BANK_CODE_PATHS=/work/bank-drafts .venv/bin/pytest tests/test_bank_code.py -m bankcode
"""

import os
from pathlib import Path

import pytest
import yaml

from questions.bankcode import (
    MAX_NO_RUN_SHARE,
    CodeBlock,
    bank_blocks,
    blocks_in_data,
    run_block,
    run_blocks,
)

BANK_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "bank"
BANK_PATHS = [Path(p) for p in os.environ.get("BANK_CODE_PATHS", str(BANK_DIR)).split(os.pathsep)]


@pytest.fixture(scope="module")
def blocks() -> list[CodeBlock]:
    return bank_blocks(BANK_PATHS)


@pytest.mark.bankcode
def test_every_python_block_of_the_bank_runs(blocks):
    failed = [outcome for outcome in run_blocks(blocks) if not outcome.ok]
    report = "\n\n".join(str(outcome) for outcome in failed)
    assert not failed, f"{len(failed)} of {len(blocks)} python blocks fail:\n\n{report}"


@pytest.mark.bankcode
def test_at_most_a_tenth_of_the_blocks_are_marked_no_run(blocks):
    marked = [b for b in blocks if b.no_run_reason is not None]
    listing = "\n".join(f"{b.where}: {b.no_run_reason}" for b in marked)
    assert len(marked) <= MAX_NO_RUN_SHARE * len(blocks), (
        f"{len(marked)} of {len(blocks)} blocks are marked no-run:\n{listing}"
    )
    assert [b.where for b in marked if not b.no_run_reason] == [], "a no-run mark needs a reason"


# The machinery, on small YAML strings -----------------------------------------------------------

SMALL = """\
questions:
- slug: softmax
  answer: |
    Subtract the maximum first.

    ```python
    import numpy as np
    z = np.array([1000.0, 1001.0])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert abs(p.sum() - 1) < 1e-12
    ```

    ```text
    not python
    ```

    1. In a list item:

       ```python
       assert 1 + 1 == 2
       ```
  follow_ups:
  - prompt: And in PyTorch?
    answer: |
      ```python
      # no-run: needs PyTorch
      import torch
      ```
    follow_ups:
    - prompt: Deeper?
      answer: |
        ```python
        raise SystemExit("deliberately failing")
        ```
"""


def small_blocks() -> list[CodeBlock]:
    return list(blocks_in_data(yaml.safe_load(SMALL), "small.yaml"))


def test_blocks_are_found_in_answers_and_follow_ups_at_any_depth():
    found = [(b.field, b.number) for b in small_blocks()]
    assert found == [
        ("answer", 1),
        ("answer", 2),
        ("follow_ups[0].answer", 1),
        ("follow_ups[0].follow_ups[0].answer", 1),
    ]
    assert small_blocks()[1].code == "assert 1 + 1 == 2\n"  # dedented out of the list item


def test_a_no_run_block_is_recognised_with_its_reason():
    reasons = [b.no_run_reason for b in small_blocks()]
    assert reasons == [None, None, "needs PyTorch", None]
    bare = CodeBlock("f.yaml", "q", "answer", 1, "#no-run:\nimport torch\n")
    assert bare.no_run_reason == ""  # marked, but the reason is missing: the bank test says so


def test_blocks_run_and_a_failure_names_the_block_and_its_error():
    outcomes = run_blocks(small_blocks())
    assert [o.ok for o in outcomes] == [True, True, False]  # the no-run block is not run
    failure = str(outcomes[-1])
    assert failure.startswith(
        "small.yaml: question 'softmax': follow_ups[0].follow_ups[0].answer: python block 1"
    )
    assert "deliberately failing" in failure


def test_a_block_that_runs_too_long_is_stopped():
    block = CodeBlock("f.yaml", "question 'q'", "answer", 1, "while True:\n    pass\n")
    outcome = run_block(block, timeout=1)
    assert not outcome.ok and "timed out" in outcome.output


def test_a_block_runs_in_an_empty_directory():
    code = "import os\nassert os.listdir('.') == [], os.listdir('.')\n"
    assert run_block(CodeBlock("f.yaml", "q", "answer", 1, code)).ok
