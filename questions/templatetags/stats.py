"""How the app prints grades and rates.

{% load stats %}
{{ row.average_grade|grade }}      2.5 (Hard to Good); "–" when nobody graded
{{ row.skip_rate|percent }}        25%; "–" when there is nothing to count
{% week_table rows caption hidden %}  the progress page's table behind a weekly chart
"""

from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


WEEK_TABLE = (
    '<table><caption class="{hidden}">{caption}</caption>\n'
    '  <thead><tr><th scope="col">Week of</th><th scope="col">Good or Easy</th>'
    '<th scope="col">Graded</th></tr></thead>\n'
    "  <tbody>{rows}</tbody>\n</table>"
)


def _whole_percent(share: float | None) -> str:
    return "–" if share is None else f"{round(float(share) * 100)}%"


@register.simple_tag
def week_table(
    rows: Iterable[tuple[str, float | None, int]], caption: str, caption_hidden: bool = False
) -> SafeString:
    """(week, share Good or Easy, graded) rows as a table, weeks without grades left out.

    The progress page draws one per level and per topic, a dozen rows each: built here rather
    than as a template loop, whose few hundred nodes a page cost more than its query.
    Counts print as plain integers and shares as whole percentages (as {% widthratio %} rounds).
    """
    body = "".join(
        f'<tr><th scope="row">{escape(week)}</th><td>{_whole_percent(share)}</td>'
        f"<td>{int(n)}</td></tr>"
        for week, share, n in rows
        if n
    )
    hidden = "visually-hidden" if caption_hidden else ""
    html = WEEK_TABLE.format(hidden=hidden, caption=escape(caption), rows=body)
    return mark_safe(html)  # noqa: S308 - the only text, weeks and the caption, is escaped
