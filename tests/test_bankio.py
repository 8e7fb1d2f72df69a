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
            _as_exported(q)
        assert exported["questions"] == source["questions"]


def _as_exported(item: dict) -> None:
    """The spellings export normalises: a must point as a plain string, no empty lists."""
    item["key_points"] = [
        p["text"] if isinstance(p, dict) and p.get("weight", "must") == "must" else p
        for p in item.get("key_points") or []
    ]
    for key in ("red_flags", "follow_ups"):
        if key in item and not item[key] and not (key == "follow_ups" and "slug" in item):
            del item[key]
    for follow_up in item.get("follow_ups") or []:
        _as_exported(follow_up)


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


# The second edition: weighted key points, red flags, chained follow-ups ----------------------

V2 = """\
topic:
  slug: probability-statistics
  name: Probability and statistics
  position: 14
  description: Chance and evidence.
questions:
- slug: bayes-rare-disease-test
  title: A test for a rare disease
  prompt: A test is 99% sensitive and 95% specific; 1 in 1000 has the disease. P(sick | positive)?
  kind: concept
  level: intermediate
  roles:
  - data-scientist
  tags:
  - bayes
  seconds: 240
  answer: |
    Bayes: $P = 0.99 \\cdot 0.001 / (0.99 \\cdot 0.001 + 0.05 \\cdot 0.999) \\approx 0.019$.
  key_points:
  - Applies Bayes' rule with the base rate
  - text: Works the numbers to about 2%
    weight: should
  - text: Suggests a second, independent test
    weight: bonus
  red_flags:
  - Answers 99% because the test is 99% sensitive
  follow_ups:
  - prompt: What if a second independent test is also positive?
    answer: Update again, with the posterior as the new prior.
    key_points:
    - Uses the posterior as the prior
    - text: Gets about 28%
      weight: should
    follow_ups:
    - prompt: Why might the tests not be independent?
      answer: Both may react to the same confounder.
      key_points:
      - Names a shared cause
      - text: Says the product rule then overstates the evidence
        weight: bonus
      follow_ups:
      - prompt: How would you check?
        answer: Compare results on people known to be healthy.
        key_points:
        - Uses a healthy control group
        - Looks at the correlation of false positives
  - prompt: How does the answer change at a 1% base rate?
    answer: It rises to about 17%.
    key_points:
    - Recomputes with 0.01
    - Says the base rate dominates
  sources: []
"""


def test_weights_and_red_flags_are_imported(tmp_path):
    apply_bank(read_bank([write(tmp_path, "stats.yaml", V2)]))
    question = Question.objects.get(slug="bayes-rare-disease-test")
    assert question.key_points[1] == "Works the numbers to about 2%"
    assert question.key_point_weights == ["must", "should", "bonus"]
    assert question.red_flags == ["Answers 99% because the test is 99% sensitive"]


def test_chained_follow_ups_are_imported_under_their_parents(tmp_path):
    apply_bank(read_bank([write(tmp_path, "stats.yaml", V2)]))
    question = Question.objects.prefetch_related("follow_ups").get()
    tree = [(f.depth, f.prompt[:20]) for f in question.follow_up_tree]
    assert tree == [
        (0, "What if a second ind"),
        (1, "Why might the tests "),
        (2, "How would you check?"),
        (0, "How does the answer "),
    ]
    second = FollowUp.objects.get(prompt__startswith="Why might")
    assert second.parent.prompt.startswith("What if")
    assert second.key_point_weights == ["must", "bonus"]


def test_the_second_edition_round_trips_unchanged(tmp_path):
    apply_bank(read_bank([write(tmp_path, "stats.yaml", V2)]))
    out = tmp_path / "export"
    call_command("export_bank", str(out))
    assert (out / "probability-statistics.yaml").read_text() == V2
    report = apply_bank(read_bank([out]))
    assert not report.changed


def test_a_weight_change_updates_the_question_and_bumps_its_version(tmp_path):
    apply_bank(read_bank([write(tmp_path, "stats.yaml", V2)]))
    changed = V2.replace("about 2%\n    weight: should", "about 2%\n    weight: bonus")
    report = apply_bank(read_bank([write(tmp_path, "stats.yaml", changed)]))
    assert report.updated == ["bayes-rare-disease-test"]
    question = Question.objects.get()
    assert question.key_point_weights == ["must", "bonus", "bonus"]
    assert question.version == 2


def test_a_changed_chained_follow_up_updates_the_question(tmp_path):
    apply_bank(read_bank([write(tmp_path, "stats.yaml", V2)]))
    changed = V2.replace("How would you check?", "How would you test that?")
    report = apply_bank(read_bank([write(tmp_path, "stats.yaml", changed)]))
    assert report.updated == ["bayes-rare-disease-test"]
    assert FollowUp.objects.filter(prompt="How would you test that?", parent__isnull=False).exists()
    assert FollowUp.objects.count() == 4


def test_a_key_point_with_only_text_is_a_must(tmp_path):
    text = V2.replace("- Applies Bayes' rule with the base rate", "- text: Applies Bayes' rule")
    apply_bank(read_bank([write(tmp_path, "stats.yaml", text)]))
    assert Question.objects.get().weighted_key_points[0] == ("Applies Bayes' rule", "must")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "about 2%\n    weight: should",
            "about 2%\n    weight: essential",
            "question 'bayes-rare-disease-test': key_points[1].weight: 'essential' is not one of",
        ),
        (
            "      weight: bonus\n      follow_ups:",
            "      weight: maybe\n      follow_ups:",
            "follow_ups[0].follow_ups[0].key_points[1].weight: 'maybe' is not one of",
        ),
        (
            "about 2%\n    weight: should",
            "about 2%\n    points: 3",
            "key_points[1].points: is not a known field",
        ),
        ("  - text: Works the numbers", "  - weight: should\n    x: Works", "key_points[1].text"),
        (
            "  red_flags:\n  - Answers 99%",
            "  red_flags:\n  - {a: b}\n  - Answers 99%",
            "red_flags[0]: must be non-empty text",
        ),
        ("  red_flags:\n  -", "  red_flags: oops\n  x_flags:\n  -", "red_flags: must be a list"),
        (
            "        - Looks at the correlation of false positives\n",
            "        - Looks at the correlation of false positives\n"
            "        follow_ups:\n        - prompt: Deeper\n          answer: Too deep\n",
            "follow_ups[0].follow_ups[0].follow_ups[0].follow_ups: chains deeper than 3",
        ),
        (
            "      - prompt: How would you check?\n",
            "      - prompt: How would you check?\n        hint: none\n",
            "follow_ups[0].follow_ups[0].follow_ups[0].hint: is not a known field",
        ),
        (
            "    - prompt: Why might the tests not be independent?\n",
            "    - prompt: ''\n",
            "follow_ups[0].follow_ups[0].prompt: is missing or empty",
        ),
    ],
)
def test_second_edition_errors_name_file_item_and_field(tmp_path, old, new, expected):
    assert old in V2
    path = write(tmp_path, "stats.yaml", V2.replace(old, new))
    with pytest.raises(BankInvalid) as caught:
        read_bank([path])
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith(f"{path}: ") and expected in m for m in messages), messages
    assert not Question.objects.exists()
