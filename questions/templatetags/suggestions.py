"""`{{ list|at:index }}`: the reveal stage's suggestion for the key point being drawn."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def at(items: Any, index: int) -> Any:
    """items[index], or None when there is no such item (or no list)."""
    try:
        return items[index]
    except (IndexError, KeyError, TypeError):
        return None
