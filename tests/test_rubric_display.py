"""Weights, red flags and chained follow-ups where people read them: kit guides, kit exports,
the question page."""

import pytest
from django.test import Client

from questions.models import Question
from tests.factories import make_follow_up, make_interviewer, make_kit, make_question

pytestmark = pytest.mark.django_db


def rubric_question() -> Question:
    question = make_question(
        title="Bayes with base rates",
        key_points=["Uses the base rate", "Gets about 2%", "Suggests a retest"],
        key_point_weights=["must", "should", "bonus"],
        red_flags=["Answers 99% because the test is 99% sensitive"],
    )
    first = make_follow_up(question=question, prompt="PARENT-PROMPT", answer="PARENT-ANSWER")
    child = make_follow_up(
        question=question,
        parent=first,
        prompt="CHILD-PROMPT",
        answer="CHILD-ANSWER",
        key_points=["Names a shared cause", "Says independence fails"],
        key_point_weights=["must", "bonus"],
    )
    make_follow_up(question=question, parent=child, prompt="GRANDCHILD-PROMPT")
    make_follow_up(question=question, prompt="SIBLING-PROMPT")
    return question


@pytest.fixture
def owner_client_and_kit():
    owner = make_interviewer()
    kit = make_kit(owner, questions=[rubric_question()], title="Stats round")
    client = Client()
    client.force_login(owner)
    return client, kit


def test_the_kit_guide_shows_weights_red_flags_and_the_follow_up_tree(owner_client_and_kit):
    client, kit = owner_client_and_kit
    html = client.get(f"/kits/{kit.pk}/guide/").content.decode()
    assert '<span class="weight weight-should">should</span> Gets about 2%' in html
    assert '<span class="weight weight-bonus">bonus</span> Suggests a retest' in html
    assert ">Red flags<" in html and "Answers 99% because" in html
    # Depth-first, each chained follow-up in a nested list inside its parent's item.
    order = [html.index(t) for t in ("PARENT", "CHILD", "GRANDCHILD", "SIBLING")]
    assert order == sorted(order)
    between = html[html.index("PARENT-PROMPT") : html.index("CHILD-PROMPT")]
    assert "follow-up-children" in between
    assert "</ol>" not in between  # the child list is inside the parent's item


def test_the_candidate_version_shows_no_red_flags_or_weights(owner_client_and_kit):
    client, kit = owner_client_and_kit
    html = client.get(f"/kits/{kit.pk}/candidate/").content.decode()
    assert "Answers 99%" not in html and "weight-should" not in html


def test_the_json_export_has_weights_red_flags_and_nested_follow_ups(owner_client_and_kit):
    client, kit = owner_client_and_kit
    data = client.get(f"/kits/{kit.pk}/export.json").json()
    question = data["questions"][0]
    assert question["key_point_weights"] == ["must", "should", "bonus"]
    assert question["red_flags"] == ["Answers 99% because the test is 99% sensitive"]
    parent, sibling = question["follow_ups"]
    assert [parent["prompt"], sibling["prompt"]] == ["PARENT-PROMPT", "SIBLING-PROMPT"]
    child = parent["follow_ups"][0]
    assert child["key_point_weights"] == ["must", "bonus"]
    assert child["follow_ups"][0]["prompt"] == "GRANDCHILD-PROMPT"
    assert sibling["follow_ups"] == []


def test_the_markdown_export_indents_chained_follow_ups(owner_client_and_kit):
    client, kit = owner_client_and_kit
    text = client.get(f"/kits/{kit.pk}/export.md").content.decode()
    assert "- [ ] Gets about 2% _(should)_" in text
    assert "### Red flags\n\n- [ ] Answers 99% because the test is 99% sensitive" in text
    assert "\n1. PARENT-PROMPT" in text
    assert "\n   1. CHILD-PROMPT" in text
    assert "\n      - [ ] Says independence fails _(bonus)_" in text
    assert "\n      1. GRANDCHILD-PROMPT" in text
    assert "\n2. SIBLING-PROMPT" in text


def test_the_question_page_shows_weights_red_flags_and_the_tree(django_assert_max_num_queries):
    question = rubric_question()
    with django_assert_max_num_queries(4):
        html = Client().get(question.get_absolute_url()).content.decode()
    assert '<span class="weight weight-should">should</span> Gets about 2%' in html
    assert "Answers 99% because" in html
    order = [html.index(t) for t in ("PARENT", "CHILD", "GRANDCHILD", "SIBLING")]
    assert order == sorted(order)
    assert "to follow-up 1.1.1" in html


def test_the_guide_of_a_kit_with_chains_runs_a_fixed_number_of_queries(
    owner_client_and_kit, django_assert_max_num_queries
):
    client, kit = owner_client_and_kit
    for _ in range(10):
        question = rubric_question()
        kit.items.create(question=question, position=kit.items.count() + 1)
    with django_assert_max_num_queries(8):
        client.get(f"/kits/{kit.pk}/guide/")
