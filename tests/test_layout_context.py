"""The layout's `user`: the user itself once read, still lazy (no session or user read) before."""

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils.functional import SimpleLazyObject

from interviewprep.views import loaded_user
from tests.factories import client_for, make_session, make_user

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_renders_with_the_user_itself():
    user = make_user(username="grace")
    session = make_session(user)
    response = client_for(user).get(f"/practice/{session.pk}/")
    assert response.status_code == 200
    assert type(response.context["user"]) is User
    assert response.context["user"].pk == user.pk
    assert "grace" in response.text


def test_an_unread_user_stays_lazy_and_is_never_read_for_nothing():
    request = RequestFactory().get("/")
    calls = []
    request.user = SimpleLazyObject(lambda: calls.append(1) or User(username="x"))
    assert loaded_user(request) == {}  # Django's lazy `user` stays
    assert calls == []
    request.user.username  # noqa: B018 - read it
    assert loaded_user(request)["user"].username == "x"
    assert calls == [1]


def test_anonymous_pages_still_say_log_in():
    response = Client().get("/questions/")
    assert response.status_code == 200
    assert ">Log in<" in response.text
    assert not response.context["user"].is_authenticated


def test_the_csrf_token_is_made_only_when_a_template_uses_it_and_is_djangos():
    from django.middleware.csrf import _unmask_cipher_token, get_token
    from django.template import engines

    from interviewprep.views import CsrfToken

    unused = RequestFactory().get("/")
    engines["django"].from_string("<p>{{ 1 }}</p>").render({}, unused)
    assert "CSRF_COOKIE" not in unused.META  # no token made, so no cookie to set

    request = RequestFactory().get("/")
    html = engines["django"].from_string("{{ csrf_token }}|{% csrf_token %}").render({}, request)
    shown, field = html.split("|")
    assert f'name="csrfmiddlewaretoken" value="{shown}"' in field  # one token, made once
    secret = request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(shown) == secret
    assert _unmask_cipher_token(get_token(request)) == secret
    token = CsrfToken(request)
    assert token and token == str(token) and len(token) == 64 and token.__html__() == str(token)
