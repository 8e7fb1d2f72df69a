"""Run a snippet of Python in a child process forked from a warm interpreter.

Importing NumPy, SciPy, pandas and scikit-learn costs a second or more of CPU per process, more
than most code blocks themselves. A forkserver imports them once (this module is its preload);
every snippet then runs in its own forked child: its own process, globals, working directory and
exit status, with the libraries already in memory. No Django here: the forkserver imports this
and questions.codewarm (the libraries); the test process itself imports neither library.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import traceback
from multiprocessing.context import ForkServerContext

_context: ForkServerContext | None = None


def _get_context() -> ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["questions.codewarm", __name__])
    return _context


def _child(code: str, workdir: str, output: str) -> None:
    """In the forked child: run `code` as __main__ in `workdir`, stdout and stderr to `output`."""
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - lives as long as the child
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    os.chdir(workdir)
    status = 0
    try:
        exec(
            compile(code, "<block>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__}
        )
    except SystemExit as stop:
        if isinstance(stop.code, int):
            status = stop.code
        elif stop.code is not None:
            print(stop.code, file=sys.stderr)  # as the interpreter does: message and status 1
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def run_code(code: str, timeout: float) -> tuple[int | None, str]:
    """(exit status or None on timeout, output) of `code` run in a fresh forked child."""
    context = _get_context()
    with (
        tempfile.TemporaryDirectory(prefix="bank-code-") as workdir,
        tempfile.NamedTemporaryFile(prefix="bank-code-", suffix=".out") as output,
    ):
        process = context.Process(target=_child, args=(code, workdir, output.name))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            return None, ""
        with open(output.name, encoding="utf-8", errors="replace") as handle:
            return process.exitcode, handle.read()
