"""How the app prints durations and moments: one formatter for every page.

{% load timefmt %}
{{ attempt.seconds_spent|duration }}     2 min 53 s
{{ session.started_at|ago }}             just now / 5 minutes ago
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince

from questions.models.accounts import ClockFormat
from questions.preferences import clock_format

register = template.Library()


def format_duration(value: int | float | timedelta | None) -> str:
    """Seconds (or a timedelta) as "45 s", "2 min 53 s", "3 min", "1 h 5 min"; "" for None."""
    if value is None or value == "":
        return ""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


DAY = "j M Y"
CLOCK: dict[str, str] = {ClockFormat.H24: "H:i", ClockFormat.H12: "g:i A"}
CLOCK_SECONDS: dict[str, str] = {ClockFormat.H24: "H:i:s", ClockFormat.H12: "g:i:s A"}


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def format_day(value: datetime) -> str:
    return date_format(_local(value), DAY)


def format_clock(value: datetime, *, seconds: bool = False) -> str:
    """The time of day in the request's zone and the person's format: "13:05" or "1:05 PM".

    Formatted by hand, as Django's "H:i(:s)" and "g:i(:s) A" would (tests compare the two):
    every autosave answer carries one, and date_format costs more than the rest of its JSON."""
    local = _local(value)
    rest = f":{local.minute:02d}:{local.second:02d}" if seconds else f":{local.minute:02d}"
    if clock_format() == ClockFormat.H12:
        return f"{local.hour % 12 or 12}{rest} {'AM' if local.hour < 12 else 'PM'}"
    return f"{local.hour:02d}{rest}"


def format_moment(value: datetime) -> str:
    """Day, time and zone: "1 Dec 2026, 13:05 CET"."""
    local = _local(value)
    return f"{format_day(local)}, {format_clock(local)} {date_format(local, 'T')}"


@register.filter(expects_localtime=True)
def day(value: datetime | None) -> str:
    return format_day(value) if value else ""


@register.filter(expects_localtime=True)
def moment(value: datetime | None) -> str:
    return format_moment(value) if value else ""


@register.filter(expects_localtime=True)
def clock(value: datetime | None, arg: str = "") -> str:
    return format_clock(value, seconds=arg == "seconds") if value else ""


@register.filter
def duration(value: int | float | timedelta | None) -> str:
    return format_duration(value)


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in words: "just now" under a minute, else "5 minutes ago"."""
    if value is None:
        return ""
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, now)} ago"
