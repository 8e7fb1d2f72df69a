"""What `make test` and `make run` do on a fresh machine, checked with a PATH we control."""

import shutil
import subprocess
from pathlib import Path

from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "sh", "env", "id", "cat", "test", "grep", "awk", "sed")


def _path_with(tmp_path: Path, *, apt_get: bool) -> str:
    """A PATH with the shell tools make needs, no chromium, and optionally a fake apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    if apt_get:
        fake = bin_dir / "apt-get"
        fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n')
        fake.chmod(0o755)
    return str(bin_dir)


def _make_chromium(tmp_path: Path, path: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "chromium"],
        cwd=BASE_DIR,
        env={"PATH": path, "CHROMIUM": str(tmp_path / "missing" / "chromium")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_test_without_chromium_or_apt_stops_with_one_line_saying_what_to_install(tmp_path):
    result = _make_chromium(tmp_path, _path_with(tmp_path, apt_get=False))
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make:")]
    assert len(ours) == 1
    assert "install Debian's chromium package" in ours[0]


def test_make_test_without_chromium_installs_it_with_apt(tmp_path):
    result = _make_chromium(tmp_path, _path_with(tmp_path, apt_get=True))
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install -y") and calls[1].endswith("chromium")
    # The fake apt-get installed nothing, and make says so instead of running the tests.
    assert result.returncode != 0
    assert "set CHROMIUM=" in result.stderr


def test_ci_run_is_the_readme_test_command():
    script = (BASE_DIR / ".ci" / "run").read_text()
    assert script.rstrip().endswith("make test")
    assert "apt-get" not in script


def test_loading_the_bank_says_how_many_topics_questions_and_follow_ups_it_holds(db, capsys):
    call_command(
        "import_bank", "--totals", str(BASE_DIR / "fixtures" / "bank" / "fundamentals.yaml")
    )
    out = capsys.readouterr().out
    assert "The bank holds 1 topic, " in out
    assert " questions and " in out and " follow-ups." in out
