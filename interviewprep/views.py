"""Project-level views: the health check, and the navigation bar's context."""

from functools import cache
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from questions.roles import is_interviewer

# The main navigation: (label, URL name, who sees it). Sections appear once their URLs exist.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Practise", "questions:session_start", "user"),
    ("Review", "questions:review", "user"),
    ("History", "questions:history", "user"),
    ("Progress", "questions:progress", "user"),
    ("Questions", "questions:browse", "all"),
    ("Interview kits", "questions:kit_list", "interviewer"),
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
