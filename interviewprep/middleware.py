"""Project-wide middleware."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url


class HtmxLoginRequiredMiddleware:
    """An htmx request from a logged-out user gets 401, never the redirect to the login page.

    htmx would follow that redirect and swap the login form into the page, in place of what the
    person was working on (an answer box with unsaved text). The page acts on the 401 instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and not request.user.is_authenticated
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return JsonResponse(
                {"status": "login", "message": "You were logged out. Log in again to continue."},
                status=401,
            )
        return response
