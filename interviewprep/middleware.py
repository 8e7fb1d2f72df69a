"""Project middleware: refuse NUL bytes in URLs, keep private pages out of caches, and answer
htmx requests from a logged-out browser with 401."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control

from questions.login_sessions import signed_in_user_id

Handler = Callable[[HttpRequest], HttpResponse]


class RefuseNulMiddleware:
    """400 for a NUL byte anywhere in the path or the query string.

    PostgreSQL text cannot hold NUL, so such a value reaching a query raises a database error
    (a 500). No URL of ours has a use for one; forms refuse NUL in their fields themselves.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the URL.")
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user.

    Nearly every signed-in page shows the user's own data (the dashboard is the home page, the
    navigation names them), so a shared computer's back button or a proxy must not keep any of
    them. Keyed on the user rather than on views, it covers pages added later too.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Signed in by the session (the user row need not be read for this).
        if signed_in_user_id(request) is not None and not _private_no_store(response):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _private_no_store(response: HttpResponse) -> bool:
    """Already says so (never_cache does): no need to parse and rebuild the header."""
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


class HtmxLoginRequiredMiddleware:
    """An htmx request from a logged-out user gets 401, never the redirect to the login page.

    htmx would follow that redirect and swap the login form into the page, in place of what the
    person was working on (an answer box with unsaved text). The page acts on the 401 instead.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 302  # first: request.htmx reads the headers
            and getattr(request, "htmx", False)
            and not request.user.is_authenticated
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return JsonResponse(
                {"status": "login", "message": "You were logged out. Log in again to continue."},
                status=401,
            )
        return response
