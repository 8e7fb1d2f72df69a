"""Throttling: the login lockout (django-axes) and rate limits on repeatable writes.

Login: django-axes locks an account from one address after `AXES_FAILURE_LIMIT` failures; a whole
address is locked only after `LOGIN_ADDRESS_FAILURE_LIMIT` failures across its accounts, so one
person's typos never lock out an office behind one address.
"""

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
