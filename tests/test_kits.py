"""Interview kits: building, loops, printing, exporting, sharing, results, and who may do what."""

import json
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from questions import services
from questions.models import (
    Attempt,
    Kit,
    KitItem,
    Loop,
    LoopRound,
    PracticeSession,
    Question,
    ShareLink,
)
from questions.models.practice import AttemptState, Clock
from tests.factories import (
    client_for,
    make_follow_up,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_share_link,
    make_staff,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def db_state() -> tuple:
    """Everything the kit views can write, to show that a refused request wrote nothing."""
    return (
        list(Kit.objects.order_by("pk").values()),
        list(KitItem.objects.order_by("pk").values()),
        list(ShareLink.objects.order_by("pk").values()),
        list(Loop.objects.order_by("pk").values()),
        list(LoopRound.objects.order_by("pk").values()),
        list(PracticeSession.objects.order_by("pk").values()),
    )


@dataclass
class World:
    owner: User
    other: User
    candidate: User
    staff: User
    kit: Kit
    item: KitItem
    extra_question: Question
    link: ShareLink
    loop: Loop
    spare_kit: Kit
    loop_round: LoopRound
    session: PracticeSession


@pytest.fixture
def world() -> World:
    owner = make_interviewer()
    topic = make_topic(name="Evaluation")
    q1 = make_question(topic=topic, title="Precision and recall", answer="SECRET-MODEL-ANSWER")
    make_follow_up(question=q1, answer="FOLLOW-UP-ANSWER")
    q2 = make_question(topic=topic, title="ROC curves")
    q3 = make_question(topic=topic, title="Calibration")
    kit = make_kit(owner, questions=[q1, q2, q3], title="Metrics round", description="Metrics.")
    KitItem.objects.filter(kit=kit, question=q1).update(notes="INTERVIEWER-NOTE")
    spare_kit = make_kit(owner, title="System design round")
    loop = make_loop(owner, kits=[kit])
    candidate = make_user()
    link = make_share_link(kit)
    session = services.start_kit_session(
        user=candidate, token=link.token, share_results=True, now=timezone.now()
    )
    return World(
        owner=owner,
        other=make_interviewer(),
        candidate=candidate,
        staff=make_staff(),
        kit=kit,
        item=kit.items.get(position=1),
        extra_question=make_question(topic=topic, title="Log loss"),
        link=link,
        loop=loop,
        spare_kit=spare_kit,
        loop_round=loop.rounds.get(),
        session=session,
    )


# Every kit, loop, share-link, print/export and results view: (name, method, url, data).
def endpoints(w: World) -> dict[str, tuple[str, str, dict]]:
    kit = f"/kits/{w.kit.pk}"
    loop = f"/kits/loops/{w.loop.pk}"
    return {
        "builder": ("get", f"{kit}/", {}),
        "interviewer guide": ("get", f"{kit}/guide/", {}),
        "candidate version": ("get", f"{kit}/candidate/", {}),
        "markdown export": ("get", f"{kit}/export.md", {}),
        "json export": ("get", f"{kit}/export.json", {}),
        "share links": ("get", f"{kit}/share/", {}),
        "results": ("get", f"{kit}/results/", {}),
        "delete confirmation": ("get", f"{kit}/delete/", {}),
        "loop": ("get", f"{loop}/", {}),
        "loop guide": ("get", f"{loop}/guide/", {}),
        "edit kit": (
            "post",
            f"{kit}/edit/",
            {"title": "Changed", "round": "", "description": "", "minutes": 9},
        ),
        "add question": ("post", f"{kit}/items/add/", {"question": w.extra_question.pk}),
        "remove question": ("post", f"{kit}/items/{w.item.pk}/remove/", {}),
        "move question": ("post", f"{kit}/items/{w.item.pk}/move/", {"direction": "down"}),
        "edit question notes": (
            "post",
            f"{kit}/items/{w.item.pk}/edit/",
            {"notes": "changed", "minutes": 3},
        ),
        "duplicate kit": ("post", f"{kit}/duplicate/", {}),
        "delete kit": ("post", f"{kit}/delete/", {}),
        "create share link": ("post", f"{kit}/share/", {"label": "new", "expires_in_days": 7}),
        "revoke share link": ("post", f"{kit}/share/{w.link.pk}/revoke/", {}),
        "edit loop": ("post", f"{loop}/edit/", {"name": "Changed", "description": ""}),
        "delete loop": ("post", f"{loop}/delete/", {}),
        "add round": ("post", f"{loop}/rounds/add/", {"kit": w.spare_kit.pk}),
        "move round": ("post", f"{loop}/rounds/{w.loop_round.pk}/move/", {"direction": "up"}),
        "remove round": ("post", f"{loop}/rounds/{w.loop_round.pk}/remove/", {}),
    }


ENDPOINT_NAMES = [
    "builder", "interviewer guide", "candidate version", "markdown export", "json export",
    "share links", "results", "delete confirmation", "loop", "loop guide", "edit kit",
    "add question", "remove question", "move question", "edit question notes", "duplicate kit",
    "delete kit", "create share link", "revoke share link", "edit loop", "delete loop",
    "add round", "move round", "remove round",
]  # fmt: skip


def call(client: Client, w: World, name: str, **extra):
    method, url, data = endpoints(w)[name]
    return getattr(client, method)(url, data, **extra)


def test_the_endpoint_list_covers_every_kit_and_loop_url(world):
    assert sorted(endpoints(world)) == sorted(ENDPOINT_NAMES)


# The permission matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_written(world, name):
    before = db_state()
    response = call(client_for(None), world, name)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert db_state() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_candidates_are_refused_with_403_and_nothing_is_written(world, name):
    before = db_state()
    response = call(client_for(world.candidate), world, name)
    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_another_interviewer_gets_404_and_nothing_is_written(world, name):
    before = db_state()
    response = call(client_for(world.other), world, name)
    assert response.status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_another_interviewers_htmx_request_gets_404_too(world, name):
    before = db_state()
    response = call(client_for(world.other), world, name, **HTMX)
    assert response.status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("actor", ["owner", "staff"])
@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_the_owner_and_staff_may_use_every_kit_view(world, name, actor):
    response = call(client_for(getattr(world, actor)), world, name)
    method = endpoints(world)[name][0]
    assert response.status_code == (200 if method == "get" else 302)


@pytest.mark.parametrize(
    "url", ["/kits/", "/kits/new/", "/kits/loops/new/"], ids=["list", "new kit", "new loop"]
)
def test_pages_without_a_kit_refuse_anonymous_and_candidates(url):
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")
    assert client_for(make_user()).get(url).status_code == 403
    assert client_for(make_interviewer()).get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "data"),
    [("/kits/new/", {"title": "Mine", "minutes": 5}), ("/kits/loops/new/", {"name": "Loop"})],
    ids=["new kit", "new loop"],
)
def test_candidates_cannot_create_kits_or_loops(url, data):
    before = db_state()
    assert client_for(make_user()).post(url, data).status_code == 403
    assert db_state() == before


def test_the_kit_list_shows_only_the_interviewers_own_kits(world):
    page = client_for(world.other).get("/kits/").content.decode()
    assert "Metrics round" not in page
    mine = make_kit(world.other, title="Another kit")
    page = client_for(world.other).get("/kits/").content.decode()
    assert mine.title in page and "Metrics round" not in page


def test_staff_see_every_kit_with_its_owner(world):
    page = client_for(world.staff).get("/kits/").content.decode()
    assert "Metrics round" in page and world.owner.username in page


def test_the_nav_shows_interview_kits_to_interviewers_only(world):
    assert 'href="/kits/"' in client_for(world.owner).get("/").content.decode()
    assert 'href="/kits/"' not in client_for(world.candidate).get("/").content.decode()


def test_a_token_grants_the_kit_only_never_its_pages_or_results(world):
    # The candidate holds a working token and a session on the kit; the kit is still closed.
    for name in ("builder", "results", "interviewer guide", "json export", "share links"):
        assert call(client_for(world.candidate), world, name).status_code == 403
    # An interviewer who somehow has the token is still a stranger to the kit.
    other = client_for(world.other)
    assert other.get(world.link.get_absolute_url()).status_code == 200
    assert call(other, world, "results").status_code == 404


# Creating and editing -----------------------------------------------------------------------------


def test_an_interviewer_creates_a_kit_and_lands_in_the_builder():
    interviewer = make_interviewer()
    response = client_for(interviewer).post(
        "/kits/new/",
        {
            "title": "ML system design",
            "round": "ML system design",
            "description": "",
            "minutes": 10,
        },
    )
    kit = Kit.objects.get(owner=interviewer)
    assert response["Location"] == f"/kits/{kit.pk}/"
    assert (kit.title, kit.minutes) == ("ML system design", 10)


@pytest.mark.parametrize("minutes", ["0", "-5", "121", "100000000000000000000", "abc", "2.5"])
def test_bad_kit_minutes_get_a_message_not_a_500(minutes):
    interviewer = make_interviewer()
    response = client_for(interviewer).post("/kits/new/", {"title": "T", "minutes": minutes})
    assert response.status_code == 422
    assert "Minutes must be" in response.content.decode()
    assert not Kit.objects.exists()


@pytest.mark.parametrize("minutes", ["0", "-1", "500", "99999999999999999999999"])
def test_bad_minutes_in_the_builder_settings_change_nothing(world, minutes):
    client = client_for(world.owner)
    response = client.post(
        f"/kits/{world.kit.pk}/edit/", {"title": "New title", "minutes": minutes}
    )
    assert response.status_code == 422
    assert "Minutes must be from 1 to 120." in response.content.decode()
    world.kit.refresh_from_db()
    assert (world.kit.title, world.kit.minutes) == ("Metrics round", 5)


def test_kit_settings_are_saved(world):
    client_for(world.owner).post(
        f"/kits/{world.kit.pk}/edit/",
        {"title": "Metrics, v2", "round": "Evaluation", "description": "D", "minutes": 12},
    )
    world.kit.refresh_from_db()
    assert (world.kit.title, world.kit.round, world.kit.minutes) == (
        "Metrics, v2",
        "Evaluation",
        12,
    )


@pytest.mark.parametrize("minutes", ["0", "-3", "121", "9999999999999999999999"])
def test_bad_item_minutes_get_a_message_and_change_nothing(world, minutes):
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/edit/"
    response = client_for(world.owner).post(url, {"notes": "new", "minutes": minutes}, **HTMX)
    assert response.status_code == 422
    assert "Minutes must be from 1 to 120." in response.content.decode()
    world.item.refresh_from_db()
    assert (world.item.notes, world.item.minutes) == ("INTERVIEWER-NOTE", None)


def test_item_notes_and_minutes_are_saved_and_empty_minutes_mean_the_kits(world):
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/edit/"
    client = client_for(world.owner)
    client.post(url, {"notes": "Listen for the trade-off.", "minutes": "7"})
    world.item.refresh_from_db()
    assert (world.item.notes, world.item.minutes) == ("Listen for the trade-off.", 7)
    client.post(url, {"notes": "", "minutes": ""})
    world.item.refresh_from_db()
    assert (world.item.notes, world.item.minutes) == ("", None)


def test_adding_a_question_appends_it(world):
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/items/add/", {"question": world.extra_question.pk}
    )
    assert response.status_code == 302
    item = world.kit.items.get(question=world.extra_question)
    assert item.position == 4


def test_a_question_added_twice_gets_a_message_and_stays_once(world):
    client = client_for(world.owner)
    url = f"/kits/{world.kit.pk}/items/add/"
    question = world.item.question
    response = client.post(url, {"question": question.pk}, **HTMX)
    assert response.status_code == 422
    assert "is already in this kit" in response.content.decode()
    response = client.post(url, {"question": question.pk}, follow=True)
    assert "is already in this kit" in response.content.decode()
    assert world.kit.items.filter(question=question).count() == 1


@pytest.mark.parametrize("status", [Question.Status.RETIRED, Question.Status.DRAFT])
def test_retired_and_draft_questions_cannot_be_added(world, status):
    question = make_question(status=status, title="Old question")
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/items/add/", {"question": question.pk}, **HTMX
    )
    assert response.status_code == 422
    assert "only published questions can" in response.content.decode()
    assert not world.kit.items.filter(question=question).exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "999999999", "1" * 40])
def test_adding_a_missing_or_malformed_question_gets_a_message(world, value):
    before = db_state()
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/items/add/", {"question": value}, **HTMX
    )
    assert response.status_code == 422
    assert 'class="message message-error"' in response.content.decode()
    assert db_state() == before


def test_a_question_retired_after_it_was_added_is_flagged_and_left_out_of_sessions(world):
    retired = world.item.question
    retired.status = Question.Status.RETIRED
    retired.save()
    page = client_for(world.owner).get(f"/kits/{world.kit.pk}/").content.decode()
    assert "Retired: candidates do not get it" in page
    session = services.start_kit_session(
        user=make_user(), token=world.link.token, share_results=False, now=timezone.now()
    )
    assert session.question_count == 2
    assert retired.title not in set(session.attempts.values_list("title", flat=True))


def test_removing_a_question_closes_the_gap(world):
    client_for(world.owner).post(f"/kits/{world.kit.pk}/items/{world.item.pk}/remove/")
    assert list(world.kit.items.values_list("position", flat=True)) == [1, 2]
    with connection.cursor() as cursor:  # the deferred unique constraints hold
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_removing_twice_gets_a_message(world):
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/remove/"
    client = client_for(world.owner)
    client.post(url, **HTMX)
    response = client.post(url, **HTMX)
    assert response.status_code == 422
    assert "already removed" in response.content.decode()


def titles(kit: Kit) -> list[str]:
    return list(kit.items.order_by("position").values_list("question__title", flat=True))


def test_moving_swaps_neighbours_and_keeps_positions_unique(world):
    client = client_for(world.owner)
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/move/"
    client.post(url, {"direction": "down"})
    assert titles(world.kit) == ["ROC curves", "Precision and recall", "Calibration"]
    client.post(url, {"direction": "down"})
    assert titles(world.kit) == ["ROC curves", "Calibration", "Precision and recall"]
    response = client.post(url, {"direction": "down"}, follow=True)
    assert "is already last" in response.content.decode()
    assert list(world.kit.items.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_an_htmx_move_returns_the_list_with_focus_kept_and_an_announcement(world):
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/move/"
    response = client_for(world.owner).post(url, {"direction": "down"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.count("autofocus") == 1
    assert f'id="down-{world.item.pk}"' in html.split("autofocus")[0].rsplit("<button", 1)[1]
    assert 'hx-swap-oob="innerHTML"' in html
    assert "to position 2 of 3" in html
    assert json.loads(response["HX-Trigger"]) == {"kitChanged": {}}


def test_moving_the_first_question_to_the_top_keeps_focus_on_its_other_button(world):
    # Already first: the up button is disabled, so the keyboard stays on "down".
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/move/"
    html = client_for(world.owner).post(url, {"direction": "up"}, **HTMX).content.decode()
    assert "is already first" in html
    assert f'id="down-{world.item.pk}"' in html.split("autofocus")[0].rsplit("<button", 1)[1]


def test_a_bad_move_direction_gets_a_message(world):
    url = f"/kits/{world.kit.pk}/items/{world.item.pk}/move/"
    response = client_for(world.owner).post(url, {"direction": "sideways"}, **HTMX)
    assert response.status_code == 422
    assert titles(world.kit)[0] == "Precision and recall"


def test_duplicating_copies_items_notes_and_minutes_but_not_links_or_results(world):
    KitItem.objects.filter(pk=world.item.pk).update(minutes=9)
    response = client_for(world.staff).post(f"/kits/{world.kit.pk}/duplicate/")
    copy = Kit.objects.exclude(pk__in=[world.kit.pk, world.spare_kit.pk]).get()
    assert response["Location"] == f"/kits/{copy.pk}/"
    assert copy.owner == world.staff
    assert copy.title == "Copy of Metrics round"
    assert titles(copy) == titles(world.kit)
    first = copy.items.get(position=1)
    assert (first.notes, first.minutes) == ("INTERVIEWER-NOTE", 9)
    assert not copy.share_links.exists() and not copy.sessions.exists()


def test_an_htmx_duplicate_moves_on_with_a_client_redirect(world):
    response = client_for(world.owner).post(f"/kits/{world.kit.pk}/duplicate/", **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/kits/")


def test_deleting_a_kit_keeps_candidates_sessions(world):
    client_for(world.owner).post(f"/kits/{world.kit.pk}/delete/")
    assert not Kit.objects.filter(pk=world.kit.pk).exists()
    world.session.refresh_from_db()
    assert world.session.kit_id is None
    assert world.session.attempts.exists()


# The builder's search -----------------------------------------------------------------------------


def test_the_builder_searches_published_questions_and_marks_those_in_the_kit(world):
    make_question(title="Log loss for drafts", status=Question.Status.DRAFT)
    response = client_for(world.owner).get(f"/kits/{world.kit.pk}/", {"q": "log loss"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="search-results"' in html
    assert "Log loss" in html and "Log loss for drafts" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]
    results = response.context["results"]
    assert [q.title for q in results] == ["Log loss"]
    everything = client_for(world.owner).get(f"/kits/{world.kit.pk}/", **HTMX).context["results"]
    assert {q.title: q.in_kit for q in everything}["ROC curves"] is True


def test_the_builder_search_filters_by_topic_level_and_kind(world):
    other_topic = make_topic(name="Deep learning", slug="deep")
    make_question(topic=other_topic, title="Dropout", level="experienced", kind="scenario")
    client = client_for(world.owner)
    url = f"/kits/{world.kit.pk}/"
    for params in ({"topic": "deep"}, {"level": "experienced"}, {"kind": "scenario"}):
        results = client.get(url, params, **HTMX).context["results"]
        assert [q.title for q in results] == ["Dropout"]


def test_unknown_search_filters_are_ignored_not_errors(world):
    url = f"/kits/{world.kit.pk}/"
    params = {"topic": "nope", "level": "guru", "kind": "x", "q": "<script>"}
    response = client_for(world.owner).get(url, params)
    assert response.status_code == 200
    # A NUL byte is refused for every URL (RefuseNulMiddleware), never a database error.
    assert client_for(world.owner).get(url, {"q": "\x00" * 5}).status_code == 400


def test_adding_without_javascript_returns_to_the_same_search(world):
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/items/add/",
        {"question": world.extra_question.pk, "return_query": "q=log&level=beginner&evil=1"},
    )
    assert response["Location"].startswith(f"/kits/{world.kit.pk}/?q=log&level=beginner#item-")


def test_the_builder_runs_a_bounded_number_of_queries_for_a_50_question_kit(
    django_assert_max_num_queries,
):
    owner = make_interviewer()
    topic = make_topic()
    questions = [make_question(topic=topic) for _ in range(50)]
    kit = make_kit(owner, questions=questions)
    client = client_for(owner)
    with django_assert_max_num_queries(10):
        response = client.get(f"/kits/{kit.pk}/")
    assert len(response.context["items"]) == 50
    with django_assert_max_num_queries(8):
        client.get(f"/kits/{kit.pk}/", {"q": "concept"}, **HTMX)
    second = kit.items.get(position=2)
    with django_assert_max_num_queries(14):
        client.post(f"/kits/{kit.pk}/items/{second.pk}/move/", {"direction": "up"}, **HTMX)


# Print and export ---------------------------------------------------------------------------------


def test_the_interviewer_guide_has_answers_follow_ups_key_points_notes_and_minutes(world):
    html = client_for(world.owner).get(f"/kits/{world.kit.pk}/guide/").content.decode()
    for text in ("SECRET-MODEL-ANSWER", "FOLLOW-UP-ANSWER", "First point", "INTERVIEWER-NOTE"):
        assert text in html
    assert "5 min" in html and "guide-notes-space" in html


def test_the_candidate_version_has_no_answers_key_points_follow_ups_or_notes(world):
    html = client_for(world.owner).get(f"/kits/{world.kit.pk}/candidate/").content.decode()
    assert "Precision and recall" in html
    for text in ("SECRET-MODEL-ANSWER", "FOLLOW-UP-ANSWER", "First point", "INTERVIEWER-NOTE"):
        assert text not in html


def test_the_print_pages_run_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(20):
        question = make_question()
        make_follow_up(question=question)
        services.add_question_to_kit(kit=world.kit, question_id=question.pk)
    client = client_for(world.owner)
    with django_assert_max_num_queries(8):
        client.get(f"/kits/{world.kit.pk}/guide/")
    with django_assert_max_num_queries(8):
        client.get(f"/kits/{world.kit.pk}/export.json")


def test_the_json_export_downloads_the_whole_kit(world):
    response = client_for(world.owner).get(f"/kits/{world.kit.pk}/export.json")
    assert response["Content-Disposition"] == 'attachment; filename="metrics-round.json"'
    data = json.loads(response.content)
    assert data["kit"]["title"] == "Metrics round"
    first = data["questions"][0]
    assert first["title"] == "Precision and recall"
    assert first["answer"] == "SECRET-MODEL-ANSWER"
    assert first["notes"] == "INTERVIEWER-NOTE"
    assert first["minutes"] == 5
    assert first["follow_ups"][0]["answer"] == "FOLLOW-UP-ANSWER"


def test_the_markdown_export_downloads_a_readable_guide(world):
    response = client_for(world.owner).get(f"/kits/{world.kit.pk}/export.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="metrics-round.md"'
    text = response.content.decode()
    assert text.startswith("# Metrics round\n")
    assert "## 1. Precision and recall (5 min)" in text
    assert "- [ ] First point" in text
    assert "FOLLOW-UP-ANSWER" in text and "INTERVIEWER-NOTE" in text


# Share links --------------------------------------------------------------------------------------


def test_share_tokens_are_long_random_and_unique():
    kit = make_kit()
    tokens = {make_share_link(kit).token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes: 256 bits


def test_the_owner_creates_a_link_with_an_optional_expiry(world):
    client = client_for(world.owner)
    response = client.post(
        f"/kits/{world.kit.pk}/share/", {"label": "June", "expires_in_days": "7"}
    )
    link = world.kit.share_links.get(label="June")
    assert response["Location"] == f"/kits/{world.kit.pk}/share/#link-{link.pk}"
    assert link.expires_at - link.created_at == timedelta(days=7)
    html = client.get(f"/kits/{world.kit.pk}/share/").content.decode()
    assert link.token in html


def test_an_htmx_link_creation_returns_the_list_fragment(world):
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/share/", {"label": "htmx"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert world.kit.share_links.get(label="htmx").token in html


@pytest.mark.parametrize("days", ["0", "-1", "366", "soon"])
def test_a_bad_expiry_gets_a_message_and_no_link(world, days):
    before = db_state()
    response = client_for(world.owner).post(
        f"/kits/{world.kit.pk}/share/", {"expires_in_days": days}, **HTMX
    )
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert db_state() == before


def test_revoking_stops_a_link_and_twice_changes_nothing(world):
    client = client_for(world.owner)
    url = f"/kits/{world.kit.pk}/share/{world.link.pk}/revoke/"
    client.post(url)
    world.link.refresh_from_db()
    revoked_at = world.link.revoked_at
    assert revoked_at is not None
    response = client.post(url, **HTMX)
    assert "Already revoked" in response.content.decode()
    world.link.refresh_from_db()
    assert world.link.revoked_at == revoked_at


def test_a_link_of_another_kit_cannot_be_revoked_through_this_one(world):
    other_link = make_share_link(world.spare_kit)
    response = client_for(world.owner).post(f"/kits/{world.kit.pk}/share/{other_link.pk}/revoke/")
    assert response.status_code == 404
    other_link.refresh_from_db()
    assert other_link.revoked_at is None


# The share page (candidates) ----------------------------------------------------------------------


def test_the_share_page_requires_login(world):
    response = client_for(None).get(world.link.get_absolute_url())
    assert response["Location"].startswith("/accounts/login/")


def test_the_share_page_shows_the_outline_but_never_answers_notes_or_others_results(world):
    Attempt.objects.filter(session=world.session).update(answer="ANOTHER-CANDIDATES-ANSWER")
    html = client_for(make_user()).get(world.link.get_absolute_url()).content.decode()
    assert "Metrics round" in html and "Metrics." in html and "ML fundamentals" in html
    assert "Evaluation" in html  # the topics covered
    for text in (
        "SECRET-MODEL-ANSWER", "FOLLOW-UP-ANSWER", "First point", "INTERVIEWER-NOTE",
        "ANOTHER-CANDIDATES-ANSWER", world.candidate.username, "Precision and recall",
    ):  # fmt: skip
        assert text not in html


def test_starting_from_a_link_creates_a_kit_session_with_the_kits_minutes(world):
    KitItem.objects.filter(pk=world.item.pk).update(minutes=8)
    candidate = make_user()
    response = client_for(candidate).post(world.link.get_absolute_url(), {"share_results": "on"})
    session = PracticeSession.objects.get(owner=candidate)
    assert response["Location"] == session.get_absolute_url()
    assert (session.kit, session.source, session.title) == (world.kit, "kit", "Metrics round")
    assert session.share_results is True
    assert session.clock == Clock.PER_QUESTION
    allowed = list(session.attempts.values_list("position", "sub", "allowed_seconds"))
    # Own minutes for the first question (its follow-up gets half), the kit's for the others.
    assert allowed == [(1, 0, 480), (1, 1, 240), (2, 0, 300), (3, 0, 300)]


def test_a_candidate_who_does_not_tick_the_box_does_not_share(world):
    candidate = make_user()
    client_for(candidate).post(world.link.get_absolute_url(), {})
    assert PracticeSession.objects.get(owner=candidate).share_results is False


def test_an_htmx_start_moves_on_with_a_client_redirect(world):
    response = client_for(make_user()).post(world.link.get_absolute_url(), {}, **HTMX)
    assert response["HX-Redirect"].startswith("/practice/")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_revoked_link_gives_a_clear_page_and_no_session(world, method):
    ShareLink.objects.filter(pk=world.link.pk).update(revoked_at=timezone.now())
    before = PracticeSession.objects.count()
    response = getattr(client_for(make_user()), method)(world.link.get_absolute_url())
    assert response.status_code == 410
    assert "This practice link was withdrawn" in response.content.decode()
    assert PracticeSession.objects.count() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_gives_a_clear_page_and_no_session(world, method):
    past = timezone.now() - timedelta(days=3)
    link = ShareLink.objects.create(
        kit=world.kit,
        token="x" * 43,
        created_at=past - timedelta(days=1),
        expires_at=past,
    )
    before = PracticeSession.objects.count()
    response = getattr(client_for(make_user()), method)(link.get_absolute_url())
    assert response.status_code == 410
    assert "This practice link has expired" in response.content.decode()
    assert PracticeSession.objects.count() == before


@pytest.mark.parametrize("token", ["nope", "y" * 43, "z" * 500])
def test_an_unknown_token_gives_a_clear_404(world, token):
    response = client_for(make_user()).get(f"/kits/share/{token}/")
    assert response.status_code == 404
    assert "This practice link does not exist" in response.content.decode()


def test_an_empty_kit_shared_says_so_and_starts_nothing():
    link = make_share_link(make_kit())
    client = client_for(make_user())
    page = client.get(link.get_absolute_url()).content.decode()
    assert "This kit has no questions yet" in page
    response = client.post(link.get_absolute_url(), {"share_results": "on"})
    assert response.status_code == 409
    assert "This kit has no questions yet" in response.content.decode()
    assert not PracticeSession.objects.exists()


def test_a_kit_whose_questions_were_all_retired_is_treated_as_empty(world):
    Question.objects.filter(kit_items__kit=world.kit).update(status=Question.Status.RETIRED)
    with pytest.raises(services.KitError, match="no questions yet"):
        services.start_kit_session(
            user=make_user(), token=world.link.token, share_results=True, now=timezone.now()
        )


def test_editing_a_kit_never_changes_sessions_taken_from_it(world):
    def snapshot():
        return list(
            world.session.attempts.values_list("position", "sub", "title", "allowed_seconds")
        )

    before = snapshot()
    client = client_for(world.owner)
    client.post(
        f"/kits/{world.kit.pk}/edit/", {"title": "Renamed", "minutes": 20, "description": ""}
    )
    client.post(f"/kits/{world.kit.pk}/items/{world.item.pk}/move/", {"direction": "down"})
    client.post(f"/kits/{world.kit.pk}/items/{world.item.pk}/remove/")
    question = Question.objects.get(title="ROC curves")
    question.title = "ROC curves, rewritten"
    question.save()
    assert snapshot() == before
    world.session.refresh_from_db()
    assert (world.session.title, world.session.question_count) == ("Metrics round", 3)


# Sharing results (the candidate's summary page) ---------------------------------------------------


def test_the_summary_of_a_kit_session_offers_to_withdraw_and_share_again(world):
    client = client_for(world.candidate)
    summary = f"/practice/{world.session.pk}/summary/"
    assert "Withdraw my results" in client.get(summary).content.decode()
    response = client.post(f"/practice/{world.session.pk}/sharing/", {"share": "0"})
    assert response["Location"] == summary
    world.session.refresh_from_db()
    assert world.session.share_results is False
    html = client.post(
        f"/practice/{world.session.pk}/sharing/", {"share": "1"}, **HTMX
    ).content.decode()
    assert "<html" not in html and 'id="kit-sharing"' in html and "Withdraw my results" in html
    world.session.refresh_from_db()
    assert world.session.share_results is True


def test_the_summary_of_an_ordinary_session_has_no_sharing_section(world):
    from tests.factories import make_session

    session = make_session(world.candidate)
    html = client_for(world.candidate).get(f"/practice/{session.pk}/summary/").content.decode()
    assert "kit-sharing" not in html
    response = client_for(world.candidate).post(f"/practice/{session.pk}/sharing/", {"share": "1"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.share_results is False


@pytest.mark.parametrize("who", ["owner", "other", "staff"])
def test_nobody_else_can_change_a_candidates_sharing(world, who):
    client = client_for(getattr(world, who))
    response = client.post(f"/practice/{world.session.pk}/sharing/", {"share": "0"})
    assert response.status_code == 404
    world.session.refresh_from_db()
    assert world.session.share_results is True


def test_sharing_requires_login_and_post(world):
    url = f"/practice/{world.session.pk}/sharing/"
    assert client_for(None).post(url, {"share": "0"})["Location"].startswith("/accounts/login/")
    assert client_for(world.candidate).get(url).status_code == 405


# Results ------------------------------------------------------------------------------------------


def answer_all(session: PracticeSession, *, answer: str, grade: int, seconds: int) -> None:
    """Answer and grade every main question, skip follow-ups (through the real services)."""
    start = session.started_at
    for attempt in session.attempts.order_by("position", "sub"):
        now = start + timedelta(seconds=seconds)
        if attempt.sub:
            services.skip_attempt(session=session, attempt_id=attempt.pk, now=now)
            continue
        Attempt.objects.filter(pk=attempt.pk).update(started_at=start)
        services.submit_attempt(
            session=session, attempt_id=attempt.pk, now=now, text=answer, base=0
        )
        services.grade_attempt(
            session=session, attempt_id=attempt.pk, grade=grade, ticked=[0], now=now
        )
        start = now


def test_results_show_shared_sessions_only_with_answers_times_points_and_grades(world):
    answer_all(world.session, answer="SHARED-ANSWER", grade=3, seconds=60)
    private = services.start_kit_session(
        user=make_user(), token=world.link.token, share_results=False, now=timezone.now()
    )
    answer_all(private, answer="PRIVATE-ANSWER", grade=1, seconds=30)
    html = client_for(world.owner).get(f"/kits/{world.kit.pk}/results/").content.decode()
    assert "SHARED-ANSWER" in html and world.candidate.username in html
    assert "PRIVATE-ANSWER" not in html and private.owner.username not in html
    assert "1 finished session shared with you" in html
    assert "1 min of 5 min" in html  # time used of time allowed
    assert "1 of 3 key points" in html
    assert "3.0 (Good)" in html


def test_answers_of_a_shared_session_stay_private_until_it_ends(world):
    first = world.session.attempts.get(position=1, sub=0)
    Attempt.objects.filter(pk=first.pk).update(answer="TYPING-IN-PROGRESS")
    response = client_for(world.owner).get(f"/kits/{world.kit.pk}/results/")
    html = response.content.decode()
    assert "TYPING-IN-PROGRESS" not in html
    assert "and 1 still in progress" in html
    assert response.context["question_rows"] == []


def test_a_withdrawn_share_disappears_from_the_results(world):
    answer_all(world.session, answer="SHARED-ANSWER", grade=3, seconds=60)
    client_for(world.candidate).post(f"/practice/{world.session.pk}/sharing/", {"share": "0"})
    html = client_for(world.owner).get(f"/kits/{world.kit.pk}/results/").content.decode()
    assert "SHARED-ANSWER" not in html and "No shared results yet" in html


def test_results_aggregate_each_question_across_candidates(world):
    answer_all(world.session, answer="a", grade=1, seconds=60)
    second = services.start_kit_session(
        user=make_user(), token=world.link.token, share_results=True, now=timezone.now()
    )
    answer_all(second, answer="b", grade=2, seconds=120)
    response = client_for(world.owner).get(f"/kits/{world.kit.pk}/results/")
    first = response.context["question_rows"][0]
    assert (first["position"], first["title"]) == (1, "Precision and recall")
    assert (first["sessions"], first["answered"], first["graded"]) == (2, 2, 2)
    assert first["average_grade"] == 1.5
    assert first["average_seconds"] == 90 and first["average_allowed"] == 300
    assert "1.5 (Again to Hard)" in response.content.decode()
    assert "1 min 30 s of 5 min" in response.content.decode()
    assert (first["skip_rate"], first["peek_rate"]) == (0.0, 0.0)
    # Everyone graded it Hard or worse in under half the time: flagged for a look.
    assert first["suspect"] is True


def test_the_results_page_runs_a_bounded_number_of_queries_with_500_shared_sessions(
    django_assert_max_num_queries,
):
    owner = make_interviewer()
    questions = [make_question() for _ in range(3)]
    kit = make_kit(owner, questions=questions)
    now = timezone.now()
    candidates = User.objects.bulk_create(User(username=f"cand{n}") for n in range(500))
    sessions = PracticeSession.objects.bulk_create(
        PracticeSession(
            owner=user,
            title=kit.title,
            source="kit",
            kit=kit,
            share_results=True,
            clock=Clock.PER_QUESTION,
            minutes=5,
            started_at=now,
            deadline=now + timedelta(hours=1),
            status="finished",
            question_count=3,
        )
        for user in candidates
    )
    Attempt.objects.bulk_create(
        Attempt(
            session=session,
            question=question,
            position=n,
            title=question.title,
            prompt_html="",
            answer_html="",
            key_points=["a", "b"],
            allowed_seconds=300,
            state=AttemptState.GRADED,
            answer="answer",
            ticked=[0],
            grade=1 + (session.pk + n) % 4,
            time_spent=timedelta(seconds=100 + n),
        )
        for session in sessions
        for n, question in enumerate(questions, 1)
    )
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        response = client.get(f"/kits/{kit.pk}/results/")
    assert response.context["shared_count"] == 500
    assert len(response.context["sessions"]) == 20
    assert [row["sessions"] for row in response.context["question_rows"]] == [500, 500, 500]
    with django_assert_max_num_queries(12):
        client.get(f"/kits/{kit.pk}/results/", {"page": "25"})


# Loops --------------------------------------------------------------------------------------------


def test_an_interviewer_plans_a_three_round_loop_in_order(world):
    client = client_for(world.owner)
    third = make_kit(world.owner, title="Behavioural round", round="Behavioural")
    url = f"/kits/loops/{world.loop.pk}"
    client.post(f"{url}/rounds/add/", {"kit": world.spare_kit.pk})
    client.post(f"{url}/rounds/add/", {"kit": third.pk})
    rounds = lambda: list(  # noqa: E731
        world.loop.rounds.order_by("position").values_list("kit__title", flat=True)
    )
    assert rounds() == ["Metrics round", "System design round", "Behavioural round"]
    last = world.loop.rounds.get(kit=third)
    html = client.post(
        f"{url}/rounds/{last.pk}/move/", {"direction": "up"}, **HTMX
    ).content.decode()
    assert "<html" not in html and "Moved “Behavioural round” to round 2." in html
    assert rounds() == ["Metrics round", "Behavioural round", "System design round"]
    guide = client.get(f"{url}/guide/").content.decode()
    assert guide.index("Round 1") < guide.index("Round 2") < guide.index("Round 3")
    assert "SECRET-MODEL-ANSWER" in guide


def test_a_loop_takes_only_its_owners_kits_and_each_once(world):
    client = client_for(world.owner)
    url = f"/kits/loops/{world.loop.pk}/rounds/add/"
    strangers = make_kit(world.other)
    response = client.post(url, {"kit": strangers.pk}, **HTMX)
    assert response.status_code == 422
    assert "Choose one of the loop owner's kits." in unescape(response.content.decode())
    response = client.post(url, {"kit": world.kit.pk}, **HTMX)
    assert "is already a round of this loop" in response.content.decode()
    assert world.loop.rounds.count() == 1


def test_removing_a_round_keeps_the_kit(world):
    client_for(world.owner).post(
        f"/kits/loops/{world.loop.pk}/rounds/{world.loop_round.pk}/remove/"
    )
    assert not world.loop.rounds.exists()
    assert Kit.objects.filter(pk=world.kit.pk).exists()


def test_a_loop_is_created_by_an_interviewer():
    interviewer = make_interviewer()
    response = client_for(interviewer).post(
        "/kits/loops/new/", {"name": "Senior MLE", "description": ""}
    )
    loop = Loop.objects.get(owner=interviewer)
    assert response["Location"] == f"/kits/loops/{loop.pk}/"


# start_session with per-question seconds ----------------------------------------------------------


def test_per_question_seconds_override_the_clock_and_follow_ups_get_half_at_least_a_minute():
    q1, q2, q3 = (make_question(seconds=200) for _ in range(3))
    make_follow_up(question=q1)
    make_follow_up(question=q2)
    session = services.start_session(
        user=make_user(),
        questions=[q1, q2, q3],
        clock=Clock.SUGGESTED,
        minutes=None,
        now=timezone.now(),
        title="T",
        allowed_seconds=[600, 90, None],
    )
    allowed = list(session.attempts.values_list("position", "sub", "allowed_seconds"))
    assert allowed == [(1, 0, 600), (1, 1, 300), (2, 0, 90), (2, 1, 60), (3, 0, 200)]


def test_per_question_seconds_must_match_the_questions():
    with pytest.raises(ValueError, match="one entry per question"):
        services.start_session(
            user=make_user(),
            questions=[make_question()],
            clock=Clock.SUGGESTED,
            minutes=None,
            now=timezone.now(),
            title="T",
            allowed_seconds=[60, 60],
        )


@pytest.mark.parametrize("minutes", [0, -1, 121, None])
def test_the_services_refuse_bad_minutes_too(minutes):
    with pytest.raises(services.KitError, match="Minutes must be"):
        services.create_kit(owner=make_interviewer(), title="T", minutes=minutes)


# Bank statistics in admin -------------------------------------------------------------------------


def test_admin_lists_bank_statistics_hardest_first(world):
    easy, hard = make_question(title="Easy one"), make_question(title="Hard one")
    for question, grade in ((easy, 4), (hard, 1)):
        kit = make_kit(questions=[question])
        session = services.start_kit_session(
            user=make_user(),
            token=make_share_link(kit).token,
            share_results=False,
            now=timezone.now(),
        )
        answer_all(session, answer="x", grade=grade, seconds=30)
    response = client_for(world.staff).get("/admin/questions/questionstatistics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Hard one") < html.index("Easy one")
    assert "1.00 (Again)" in html and "4.00 (Easy)" in html
    assert "30 s" in html


def test_bank_statistics_are_read_only_and_for_staff_only(world):
    staff = client_for(world.staff)
    assert staff.get("/admin/questions/questionstatistics/add/").status_code == 403
    candidate = client_for(world.candidate)
    response = candidate.get("/admin/questions/questionstatistics/")
    assert response.status_code == 302
