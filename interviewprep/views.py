"""Project-level views: the health check, and what every page's layout reads (the user once read,
the CSRF token without a lazy proxy)."""

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject, empty
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def loaded_user(request: HttpRequest) -> dict[str, Any]:
    """`user` itself, in place of Django's lazy wrapper, once the request has read it.

    The layout reads the user on every page; through the lazy wrapper each of the template's
    attribute lookups (several per `user.x`: callable, alters_data, ...) goes through a proxy,
    about a tenth of a signed-in page's CPU (docs/benchmarks.md). Listed after Django's auth
    context processor (which the admin requires), it overrides only `user`, and only when read:
    an anonymous page's user stays lazy.
    """
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:
        return {"user": user._wrapped}
    return {}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not (for load balancers and Docker)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class CsrfToken:
    """The request's masked CSRF token, made on first use, as Django's `csrf` context processor
    gives it, without the lazy proxy.

    Django's processor wraps the token in a SimpleLazyObject, and every template use of it (the
    layout's `hx-headers` and each form's `{% csrf_token %}`: five on the session page) pays for
    the proxy: `isinstance` checks and escaping go through proxied attribute reads. This one
    renders as the token (`__str__` and `__html__`: the token is letters and digits), compares as
    it, and is true, as the proxied string is; the token itself still comes from `get_token`.
    """

    __slots__ = ("_request", "_token")

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._token: str | None = None

    def __str__(self) -> str:
        if self._token is None:
            self._token = get_token(self._request)
        return self._token

    __html__ = __str__

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return str(self) == other

    def __hash__(self) -> int:
        return hash(str(self))

    def __len__(self) -> int:
        return len(str(self))


def csrf_token(request: HttpRequest) -> dict[str, Any]:
    """`csrf_token` as a CsrfToken (listed after Django's built-in `csrf` processor, it wins)."""
    return {"csrf_token": CsrfToken(request)}
