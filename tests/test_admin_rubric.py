"""Editing weights, red flags and chained follow-ups in Django admin."""

import pytest

from questions.models import FollowUp, Question
from tests.factories import make_follow_up, make_question, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/questions/question/"


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def form_data(question: Question, follow_ups: list[FollowUp], **changes: str) -> dict:
    data = {
        "topic": question.topic_id,
        "title": question.title,
        "status": question.status,
        "position": question.position,
        "kind": question.kind,
        "level": question.level,
        "roles": question.roles,
        "tags": ",".join(question.tags),
        "seconds": question.seconds,
        "prompt": question.prompt,
        "answer": question.answer,
        "key_points": "\n".join(question.key_points),
        "red_flags": "\n".join(question.red_flags),
        "follow_ups-TOTAL_FORMS": str(len(follow_ups)),
        "follow_ups-INITIAL_FORMS": str(len(follow_ups)),
        "follow_ups-MIN_NUM_FORMS": "0",
        "follow_ups-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, f in enumerate(follow_ups):
        data |= {
            f"follow_ups-{i}-id": f.pk,
            f"follow_ups-{i}-question": question.pk,
            f"follow_ups-{i}-parent": f.parent_id or "",
            f"follow_ups-{i}-position": f.position,
            f"follow_ups-{i}-prompt": f.prompt,
            f"follow_ups-{i}-answer": f.answer,
            f"follow_ups-{i}-key_points": "\n".join(f.key_points),
        }
    return data | changes


def test_the_change_form_shows_weight_tags_and_red_flags(staff_client):
    question = make_question(
        key_points=["Main", "Nice", "Extra"],
        key_point_weights=["must", "should", "bonus"],
        red_flags=["Claims accuracy is enough"],
    )
    html = staff_client.get(f"{CHANGELIST}{question.pk}/change/").content.decode()
    assert "Main\n[should] Nice\n[bonus] Extra" in html
    assert "Claims accuracy is enough" in html
    assert "start it with [should] or [bonus]" in html


def test_weights_and_red_flags_are_saved_from_tagged_lines(staff_client):
    question = make_question()
    follow_up = make_follow_up(question=question)
    data = form_data(
        question,
        [follow_up],
        key_points="Main point\n[should] A good point\n[ BONUS ]  A bonus point\n[must] Also main",
        red_flags="Says accuracy is fine\n\nConfuses precision and recall\n",
        **{"follow_ups-0-key_points": "One\n[bonus] Two"},
    )
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    question.refresh_from_db()
    assert question.key_points == ["Main point", "A good point", "A bonus point", "Also main"]
    assert question.key_point_weights == ["must", "should", "bonus", "must"]
    assert question.red_flags == ["Says accuracy is fine", "Confuses precision and recall"]
    assert question.version == 2
    follow_up.refresh_from_db()
    assert follow_up.weighted_key_points == [("One", "must"), ("Two", "bonus")]


def test_an_unknown_weight_is_refused_and_nothing_is_saved(staff_client):
    question = make_question()
    follow_up = make_follow_up(question=question)
    data = form_data(question, [follow_up], key_points="Main\n[shuold] Typo\n[bonus]")
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 2: [shuold] is not a weight" in html
    assert "Line 3: the weight has no key point after it." in html
    question.refresh_from_db()
    assert question.version == 1 and question.key_points == [
        "First point",
        "Second point",
        "Third point",
    ]


def test_a_follow_up_can_be_chained_under_another(staff_client):
    question = make_question()
    first = make_follow_up(question=question)
    second = make_follow_up(question=question)
    data = form_data(
        question, [first, second], **{"follow_ups-1-parent": first.pk, "follow_ups-1-position": 0}
    )
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    second.refresh_from_db()
    assert second.parent == first
    question.refresh_from_db()
    assert question.version == 2


def test_a_chain_cannot_loop(staff_client):
    question = make_question()
    first = make_follow_up(question=question)
    second = make_follow_up(question=question, parent=first)
    data = form_data(question, [first, second], **{"follow_ups-0-parent": second.pk})
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 200
    assert "This would make the chain a loop." in response.content.decode()
    first.refresh_from_db()
    assert first.parent is None


def test_a_chain_is_at_most_three_deep(staff_client):
    question = make_question()
    chain = [make_follow_up(question=question)]
    for _ in range(2):
        chain.append(make_follow_up(question=question, parent=chain[-1]))
    extra = make_follow_up(question=question)
    data = form_data(question, [*chain, extra], **{"follow_ups-3-parent": chain[-1].pk})
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert "Chains are at most 3 deep." in response.content.decode()


def test_siblings_cannot_share_a_position(staff_client):
    question = make_question()
    first = make_follow_up(question=question)
    second = make_follow_up(question=question)
    data = form_data(question, [first, second], **{"follow_ups-1-position": first.position})
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another follow-up with the same parent has it." in html or "already exists" in html
    second.refresh_from_db()
    assert second.position == 1


def test_a_parent_from_another_question_is_refused(staff_client):
    question = make_question()
    follow_up = make_follow_up(question=question)
    foreign = make_follow_up()
    data = form_data(question, [follow_up], **{"follow_ups-0-parent": foreign.pk})
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.parent is None
