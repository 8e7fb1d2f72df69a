"""Typed requests for views: what the middleware stack adds, spelled out for type checkers."""

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User | AnonymousUser


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views behind @login_required."""

    user: User
