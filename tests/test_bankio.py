import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from questions.bankio import BankInvalid, apply_bank, read_bank
from questions.models import FollowUp, Question, Topic

pytestmark = pytest.mark.django_db

BANK_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "bank"

VALID = """
topic:
  slug: evaluation-metrics
  name: Evaluation and metrics
  position: 5
  description: "How models are judged."
questions:
  - slug: precision-vs-recall
    title: Precision versus recall
    prompt: "What is the difference between precision and recall?"
    kind: concept
    level: beginner
    roles: [ml-engineer, data-scientist]
    tags: [metrics, classification]
    seconds: 180
    answer: |
      Precision is $\\frac{TP}{TP + FP}$; recall is $\\frac{TP}{TP + FN}$.
    key_points: ["Defines precision", "Defines recall", "Names the trade-off"]
    follow_ups:
      - prompt: "When does recall matter more?"
        answer: "When misses are costly."
        key_points: ["Cost of misses", "Example"]
    sources: ["000_8307d4834cf1570c.txt:584"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_topic_questions_and_follow_ups(tmp_path):
    report = apply_bank(read_bank([write(tmp_path, "metrics.yaml", VALID)]))
    assert report.created == ["precision-vs-recall"]
    question = Question.objects.get(slug="precision-vs-recall")
    assert question.status == Question.Status.PUBLISHED
    assert question.topic.name == "Evaluation and metrics"
    assert question.key_points == ["Defines precision", "Defines recall", "Names the trade-off"]
    assert "<math" in question.answer_html
    assert question.follow_ups.get().key_points == ["Cost of misses", "Example"]


def test_importing_twice_changes_nothing(tmp_path):
    path = write(tmp_path, "metrics.yaml", VALID)
    apply_bank(read_bank([path]))
    before = list(Question.objects.values("id", "version", "updated_at"))
    report = apply_bank(read_bank([path]))
    assert not report.changed
    assert report.unchanged == 1
    assert list(Question.objects.values("id", "version", "updated_at")) == before


def test_reimport_with_changed_content_updates_and_bumps_the_version(tmp_path):
    (apply_bank(read_bank([write(tmp_path, "a.yaml", VALID)])),)
    changed = VALID.replace("Names the trade-off", "Names the precision-recall trade-off")
    report = apply_bank(read_bank([write(tmp_path, "a.yaml", changed)]))
    assert report.updated == ["precision-vs-recall"]
    assert Question.objects.get().version == 2


def test_changing_only_a_follow_up_bumps_the_version(tmp_path):
    apply_bank(read_bank([write(tmp_path, "a.yaml", VALID)]))
    changed = VALID.replace("When misses are costly.", "When a missed positive is costly.")
    apply_bank(read_bank([write(tmp_path, "a.yaml", changed)]))
    assert Question.objects.get().version == 2
    assert FollowUp.objects.get().answer == "When a missed positive is costly."


def test_dry_run_reports_and_writes_nothing(tmp_path):
    path = write(tmp_path, "metrics.yaml", VALID)
    call_command("import_bank", str(path), "--dry-run")
    assert Question.objects.count() == 0
    assert Topic.objects.count() == 0


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            ("kind: concept", "kind: essay"),
            "question 'precision-vs-recall': kind: 'essay' is not one of",
        ),
        (
            (
                "    answer: |\n      Precision is $\\frac{TP}{TP + FP}$; "
                "recall is $\\frac{TP}{TP + FN}$.\n",
                "",
            ),
            "question 'precision-vs-recall': answer: is missing or empty",
        ),
        (("seconds: 180", "seconds: -5"), "seconds: -5 must be a whole number from 10 to 7200"),
        (
            ("roles: [ml-engineer, data-scientist]", "roles: [astronaut]"),
            "roles: 'astronaut' is not one of",
        ),
        (
            ("tags: [metrics", "colour: red\n    tags: [metrics"),
            "question 'precision-vs-recall': colour: is not a known field",
        ),
        (
            ("slug: precision-vs-recall", "slug: Precision Vs Recall"),
            "slug: 'Precision Vs Recall' must be lowercase",
        ),
        (
            ('- prompt: "When does recall matter more?"\n        answer', "- answer"),
            "follow_ups[0].prompt: is missing or empty",
        ),
    ],
)
def test_invalid_fields_are_named_with_file_item_and_field(tmp_path, mutation, expected):
    old, new = mutation
    assert old in VALID
    path = write(tmp_path, "metrics.yaml", VALID.replace(old, new))
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith(f"{path}: ") and expected in m for m in messages), messages


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "broken.yaml", VALID.replace("kind: concept", "kind: [concept"))
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    (error,) = caught.value.errors
    assert error.file == str(path)
    assert "malformed YAML at line" in error.message


def test_duplicate_slugs_across_files_are_refused(tmp_path):
    first = write(tmp_path, "a.yaml", VALID)
    second = write(
        tmp_path, "b.yaml", VALID.replace("slug: evaluation-metrics", "slug: other-topic")
    )
    with pytest.raises(BankInvalid) as caught:
        read_bank([first, second])
    assert any("duplicate slug, also in" in str(e) for e in caught.value.errors)


def test_nul_characters_are_refused(tmp_path):
    path = write(
        tmp_path,
        "a.yaml",
        VALID.replace("Precision versus recall", "Precision\\0 recall").replace(
            "title: Precision\\0 recall", 'title: "Precision\\0 recall"'
        ),
    )
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    assert any("NUL" in str(e) for e in caught.value.errors)


def test_one_bad_file_means_nothing_is_written_from_any_file(tmp_path):
    good = write(tmp_path, "a.yaml", VALID)
    bad = write(tmp_path, "b.yaml", "topic: {slug: x, name: X}\nquestions:\n  - slug: y\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_bank", str(good), str(bad))
    assert Question.objects.count() == 0


def test_a_hostile_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path, "a.yaml", "- just\n- a list\n")
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    assert "must be a mapping" in str(caught.value)


def test_yaml_tags_that_would_run_code_are_refused(tmp_path):
    path = write(
        tmp_path, "a.yaml", "topic: !!python/object/apply:os.system ['true']\nquestions: []\n"
    )
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    assert "malformed YAML" in str(caught.value)


def test_export_after_import_reproduces_the_bank_files(tmp_path):
    apply_bank(read_bank([BANK_DIR]))
    out = tmp_path / "export"
    call_command("export_bank", str(out))
    originals = sorted(BANK_DIR.glob("*.yaml"))
    assert sorted(p.name for p in out.glob("*.yaml")) == [p.name for p in originals]
    for original in originals:
        source = yaml.safe_load(original.read_text())
        exported = yaml.safe_load((out / original.name).read_text())
        assert exported["topic"] == {"description": "", "position": 0, **source["topic"]}
        for q in source["questions"]:
            q.setdefault("roles", [])
            q.setdefault("tags", [])
            q.setdefault("sources", [])
        assert exported["questions"] == source["questions"]


def test_exported_files_import_unchanged(tmp_path):
    apply_bank(read_bank([BANK_DIR]))
    out = tmp_path / "export"
    call_command("export_bank", str(out))
    report = apply_bank(read_bank([out]))
    assert not report.changed


# Hostile input: bounded memory and time ----------------------------------------------------------

# 729 bytes that expand to 9**9 (387 million) strings when Python objects are built.
ALIAS_BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{','.join(['*' + prev] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def _bounded(function):
    """Run `function`; its exception, peak traced memory in bytes, and CPU seconds taken.

    CPU time, not wall time: other processes on a busy machine must not fail the bound.
    """
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.process_time()
    try:
        function()
    except Exception as exc:  # noqa: BLE001 - the caller asserts on it
        error = exc
    else:
        error = None
    elapsed = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak, elapsed


def test_an_alias_bomb_is_refused_in_bounded_memory_and_time_naming_the_file(tmp_path):
    path = write(tmp_path, "bomb.yaml", ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 800
    error, peak, elapsed = _bounded(lambda: read_bank([path]))
    assert isinstance(error, BankInvalid)
    assert peak < 5 * 2**20
    assert elapsed < 2
    assert str(path) in str(error)
    assert "aliases" in str(error)


def test_the_command_refuses_an_alias_bomb_and_says_why(tmp_path):
    path = write(tmp_path, "bomb.yaml", ALIAS_BOMB)
    err = io.StringIO()
    error, peak, elapsed = _bounded(lambda: call_command("import_bank", str(path), stderr=err))
    assert isinstance(error, CommandError)
    assert peak < 5 * 2**20 and elapsed < 2
    assert f"{path}: file: yaml: refused: line 2: anchors and aliases" in err.getvalue()
    assert not Topic.objects.exists()


def test_the_command_refuses_a_file_over_the_size_cap_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr("questions.bankio.MAX_FILE_BYTES", len(VALID) - 1)
    path = write(tmp_path, "metrics.yaml", VALID)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_bank", str(path), stderr=err)
    assert f"{path}: file: size: is {len(VALID.encode()):,} bytes" in err.getvalue()
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 5000 + "]" * 5000, "nested more than"),
        ("- x\n" * 60_000, "YAML nodes"),
    ],
)
def test_deep_or_huge_documents_are_refused_in_bounded_time(tmp_path, text, message):
    import time

    path = write(tmp_path, "big.yaml", text)
    started = time.process_time()
    with pytest.raises(BankInvalid, match=message):
        read_bank([path])
    assert time.process_time() - started < 5
