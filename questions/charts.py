"""Charts drawn on the server as inline SVG: no chart JavaScript, themed by CSS classes.

Each chart is an <svg role="img"> with a <title> and <desc>; the page puts a table of the same
numbers next to it for screen readers and for anyone who prefers numbers. Charts carry their
size in pixels and are drawn at 1:1 (scrolling sideways on narrow screens rather than shrinking),
so axis labels keep the size CSS gives them. A line chart with fewer than MIN_POINTS points says
so and shows its table instead (`has_enough_points`).
"""

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

MIN_POINTS = 3  # fewer points than this make an empty-looking plot: show the table instead


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[float | None]  # one per x label; None where there is no data


def has_enough_points(series: Sequence[Series]) -> bool:
    """Whether some series has at least MIN_POINTS values to draw."""
    return any(sum(p is not None for p in s.points) >= MIN_POINTS for s in series)


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def line_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_max: float,
    y_ticks: Sequence[tuple[float, str]],
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Lines over shared x labels; gaps where a series has no data."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(x_labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - (v / y_max if y_max else 0))

    parts = [_svg_open(chart_id, width, height, title, desc)]
    for tick, label in y_ticks:
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="chart-axis" x="{left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    step = max(1, len(x_labels) // 6)
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == len(x_labels) - 1:
            parts.append(
                f'<text class="chart-axis" x="{x(i):.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s_index, s in enumerate(series):
        segments: list[list[str]] = [[]]
        for i, value in enumerate(s.points):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
            parts.append(
                f'<circle class="chart-dot chart-series-{s_index % 6}" cx="{x(i):.1f}" '
                f'cy="{y(value):.1f}" r="3"><title>{escape(s.label)}, {escape(x_labels[i])}: '
                f"{value:.2f}</title></circle>"
            )
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline class="chart-line chart-series-{s_index % 6}" '
                    f'points="{" ".join(segment)}"/>'
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text value above is escaped


HEATMAP_LEVELS = (0, 1, 3, 6, 10)  # attempts a day for the colour steps


def heatmap_legend() -> list[tuple[int, str]]:
    """(colour step, what it means) for the heatmap's legend: 0, 1-2, 3-5, 6-9, 10+ answers."""
    steps = []
    for level, low in enumerate(HEATMAP_LEVELS):
        if level == 0:
            text = "none"
        elif level + 1 < len(HEATMAP_LEVELS):
            high = HEATMAP_LEVELS[level + 1] - 1
            text = f"{low}" if low == high else f"{low}–{high}"
        else:
            text = f"{low} or more"
        steps.append((level, text))
    return steps


def heatmap(chart_id: str, *, counts: dict[date, int], end: date, title: str) -> SafeString:
    """A year of days as a grid of weeks (columns) by weekdays (rows), Monday first."""
    cell, gap, left, top, right = 11, 2, 28, 16, 28  # right: room for the last month's name
    start = end - timedelta(days=364)
    start -= timedelta(days=start.weekday())
    weeks = (end - start).days // 7 + 1
    width, height = left + weeks * (cell + gap) + right, top + 7 * (cell + gap)
    total = sum(v for d, v in counts.items() if start <= d <= end)
    active = sum(1 for d, v in counts.items() if start <= d <= end and v)
    desc = f"{total} answers on {active} days between {start:%d %b %Y} and {end:%d %b %Y}."
    parts = [_svg_open(chart_id, width, height, title, desc)]
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        y = top + row * (cell + gap) + cell - 1
        parts.append(f'<text class="chart-axis" x="0" y="{y}">{name}</text>')
    day = start
    while day <= end:
        week, weekday = (day - start).days // 7, day.weekday()
        if day.day == 1 or day == start:
            parts.append(
                f'<text class="chart-axis" x="{left + week * (cell + gap)}" y="10">{day:%b}</text>'
            )
        value = counts.get(day, 0)
        level = bisect_right(HEATMAP_LEVELS, value) - 1  # the steps reached, 0 for none
        parts.append(
            f'<rect class="heat heat-{level}" x="{left + week * (cell + gap)}" '
            f'y="{top + weekday * (cell + gap)}" width="{cell}" height="{cell}" rx="2">'
            f"<title>{day:%a %d %b %Y}: {value} answer{'s' if value != 1 else ''}</title></rect>"
        )
        day += timedelta(days=1)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - no text from users


def bar_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    values: Sequence[int],
    width: int = 640,
    height: int = 200,
) -> SafeString:
    """One bar per x label (counts), with a few y ticks; each bar says its value on hover."""
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max([*values, 1])
    step_y = max(1, math.ceil(y_max / 4))
    y_max = step_y * math.ceil(y_max / step_y)
    slot = plot_w / max(1, len(values))
    parts = [_svg_open(chart_id, width, height, title, desc)]
    for tick in range(0, y_max + 1, step_y):
        y = top + plot_h * (1 - tick / y_max)
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    label_every = max(1, len(x_labels) // 6)
    for i, (label, value) in enumerate(zip(x_labels, values, strict=True)):
        bar_h = plot_h * value / y_max
        x = left + slot * i
        parts.append(
            f'<rect class="chart-bar" x="{x + slot * 0.15:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}"><title>{escape(label)}: '
            f"{value}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="chart-axis" x="{x + slot / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text value above is escaped
