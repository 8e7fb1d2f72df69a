"""How the app prints durations and moments: one formatter for every page.

{% load timefmt %}
{{ attempt.seconds_spent|duration }}     2 min 53 s
{{ session.started_at|ago }}             just now / 5 minutes ago
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

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
