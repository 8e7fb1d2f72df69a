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
