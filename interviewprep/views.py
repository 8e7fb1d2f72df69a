"""Project-level views: the health check, and context every page's layout reads (the user and
the navigation bar)."""

from functools import cache
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject, empty
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from questions.roles import is_interviewer

# The main navigation: (label, URL name, who sees it). Sections appear once their URLs exist.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Practise", "questions:session_start", "user"),
    ("Review", "questions:review", "user"),
    ("Plan", "questions:plan", "user"),
    ("History", "questions:history", "user"),
    ("Progress", "questions:progress", "user"),
    ("Questions", "questions:browse", "all"),
    ("Interview kits", "questions:kit_list", "interviewer"),
    ("Teams", "questions:team_list", "interviewer"),
]


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@cache
def _available_nav_items() -> list[tuple[str, str, str]]:
    """(label, URL, audience) of the sections that exist; URLs are fixed once Django is up."""
    return [
        (label, url, audience)
        for label, name, audience in NAV_ITEMS
        if (url := _url_or_none(name)) is not None
    ]


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


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context for the navigation bar; the role lookup runs only if an item needs it."""
    user = getattr(request, "user", None)

    def items() -> list[dict[str, Any]]:
        signed_in = bool(user and user.is_authenticated)
        result = []
        for label, url, audience in _available_nav_items():
            if audience == "user" and not signed_in:
                continue
            if audience == "interviewer" and not (
                signed_in and user is not None and is_interviewer(user)
            ):
                continue
            current = request.path == url or (url != "/" and request.path.startswith(url))
            result.append({"label": label, "url": url, "current": current})
        return result

    return {"nav_items": SimpleLazyObject(items)}


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
