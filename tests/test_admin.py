"""The question bank in Django admin: lists, filters, actions, preview, import and export."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from questions import bankio
from questions.models import FollowUp, Question, Topic
from tests.factories import make_follow_up, make_question, make_staff, make_topic, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/questions/question/"
IMPORT = "/admin/questions/question/import/"

VALID_YAML = """\
topic: {slug: imported, name: Imported topic, description: "Made by a test."}
questions:
  - slug: imported-one
    title: Imported one
    prompt: "What is **it**?"
    kind: concept
    level: beginner
    roles: [ml-engineer]
    tags: [testing]
    seconds: 120
    answer: "It is this."
    key_points: ["One, with a comma", "Two", "Three"]
    follow_ups:
      - {prompt: "Why?", answer: "Because.", key_points: ["Gives the reason"]}
"""


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def listed(response) -> list[str]:
    return [q.title for q in response.context["cl"].result_list]


# The changelist ----------------------------------------------------------------------------------


def test_staff_see_the_question_list_with_its_columns(staff_client):
    make_question(title="Listed question")
    response = staff_client.get(CHANGELIST)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Listed question" in content
    for column in ("column-topic", "column-level", "column-kind", "column-status"):
        assert column in content
    assert "column-version" in content and "column-updated_at" in content
    assert f'href="{IMPORT}"' in content


def test_search_finds_by_slug_title_and_prompt(staff_client):
    make_question(slug="by-slug-zeta", title="One")
    make_question(title="Zeta in the title")
    make_question(title="Three", prompt="A zeta in the prompt.")
    make_question(title="Unrelated")
    response = staff_client.get(CHANGELIST, {"q": "zeta"})
    assert sorted(listed(response)) == ["One", "Three", "Zeta in the title"]


def test_filters_for_topic_level_kind_status_and_role(staff_client):
    topic = make_topic()
    make_question(title="In topic", topic=topic)
    make_question(title="Hard", level="experienced")
    make_question(title="Code", kind="coding")
    make_question(title="Draft", status=Question.Status.DRAFT)
    make_question(title="Research", roles=["research-scientist"])
    cases = [
        ({"topic__id__exact": topic.pk}, ["In topic"]),
        ({"level__exact": "experienced"}, ["Hard"]),
        ({"kind__exact": "coding"}, ["Code"]),
        ({"status__exact": "draft"}, ["Draft"]),
        ({"role": "research-scientist"}, ["Research"]),
    ]
    for params, expected in cases:
        response = staff_client.get(CHANGELIST, params)
        assert response.status_code == 200
        assert listed(response) == expected, params


def test_the_changelist_runs_a_bounded_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    for _ in range(60):
        make_question(topic=make_topic())
    with django_assert_max_num_queries(12):
        assert staff_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize("url", [CHANGELIST, IMPORT, "/admin/questions/topic/"])
def test_candidates_and_visitors_are_sent_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_can_open_the_topic_list(staff_client):
    make_question(topic=make_topic(name="Deep learning"))
    response = staff_client.get("/admin/questions/topic/")
    assert response.status_code == 200
    assert "Deep learning" in response.content.decode()


# Editing ----------------------------------------------------------------------------------------


def test_the_change_form_previews_the_rendered_markdown(staff_client):
    question = make_question(prompt="Uses **bold**.", answer="An answer with `code`.")
    make_follow_up(question=question, prompt="A follow-up prompt")
    content = staff_client.get(f"{CHANGELIST}{question.pk}/change/").content.decode()
    assert '<div class="bank-preview" hx-disable><p>Uses <strong>bold</strong>.</p>' in content
    assert "<p>An answer with <code>code</code>.</p>" in content
    assert "A follow-up prompt" in content


def change_form_data(question: Question, follow_up: FollowUp, **changes: str) -> dict:
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
        "follow_ups-TOTAL_FORMS": "1",
        "follow_ups-INITIAL_FORMS": "1",
        "follow_ups-MIN_NUM_FORMS": "0",
        "follow_ups-MAX_NUM_FORMS": "1000",
        "follow_ups-0-id": follow_up.pk,
        "follow_ups-0-question": question.pk,
        "follow_ups-0-position": follow_up.position,
        "follow_ups-0-prompt": follow_up.prompt,
        "follow_ups-0-answer": follow_up.answer,
        "follow_ups-0-key_points": "\n".join(follow_up.key_points),
        "_save": "Save",
    }
    return data | changes


def test_key_points_are_edited_one_per_line_and_keep_their_commas(staff_client):
    question = make_question(key_points=["First, with a comma"])
    follow_up = make_follow_up(question=question)
    data = change_form_data(
        question, follow_up, key_points="Defines it, precisely\r\n\r\nGives an example, too\r\n"
    )
    response = staff_client.post(f"{CHANGELIST}{question.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    question.refresh_from_db()
    assert question.key_points == ["Defines it, precisely", "Gives an example, too"]
    assert question.version == 2


def test_editing_only_a_follow_up_makes_a_new_version(staff_client):
    question = make_question()
    follow_up = make_follow_up(question=question)
    data = change_form_data(question, follow_up, **{"follow_ups-0-answer": "A better answer."})
    assert staff_client.post(f"{CHANGELIST}{question.pk}/change/", data).status_code == 302
    question.refresh_from_db()
    assert question.version == 2
    assert question.follow_ups.get().answer == "A better answer."


def test_saving_without_changes_keeps_the_version(staff_client):
    question = make_question()
    follow_up = make_follow_up(question=question)
    data = change_form_data(question, follow_up)
    assert staff_client.post(f"{CHANGELIST}{question.pk}/change/", data).status_code == 302
    question.refresh_from_db()
    assert question.version == 1


# Actions -----------------------------------------------------------------------------------------


def run_action(client, action: str, questions: list[Question]):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [q.pk for q in questions]}
    )


def test_publish_action_publishes_the_selected_drafts(staff_client):
    drafts = [make_question(status=Question.Status.DRAFT) for _ in range(2)]
    other = make_question(status=Question.Status.DRAFT)
    response = run_action(staff_client, "publish_selected", drafts)
    assert response.status_code == 302
    assert set(Question.objects.published().values_list("pk", flat=True)) == {q.pk for q in drafts}
    other.refresh_from_db()
    assert other.status == Question.Status.DRAFT
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Published 2 question(s)."]


def test_retire_action_retires_the_selected_questions(staff_client):
    questions = [make_question() for _ in range(3)]
    run_action(staff_client, "retire_selected", questions[:2])
    statuses = [Question.objects.get(pk=q.pk).status for q in questions]
    assert statuses == ["retired", "retired", "published"]


def test_exporting_one_topic_gives_a_yaml_file_that_reimports_unchanged(staff_client, tmp_path):
    topic = make_topic(slug="metrics", name="Metrics", description="About metrics.")
    questions = [
        make_question(topic=topic, position=0, prompt="First *prompt*", tags=["a", "b"]),
        make_question(topic=topic, position=1, status=Question.Status.DRAFT),
    ]
    make_follow_up(question=questions[0], key_points=["One, two"])
    response = run_action(staff_client, "export_selected", questions)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert 'filename="metrics.yaml"' in response["Content-Disposition"]
    (tmp_path / "metrics.yaml").write_bytes(response.content)

    report = bankio.apply_bank(bankio.read_bank([tmp_path]))
    assert not report.changed
    assert report.unchanged == 2


def test_exporting_several_topics_gives_a_zip_with_one_file_per_topic(staff_client, tmp_path):
    first, second = make_topic(slug="first"), make_topic(slug="second")
    questions = [make_question(topic=first), make_question(topic=second)]
    response = run_action(staff_client, "export_selected", questions)
    assert response["Content-Type"] == "application/zip"
    assert ".zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["first.yaml", "second.yaml"]
    archive.extractall(tmp_path)
    assert len(bankio.read_bank([tmp_path])) == 2


# Import ------------------------------------------------------------------------------------------


def test_the_import_page_has_a_file_field_and_a_dry_run_checkbox(staff_client):
    content = staff_client.get(IMPORT).content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file" name="files"' in content and "multiple" in content
    assert 'type="checkbox" name="dry_run"' in content


def test_importing_a_valid_file_applies_it_and_reports(staff_client):
    response = staff_client.post(IMPORT, {"files": [upload("imported.yaml", VALID_YAML)]})
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    question = Question.objects.get(slug="imported-one")
    assert question.topic.name == "Imported topic"
    assert question.key_points == ["One, with a comma", "Two", "Three"]
    assert question.follow_ups.get().answer == "Because."
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("1 created" in m for m in messages)
    assert any("imported-one" in m for m in messages)


def test_importing_several_files_at_once(staff_client):
    second = VALID_YAML.replace("imported", "second")
    files = [upload("imported.yaml", VALID_YAML), upload("second.yaml", second)]
    assert staff_client.post(IMPORT, {"files": files}).status_code == 302
    assert set(Topic.objects.values_list("slug", flat=True)) == {"imported", "second"}


def test_malformed_yaml_is_refused_naming_the_file_and_line_and_nothing_is_written(staff_client):
    broken = "topic: {slug: broken, name: Broken\nquestions:\n  - slug: [unclosed\n"
    files = [upload("fine.yaml", VALID_YAML), upload("broken.yaml", broken)]
    response = staff_client.post(IMPORT, {"files": files})
    content = response.content.decode()
    assert response.status_code == 422
    assert "<td>broken.yaml</td>" in content
    assert "malformed YAML at line" in content
    assert "/tmp" not in content
    assert not Question.objects.exists()
    assert not Topic.objects.exists()


def test_every_problem_is_listed_with_file_item_and_field(staff_client):
    bad = VALID_YAML.replace("kind: concept", "kind: riddle").replace('answer: "It is this."', "")
    response = staff_client.post(IMPORT, {"files": [upload("bad.yaml", bad)]})
    content = response.content.decode()
    assert response.status_code == 422
    assert "<td>bad.yaml</td><td>question &#x27;imported-one&#x27;</td><td>kind</td>" in content
    assert "<td>bad.yaml</td><td>question &#x27;imported-one&#x27;</td><td>answer</td>" in content
    assert not Question.objects.exists()


def test_a_dry_run_reports_and_writes_nothing(staff_client):
    response = staff_client.post(
        IMPORT, {"files": [upload("imported.yaml", VALID_YAML)], "dry_run": "on"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Dry run, nothing was written" in content
    assert "imported-one" in content
    assert not Question.objects.exists()
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("notes.txt", VALID_YAML, "only .yaml, .yml, .xml (Moodle XML) or .csv files"),
        ("empty.yaml", "", "The submitted file is empty."),
    ],
)
def test_uploads_that_are_not_bank_files_are_refused(staff_client, name, text, message):
    response = staff_client.post(IMPORT, {"files": [upload(name, text)]})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_importing_without_a_file_asks_for_one(staff_client):
    response = staff_client.post(IMPORT, {})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_an_alias_bomb_upload_is_refused_quickly_with_a_short_page(staff_client):
    import time

    from tests.test_bankio import ALIAS_BOMB

    started = time.process_time()
    response = staff_client.post(IMPORT, {"files": [upload("bomb.yaml", ALIAS_BOMB)]})
    assert time.process_time() - started < 2
    assert response.status_code == 422
    content = response.content.decode()
    assert len(content) < 100_000
    assert "<td>bomb.yaml</td>" in content and "aliases" in content
    assert not Topic.objects.exists()
