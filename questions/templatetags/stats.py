"""How the app prints grades and rates.

{% load stats %}
{{ row.average_grade|grade }}      2.5 (Hard to Good); "–" when nobody graded
{{ row.skip_rate|percent }}        25%; "–" when there is nothing to count
"""

from decimal import Decimal

from django import template

from questions.summaries import grade_label

register = template.Library()


def format_grade(average: Decimal | float | None, *, places: int = 1) -> str:
    """An average self-grade (1-4): the value and the grade it is nearest, or the two it sits
    between ("2.5 (Hard to Good)")."""
    if average is None:
        return "–"
    return f"{average:.{places}f} ({grade_label(average)})"


def format_percent(rate: float | None) -> str:
    """A share from 0 to 1 as a whole percentage."""
    return "–" if rate is None else f"{rate:.0%}"


@register.filter
def grade(average: Decimal | float | None) -> str:
    return format_grade(average)


@register.filter
def percent(rate: float | None) -> str:
    return format_percent(rate)
