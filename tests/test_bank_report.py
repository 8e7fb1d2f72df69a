"""manage.py bank_report: the bank in numbers, written to docs/bank-report.md."""

import pytest
from django.core.management import CommandError, call_command

from tests.test_bankio import V2, VALID


def test_the_report_counts_topics_levels_kinds_and_the_rubric(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "metrics.yaml").write_text(VALID)
    marked = "  answer: |\n    ```python\n    # no-run: needs a GPU\n    ```\n    Bayes:"
    (bank / "stats.yaml").write_text(V2.replace("  answer: |\n    Bayes:", marked))
    out = tmp_path / "report.md"
    call_command("bank_report", str(bank), "--output", str(out))
    text = out.read_text()
    assert "**2 published questions** in 2 topics, with 5 follow-ups (2 of them chained" in text
    assert "| Probability and statistics (`probability-statistics`) | 1 | 0 | 1 | 0 |" in text
    assert "| with red flags | 1 | 50% |" in text
    assert "| with weighted key points (should or bonus) | 1 | 50% |" in text
    assert "| with chained follow-ups (depth 2 or more) | 1 | 50% |" in text
    assert "must 12, should 2, bonus 2; red flags in all: 1." in text
    assert "1 Python blocks" in text and "1 marked `# no-run` (100%" in text
    assert "python block 1: needs a GPU" in text


def test_check_fails_when_the_report_is_out_of_date(tmp_path):
    bank = tmp_path / "metrics.yaml"
    bank.write_text(VALID)
    out = tmp_path / "report.md"
    with pytest.raises(CommandError, match="out of date"):
        call_command("bank_report", str(bank), "--output", str(out), "--check")
    call_command("bank_report", str(bank), "--output", str(out))
    call_command("bank_report", str(bank), "--output", str(out), "--check")


def test_an_invalid_bank_writes_no_report(tmp_path):
    bank = tmp_path / "bad.yaml"
    bank.write_text(VALID.replace("kind: concept", "kind: poem"))
    out = tmp_path / "report.md"
    with pytest.raises(CommandError, match="problem"):
        call_command("bank_report", str(bank), "--output", str(out))
    assert not out.exists()
