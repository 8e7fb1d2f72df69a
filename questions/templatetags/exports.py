"""Download links in every export format, for the pages that offer them.

{% load exports %}
{% export_links "questions:kit_export" kit.pk label="Export this kit" %}
{% export_links "questions:bank_export" filters=filters label="Download these questions" %}
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from questions.formats import EXPORT_FORMATS

register = template.Library()


def _filter_query(filters: dict[str, Any]) -> str:
    """The question browser's filters (`QuestionFilterForm.criteria()`) as a query string."""
    topic = filters.get("topic")
    params = {
        "q": (filters.get("q") or "").strip(),
        "topic": topic.slug if topic else "",
        **{name: filters.get(name) or "" for name in ("level", "kind", "role", "tag")},
    }
    return urlencode({key: value for key, value in params.items() if value})


@register.inclusion_tag("_export_links.html")
def export_links(url_name: str, *args: Any, label: str, filters: Any = None) -> dict[str, Any]:
    query = _filter_query(filters) if filters is not None else ""
    links = [
        {
            "url": reverse(url_name, args=[*args, fmt.key]) + (f"?{query}" if query else ""),
            "label": fmt.label,
            "description": fmt.description,
        }
        for fmt in EXPORT_FORMATS.values()
    ]
    return {"label": label, "links": links}
