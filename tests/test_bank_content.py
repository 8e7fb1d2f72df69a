"""The shipped bank: complete, covering every seed question, and in our own words."""

import csv
from pathlib import Path

import pytest

from questions import bankcheck
from questions.bankcheck import SeedsMissing, check_files
from questions.bankio import read_bank

BASE_DIR = Path(__file__).resolve().parent.parent
BANK_DIR = BASE_DIR / "fixtures" / "bank"
INDEX = BASE_DIR / "docs" / "bank-index.tsv"


@pytest.fixture(scope="module")
def bank():
    return read_bank([BANK_DIR])


@pytest.fixture(scope="module")
def questions(bank):
    return [q for f in bank for q in f.questions]


def index_rows():
    with INDEX.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_the_bank_holds_enough_questions_and_follow_ups(questions):
    assert len(questions) >= 150
    assert sum(len(q["follow_ups"]) for q in questions) >= 200


def test_every_seed_question_is_covered_by_a_bank_question_source(questions):
    sources = {s for q in questions for s in q["sources"]}
    refs = {ref for row in index_rows() for ref in row["refs"].split(",") if ref}
    assert len(refs) >= 200
    assert refs - sources == set()


def test_every_planned_question_is_in_the_topic_the_plan_gives(bank):
    where = {q["slug"]: f.topic["slug"] for f in bank for q in f.questions}
    misplaced = {
        row["slug"]: (row["topic"], where.get(row["slug"]))
        for row in index_rows()
        if where.get(row["slug"]) != row["topic"]
    }
    assert misplaced == {}


def test_each_seed_line_is_cited_by_one_question_only(questions):
    cited = [s for q in questions for s in q["sources"]]
    assert len(cited) == len(set(cited))


def test_every_question_is_complete_and_in_our_own_words():
    problems = check_files(sorted(BANK_DIR.glob("*.yaml")))
    assert problems == []


def test_the_three_skill_checks_are_scenario_questions(questions):
    skill_checks = [q for q in questions if "skill-check" in q["slug"]]
    assert len(skill_checks) == 3
    assert {q["kind"] for q in skill_checks} == {"scenario"}


def test_every_kind_and_level_is_represented(questions):
    assert {q["kind"] for q in questions} == {
        "concept", "coding", "scenario", "system-design", "behavioral"
    }  # fmt: skip
    assert {q["level"] for q in questions} == {"beginner", "intermediate", "experienced"}


def test_the_seed_guard_fails_when_the_seeds_are_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(bankcheck, "SEEDS_DIR", tmp_path / "no-seeds")
    with pytest.raises(SeedsMissing, match="no-seeds"):
        check_files(sorted(BANK_DIR.glob("*.yaml")))


def test_the_seed_guard_fails_when_the_seed_folder_is_empty(monkeypatch, tmp_path):
    monkeypatch.setattr(bankcheck, "SEEDS_DIR", tmp_path)
    with pytest.raises(SeedsMissing):
        bankcheck.seed_shingles()


V2_QUESTION = {
    "slug": "q",
    "title": "A title",
    "prompt": "Prompt",
    "answer": "word " * 60,
    "kind": "concept",
    "level": "beginner",
    "seconds": 60,
    "roles": ["ml-engineer"],
    "tags": ["t"],
    "key_points": [{"text": "a", "weight": "should"}, {"text": "b", "weight": "bonus"}, "c"],
    "red_flags": ["shared words one two three four five six seven eight"],
    "follow_ups": [
        {
            "prompt": "p",
            "answer": "a",
            "key_points": ["x", "y"],
            "follow_ups": [
                {"prompt": "deeper", "answer": "", "key_points": [{"text": "z", "weight": "bonus"}]}
            ],
        }
    ],
}


def test_the_content_check_reads_the_second_edition():
    seeds = bankcheck.shingles(
        bankcheck.prose_words("shared words one two three four five six seven eight")
    )
    problems = bankcheck.check_question(V2_QUESTION, seeds)
    assert problems == [
        "follow_ups[0].follow_ups[0].key_points: none is weighted must",
        "follow_ups[0].follow_ups[0]: prompt and answer are required",
        "follow_ups[0].follow_ups[0].key_points: fewer than 2",
        "red_flags[0]: 3 phrase(s) copied from the seeds, e.g. "
        "'one two three four five six seven eight'",
    ]
