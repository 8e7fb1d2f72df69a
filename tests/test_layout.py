"""The layout's head and header (interviewprep/layout.py): built once per kind of visitor and
section, with each request's nonce, CSRF token and name filled in, escaped."""

import re

import pytest
from django.test import Client
from django.urls import clear_script_prefix, set_script_prefix

from interviewprep import layout
from tests.factories import client_for, make_interviewer, make_session, make_staff, make_user

pytestmark = pytest.mark.django_db


def main_nav(html: str) -> str:
    return html.split('<nav class="nav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]


def labels(html: str) -> list[str]:
    sections = re.findall(r'<ul class="nav-links">(.*?)</ul>', main_nav(html), re.S)[0]
    return re.findall(r">([^<>]+)</a></li>", sections)


def test_a_visitor_sees_the_question_bank_and_the_way_in():
    html = Client().get("/questions/").text
    assert labels(html) == ["Questions"]
    assert 'href="/accounts/login/">Log in<' in html
    assert 'href="/accounts/signup/">Sign up<' in html
    assert "Log out" not in html
    assert '<a href="/questions/" aria-current="page">Questions</a>' in html


def test_a_candidate_sees_their_sections_with_the_current_one_marked():
    user = make_user(username="grace")
    html = client_for(user).get("/history/").text
    assert labels(html) == ["Practise", "Review", "Plan", "History", "Progress", "Questions"]
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', main_nav(html))
    assert current == ["/history/"]
    assert "<bdi>grace</bdi>" in html
    assert ">Admin<" not in html


def test_interviewers_see_kits_and_teams_and_staff_see_the_admin():
    interviewer = make_interviewer(username="ivy")
    html = client_for(interviewer).get("/kits/").text
    assert labels(html)[-2:] == ["Interview kits", "Teams"]
    assert re.findall(r'aria-current="page">([^<]+)<', main_nav(html)) == ["Interview kits"]
    assert ">Admin<" not in html
    staff = make_staff(username="boss")
    html = client_for(staff).get("/questions/").text
    assert labels(html)[-2:] == ["Interview kits", "Teams"]
    assert '<li><a href="/admin/">Admin</a></li>' in html


def test_each_request_gets_its_own_name_escaped_after_another_user_with_the_same_header():
    first = make_user(username="first")
    second = make_user(username="<b>&second")
    assert "<bdi>first</bdi>" in client_for(first).get("/history/").text
    html = client_for(second).get("/history/").text
    assert "<bdi>&lt;b&gt;&amp;second</bdi>" in html
    assert "first" not in main_nav(html)
    assert "<b>" not in main_nav(html)


def test_the_logout_form_carries_a_working_csrf_token():
    user = make_user()
    client = client_for(user)
    client.handler.enforce_csrf_checks = True
    html = client.get("/history/").text
    token = re.search(
        r'action="/accounts/logout/" class="inline-form">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        main_nav(html),
    )
    assert token is not None
    assert (
        client.post("/accounts/logout/", {"csrfmiddlewaretoken": "wrong" * 13}).status_code == 403
    )
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token[1]}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_scripts_carry_the_nonce_the_policy_allows():
    user = make_user()
    response = client_for(user).get(f"/practice/{make_session(user).pk}/")
    policy_nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    scripts = re.findall(r"<script [^>]*>", response.text)
    assert len(scripts) >= 2  # htmx and the app's own
    assert all(f'nonce="{policy_nonce}"' in tag for tag in scripts)
    other = client_for(user).get("/history/")
    assert f'nonce="{policy_nonce}"' not in other.text  # a nonce is used once
    assert len(re.findall(r'<link rel="stylesheet" href="/static/css/', other.text)) == len(
        layout.STYLESHEETS
    )


def test_a_changed_static_url_changes_the_head(settings):
    assert 'href="/static/css/app.css"' in Client().get("/questions/").text
    settings.STATIC_URL = "/assets/"
    html = Client().get("/questions/").text
    assert 'href="/assets/css/app.css"' in html
    assert 'src="/assets/js/app.js"' in html


def test_under_a_script_prefix_every_layout_link_carries_it():
    user = make_user()
    client = client_for(user)
    try:  # as Django's WSGI handler sets it for SCRIPT_NAME (the test client does not)
        set_script_prefix("/prep/")
        html = client.get("/history/", SCRIPT_NAME="/prep").text
    finally:
        clear_script_prefix()
    nav = main_nav(html)
    assert 'href="/prep/"' in nav and 'action="/prep/accounts/logout/"' in nav
    assert '<a href="/prep/history/" aria-current="page">History</a>' in nav
    assert 'href="/history/"' not in nav
    assert 'href="/history/"' in main_nav(client.get("/history/").text)  # and back without it
