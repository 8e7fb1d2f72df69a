"""Throttling: the login lockout (django-axes) and rate limits on repeatable writes.

Login: django-axes locks an account from one address after `AXES_FAILURE_LIMIT` failures; a whole
address is locked only after `LOGIN_ADDRESS_FAILURE_LIMIT` failures across its accounts, so one
person's typos never lock out an office behind one address.

Rate limits: `@rate_limit("name", key=...)` on a view counts its requests in the shared cache
(django-ratelimit) against `settings.RATE_LIMITS["name"]` and answers 429 with `Retry-After`
once the limit is reached (JSON for requests that accept JSON, the 429 page otherwise).
"""

import functools
import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# Any response, streamed ones (downloads) too.
View = Callable[..., HttpResponseBase]


def duration_in_words(delta: timedelta) -> str:
    """A wait as people say it: "15 minutes", "1 hour", "2 hours 30 minutes", "40 seconds"."""
    seconds = max(0, math.ceil(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a lock on an address with many failures across accounts.

    `AXES_LOCKOUT_PARAMETERS` counts account+address pairs; this adds the address-wide count,
    compared with its own, much higher limit.
    """

    def address_failures(self, request: HttpRequest) -> int:
        ip_address = getattr(request, "axes_ip_address", None)
        if not ip_address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=ip_address)
        cool_off = get_cool_off(request)
        if cool_off:
            attempts = attempts.filter(attempt_time__gte=request.axes_attempt_time - cool_off)  # type: ignore[attr-defined]
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request: HttpRequest) -> bool:
        return self.address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        # Axes compares this one number with AXES_FAILURE_LIMIT: a locked address counts as full.
        if failures < settings.AXES_FAILURE_LIMIT and self.address_locked(request):
            return settings.AXES_FAILURE_LIMIT
        return failures


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 with the wait in words and in `Retry-After` (axes' own page says "PT15M")."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    handler = LoginThrottleHandler()
    context = {
        "wait": duration_in_words(cool_off),
        "whole_address": handler.address_locked(request),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response


# Rate limits ----------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address, behind `PROXY_COUNT` proxies: the same one login throttling sees."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "0.0.0.0"


def posted_email(group: str, request: HttpRequest) -> str:
    """Key: the e-mail address a form was posted for (per account, whether it exists or not)."""
    return request.POST.get("email", "").strip().lower()[:254]


def too_many_requests(request: HttpRequest, retry_after: int, message: str = "") -> HttpResponse:
    """429 with `Retry-After`: JSON for background requests (autosave), else the 429 page."""
    retry_after = max(1, retry_after)
    wait = duration_in_words(timedelta(seconds=retry_after))
    message = message or f"Too many requests. Please wait {wait} and try again."
    response: HttpResponse
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"status": "rate_limited", "message": message, "retry_after": retry_after},
            status=429,
        )
    else:
        response = render(request, "429.html", {"message": message, "wait": wait}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def check_rate(
    request: HttpRequest,
    name: str,
    *,
    key: str | Callable[[str, HttpRequest], str],
    methods: Sequence[str] = ("POST",),
) -> int | None:
    """Count this request against limit `name`; the seconds to wait if it is over, else None."""
    usage = get_usage(
        request,
        group=f"interviewprep.{name}",
        key=key,
        rate=settings.RATE_LIMITS[name],
        method=list(methods),
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))


def rate_limit(
    name: str,
    *,
    key: str | Callable[[str, HttpRequest], str] = "user_or_ip",
    methods: Sequence[str] = ("POST",),
    message: str = "",
) -> Callable[[View], View]:
    """Limit a view's requests (POST by default) by `key`: "user_or_ip", "ip", or a callable.

    Keys are django-ratelimit's: "user_or_ip" is the signed-in user, else the address.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            retry_after = check_rate(request, name, key=key, methods=methods)
            if retry_after is not None:
                return too_many_requests(request, retry_after, message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
