"""Each request runs in its user's time zone and clock format.

The zone is the one saved on the account, else the browser's (app.js keeps it in the `tz`
cookie), else settings.TIME_ZONE. Saved preferences are copied into the session at login and
when changed, so the middleware costs no query.
"""

from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from questions.models import AccountSettings
from questions.models.accounts import ClockFormat

SESSION_ZONE = "time_zone"
SESSION_CLOCK = "clock_format"
BROWSER_COOKIE = "tz"

_clock_format: ContextVar[str] = ContextVar("clock_format", default=ClockFormat.H24)


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: str | None) -> str:
    """The name if it is a known IANA zone, else ""."""
    return name if name and len(name) <= 64 and name in zone_names() else ""


def browser_zone(request: HttpRequest) -> str:
    """The zone the browser reported (app.js sets the cookie), if it is a known one."""
    return valid_zone(unquote(request.COOKIES.get(BROWSER_COOKIE, "")))


def clock_format() -> str:
    """How this request prints clock times: "24h" or "12h"."""
    return _clock_format.get()


def remember(request: HttpRequest, account: AccountSettings | None) -> None:
    """Copy saved preferences into the session (at login, and when they change)."""
    request.session[SESSION_ZONE] = account.time_zone if account else ""
    request.session[SESSION_CLOCK] = account.clock_format if account else ClockFormat.H24


@receiver(user_logged_in)
def _load_preferences(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember(request, AccountSettings.objects.filter(user_id=user.pk).first())


class TimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        saved = session.get(SESSION_ZONE, "") if session is not None else ""
        zone = valid_zone(saved) or browser_zone(request)
        if zone:
            timezone.activate(ZoneInfo(zone))
        else:
            timezone.deactivate()
        fmt = session.get(SESSION_CLOCK) if session is not None else None
        token = _clock_format.set(fmt if fmt in ClockFormat.values else ClockFormat.H24)
        try:
            return self.get_response(request)
        finally:
            _clock_format.reset(token)
            timezone.deactivate()
