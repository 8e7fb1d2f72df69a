"""Cross-cutting hardening: NUL bytes, private pages and caches, rate limits, look-alike names."""

import pytest

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
