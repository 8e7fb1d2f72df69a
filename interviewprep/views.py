"""Project-level views: the health check, and the `user` every page's layout reads."""

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
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
