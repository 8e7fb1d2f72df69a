"""Cross-cutting hardening: NUL bytes, private pages and caches, rate limits, look-alike names."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import (
    make_follow_up,
    make_interviewer,
    make_kit,
    make_question,
    make_share_link,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


# NUL bytes ---------------------------------------------------------------------------------------


def test_a_share_token_with_a_nul_byte_is_refused_without_a_database_error(client):
    link = make_share_link(make_kit(questions=[make_question()]))
    client.force_login(make_user())
    for path in (f"/kits/share/{link.token}%00/", f"/kits/share/{link.token}%00x/"):
        assert client.get(path).status_code in (400, 404)
        assert client.post(path, {"share_results": "on"}).status_code in (400, 404)


def test_a_share_token_outside_the_token_alphabet_is_a_404(client):
    client.force_login(make_user())
    assert client.get("/kits/share/" + "é" * 43 + "/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/questions/?q=a%00b",
        "/questions/?topic=%00",
        "/history/?page=%00",
        "/history/?topic=x%00",
        "/kits/?x%00=1",
        "/admin/questions/question/?q=%00",
        "/questions/a%00b/",
    ],
)
def test_a_nul_byte_in_the_url_is_a_400_for_everyone(client, url):
    assert client.get(url).status_code == 400
    client.force_login(make_staff())
    assert client.get(url).status_code == 400


def test_admin_key_points_with_a_nul_byte_are_a_field_error_and_nothing_is_saved(client):
    from tests.test_admin import CHANGELIST, change_form_data

    client.force_login(make_staff())
    question = make_question(key_points=["Kept"])
    follow_up = make_follow_up(question=question, key_points=["Also kept"])
    for field in ("key_points", "follow_ups-0-key_points"):
        data = change_form_data(question, follow_up, **{field: "Good\nBad\x00point"})
        response = client.post(f"{CHANGELIST}{question.pk}/change/", data)
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()
    question.refresh_from_db()
    follow_up.refresh_from_db()
    assert question.key_points == ["Kept"]
    assert follow_up.key_points == ["Also kept"]


# Private pages are never cached ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/history/",
        "/progress/",
        "/review/",
        "/account/data/",
        "/account/data/history.csv",
        "/account/data/history.json",
        "/questions/",
    ],
)
def test_pages_for_a_signed_in_user_are_no_store(client, url):
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_kit_results_and_guides_are_no_store(client):
    owner = make_interviewer()
    kit = make_kit(owner, questions=[make_question()])
    client.force_login(owner)
    for suffix in ("results/", "guide/", "candidate/", "export.json", ""):
        response = client.get(f"/kits/{kit.pk}/{suffix}")
        assert response.status_code == 200, suffix
        assert "no-store" in response["Cache-Control"], suffix


def test_public_pages_for_visitors_stay_cacheable(client):
    assert "no-store" not in client.get("/questions/").get("Cache-Control", "")


# Rate limits -------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    """Set some limits low for a test: limits(signup="3/h")."""

    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_limits


def signup_data(n: int) -> dict:
    return {
        "username": f"newcomer{n}",
        "email": f"newcomer{n}@example.com",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }


def test_sign_ups_from_one_address_are_limited(client, limits):
    from django.contrib.auth.models import User

    limits(signup="3/h")
    for n in range(3):
        client.post("/accounts/signup/", signup_data(n))
        client.logout()
    response = client.post("/accounts/signup/", signup_data(99))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many requests" in response.content.decode()
    assert not User.objects.filter(username="newcomer99").exists()
    other = client.post("/accounts/signup/", signup_data(98), REMOTE_ADDR="10.9.9.9")
    assert other.status_code != 429


def test_password_reset_is_limited_per_account(client, limits):
    from django.core import mail

    limits(password_reset_account="2/h")
    make_user(email="target@example.com")
    for n in range(2):
        client.post(
            "/accounts/password_reset/", {"email": "target@example.com"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
    response = client.post(
        "/accounts/password_reset/", {"email": "TARGET@example.com"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert len(mail.outbox) == 2
    # An unknown address is limited the same way: the limit reveals nothing.
    for _ in range(2):
        client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert (
        client.post("/accounts/password_reset/", {"email": "nobody@example.com"}).status_code == 429
    )


def test_password_reset_is_limited_per_client_address(client, limits):
    limits(password_reset_address="3/h")
    for n in range(3):
        client.post("/accounts/password_reset/", {"email": f"someone{n}@example.com"})
    response = client.post("/accounts/password_reset/", {"email": "another@example.com"})
    assert response.status_code == 429
    assert client.get("/accounts/password_reset/").status_code == 200


def test_kit_creation_and_copies_are_limited_per_user(client, limits):
    from questions.models import Kit

    limits(kit_create="3/h")
    owner = make_interviewer()
    client.force_login(owner)
    kit = make_kit(owner)
    for n in range(2):
        client.post(
            "/kits/new/", {"title": f"Kit {n}", "round": "", "description": "", "minutes": 5}
        )
    client.post(f"/kits/{kit.pk}/duplicate/")
    assert Kit.objects.filter(owner=owner).count() == 4
    assert client.post(f"/kits/{kit.pk}/duplicate/").status_code == 429
    response = client.post("/kits/new/", {"title": "One more", "minutes": 5})
    assert response.status_code == 429
    assert Kit.objects.filter(owner=owner).count() == 4
    assert client.get("/kits/new/").status_code == 200


def test_share_link_creation_is_limited_per_user(client, limits):
    from questions.models import ShareLink

    limits(share_link_create="2/h")
    owner = make_interviewer()
    kit = make_kit(owner, questions=[make_question()])
    client.force_login(owner)
    for _ in range(2):
        client.post(f"/kits/{kit.pk}/share/", {"label": "x"})
    response = client.post(f"/kits/{kit.pk}/share/", {"label": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 429
    assert ShareLink.objects.filter(kit=kit).count() == 2


def test_opening_share_links_is_limited_per_user(client, limits):
    limits(share_link_open="3/h")
    link = make_share_link(make_kit(questions=[make_question()]))
    client.force_login(make_user())
    for _ in range(3):
        assert client.get(link.get_absolute_url()).status_code == 200
    assert client.get(link.get_absolute_url()).status_code == 429
    assert client.get("/kits/share/" + "x" * 43 + "/").status_code == 429


def test_the_rate_limit_helper_answers_json_429_with_retry_after_per_user(rf, limits):
    """What autosave gets: a fast typist's pace passes; a flood is refused with a wait."""
    import json

    from django.http import HttpResponse

    from interviewprep.throttling import rate_limit

    limits(autosave="120/m")

    @rate_limit("autosave")
    def save(request):
        return HttpResponse("saved")

    typist, flooder = make_user(), make_user()

    def post(user):
        request = rf.post("/save/", {"answer": "x"}, HTTP_ACCEPT="application/json")
        request.user = user
        return save(request)

    # The limit counts in one-minute windows (offset per key): freeze the clock so that a
    # slow machine cannot roll the window over halfway through the flood.
    with time_machine.travel(datetime(2026, 3, 2, 9, 30, 10, tzinfo=UTC), tick=False):
        statuses = [post(flooder).status_code for _ in range(300)]
        assert statuses.count(200) == 120
        refused = post(flooder)
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 60
        body = json.loads(refused.content)
        assert body["status"] == "rate_limited"
        assert body["retry_after"] == int(refused["Retry-After"])
        assert post(typist).status_code == 200


def test_rate_limit_counters_live_in_postgresql_so_app_servers_share_them():
    from django.core.cache import cache
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM interviewprep_cache")
        before = cursor.fetchone()[0]  # other tests' counters may be there: the table is shared
    assert cache.add("counter", 0, 60)
    assert [cache.incr("counter") for _ in range(3)] == [1, 2, 3]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM interviewprep_cache")
        assert cursor.fetchone()[0] == before + 1


# Look-alike and invisible characters -------------------------------------------------------------


@pytest.mark.parametrize("look_alike", ["\u0430lice", "Alice", "AIice", "ALICE", "ａｌｉｃｅ"])
def test_sign_up_refuses_a_username_that_looks_like_an_existing_one(client, look_alike):
    from django.contrib.auth.models import User

    make_user(username="alice")
    response = client.post("/accounts/signup/", signup_data(1) | {"username": look_alike})
    assert response.status_code == 422
    body = response.content.decode()
    assert "looks like one that is already taken" in body or "already exists" in body
    assert User.objects.count() == 1


def test_sign_up_accepts_a_name_that_only_resembles_in_spelling(client):
    make_user(username="alice")
    response = client.post("/accounts/signup/", signup_data(1) | {"username": "alicia"})
    assert response.status_code == 302


def test_renaming_a_user_updates_the_names_they_block():
    from questions.models import UsernameSkeleton

    user = make_user(username="b0b")
    user.username = "carol"
    user.save()
    assert set(UsernameSkeleton.objects.filter(user=user).values_list("skeleton", flat=True)) == {
        "caro1"
    }


def test_bidi_controls_and_zero_width_characters_are_stripped_from_kit_titles(client):
    from questions.models import Kit

    owner = make_interviewer()
    client.force_login(owner)
    title = "Fair\u200b round \u202egpj.exe\u202c\u2066x\u2069"
    client.post("/kits/new/", {"title": title, "round": "\u200fSystem design", "minutes": 5})
    kit = Kit.objects.get(owner=owner)
    assert kit.title == "Fair round gpj.exex"
    assert kit.round == "System design"
    response = client.post(
        f"/kits/{kit.pk}/edit/", {"title": "\u200b\u202e", "round": "", "minutes": 5}
    )
    assert response.status_code == 422
    kit.refresh_from_db()
    assert kit.title == "Fair round gpj.exex"


def test_share_link_labels_and_loop_names_lose_invisible_characters(client):
    from questions.models import Loop, ShareLink

    owner = make_interviewer()
    kit = make_kit(owner, questions=[make_question()])
    client.force_login(owner)
    client.post(f"/kits/{kit.pk}/share/", {"label": "For\u200b Ada\u202e"})
    assert ShareLink.objects.get(kit=kit).label == "For Ada"
    client.post("/kits/loops/new/", {"name": "\u2067Loop\u2069 2026", "description": ""})
    assert Loop.objects.get(owner=owner).name == "Loop 2026"


def test_names_people_chose_are_isolated_with_bdi_where_shown(client):
    staff = make_staff(username="root")
    kit = make_kit(
        make_interviewer(username="owner\u05d0"), title="Kit title", questions=[make_question()]
    )
    link = make_share_link(kit)
    client.force_login(staff)
    listing = client.get("/kits/").content.decode()
    assert "<bdi>owner\u05d0</bdi>" in listing
    assert "<bdi>Kit title</bdi>" in listing
    assert "<bdi>root</bdi>" in listing  # the navigation's account link
    client.force_login(make_user())
    page = client.get(link.get_absolute_url()).content.decode()
    assert "<h1><bdi>Kit title</bdi></h1>" in page
    assert "Shared by <bdi>owner\u05d0</bdi>" in page


# hx-disable on rendered Markdown and people's text ---------------------------------------------

# Containers whose content comes from the bank's Markdown or from what people typed.
TEXT_CONTAINERS = {
    "prose",
    "your-answer",
    "key-points-result",
    "guide-checklist",
    "answer-key-points",
    "guide-notes",
}


def _containers_without_hx_disable(html: str) -> tuple[int, list[str]]:
    from html.parser import HTMLParser

    found: list[tuple[str, dict]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if TEXT_CONTAINERS & set((attributes.get("class") or "").split()):
                found.append((tag, attributes))

    Collect().feed(html)
    return len(found), [f"<{t} class={a['class']!r}>" for t, a in found if "hx-disable" not in a]


def test_every_container_of_markdown_or_typed_text_has_hx_disable(client):
    from django.utils import timezone

    from questions import services

    owner = make_interviewer()
    question = make_question(prompt="A **prompt**", answer="An *answer*")
    make_follow_up(question=question)
    kit = make_kit(owner, questions=[question])
    kit.items.update(notes="Listen for *this*")
    candidate = make_user()
    session = services.start_kit_session(
        user=candidate, token=make_share_link(kit).token, share_results=True, now=timezone.now()
    )
    for attempt in session.attempts.order_by("position", "sub"):
        services.submit_attempt(
            session=session, attempt_id=attempt.pk, now=timezone.now(), text="typed", base=0
        )
        services.grade_attempt(
            session=session, attempt_id=attempt.pk, grade=3, ticked=[0], now=timezone.now()
        )
    services.finish_session(session=session, now=timezone.now())
    pages = {
        owner: [f"/kits/{kit.pk}/guide/", f"/kits/{kit.pk}/candidate/", f"/kits/{kit.pk}/results/"],
        candidate: [
            f"/questions/{question.slug}/",
            f"/practice/{session.pk}/summary/",
            f"/history/questions/{question.pk}/",
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            count, missing = _containers_without_hx_disable(response.content.decode())
            assert count, f"{url}: no text containers found"
            assert not missing, f"{url}: {missing}"


# Out-of-range numbers: 422 everywhere -------------------------------------------------------------


def test_out_of_range_numbers_answer_422_in_forms_and_json(client):
    owner = make_interviewer()
    kit = make_kit(owner, questions=[make_question()])
    item = kit.items.get()
    client.force_login(owner)
    posts = [
        ("/kits/new/", {"title": "T", "minutes": 0}, {}),
        (f"/kits/{kit.pk}/edit/", {"title": "T", "minutes": 10**6}, {}),
        (f"/kits/{kit.pk}/items/{item.pk}/edit/", {"minutes": -1}, {"HTTP_HX_REQUEST": "true"}),
        (f"/kits/{kit.pk}/share/", {"expires_in_days": 10**9}, {}),
        ("/review/", {"daily_limit": 10**12, "desired_retention": 7}, {}),
    ]
    for url, data, headers in posts:
        assert client.post(url, data, **headers).status_code == 422, url
    candidate = make_user()
    client.force_login(candidate)
    from tests.factories import make_session

    session = make_session(candidate)
    attempt = session.attempts.get(state="active")
    response = client.post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
        {"answer": "x", "base": str(2**40), "writer": "tab"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    assert response.json()["status"] == "invalid"


def test_the_nul_refusal_page_is_styled_and_carries_the_content_security_policy(client):
    response = client.get("/questions/?q=%00")
    assert response.status_code == 400
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    assert "That request could not be understood" in response.content.decode()


def test_session_titles_people_chose_are_isolated_with_bdi(client):
    from django.utils import timezone

    from questions import services

    kit = make_kit(title="Kit title", questions=[make_question()])
    candidate = make_user()
    session = services.start_kit_session(
        user=candidate, token=make_share_link(kit).token, share_results=False, now=timezone.now()
    )
    client.force_login(candidate)
    for url in ("/", "/history/", "/practice/"):
        assert f"<bdi>{session.title}</bdi>" in client.get(url).content.decode(), url


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/login/", {"username": "a\x00b", "password": "x\x00"}),
        ("/accounts/signup/", {"username": "a\x00", "email": "a\x00@x.org", "password1": "\x00"}),
        ("/accounts/password_reset/", {"email": "a\x00@example.com"}),
        ("/kits/new/", {"title": "T\x00", "round": "\x00", "minutes": "5\x00"}),
        ("/review/", {"daily_limit": "\x00", "desired_retention": "0.9"}),
        ("/account/data/", {"confirm": "delete\x00my account"}),
    ],
)
def test_a_nul_byte_in_a_form_is_a_field_error_never_a_500(client, url, data):
    if not url.startswith("/accounts/"):
        client.force_login(make_staff())
    response = client.post(url, data)
    assert response.status_code in (200, 302, 422), response.status_code


def test_the_session_page_s_markdown_and_typed_text_containers_have_hx_disable(client):
    from django.utils import timezone

    from questions import services

    candidate = make_user()
    question = make_question(prompt="A **prompt**", answer="An *answer*")
    session = services.start_session(
        user=candidate,
        questions=[question],
        clock="suggested",
        minutes=None,
        now=timezone.now(),
        title="T",
    )
    client.force_login(candidate)
    answering = client.get(f"/practice/{session.pk}/").content.decode()
    attempt = session.attempts.get(sub=0)
    services.submit_attempt(
        session=session, attempt_id=attempt.pk, now=timezone.now(), text="typed <b>", base=0
    )
    revealing = client.get(f"/practice/{session.pk}/").content.decode()
    for name, html in (("answer stage", answering), ("reveal stage", revealing)):
        count, missing = _containers_without_hx_disable(html)
        assert count, f"{name}: no text containers found"
        assert not missing, f"{name}: {missing}"
