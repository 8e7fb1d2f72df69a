"""Typed requests for views: what the middleware stack adds, spelled out for type checkers."""

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User | AnonymousUser


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For views behind @login_required."""

    user: User


def go_to(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: a redirect, or for htmx a client-side redirect (HX-Redirect),
    since htmx would otherwise swap the next page into the element that made the request."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
