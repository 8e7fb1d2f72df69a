"""One way to page a list: Django's `Paginator.get_page`, and a sentence when the page shown is
not the one asked for (a typo, a bookmark past the end). `templates/_pagination.html` draws the
links with `{% querystring %}`, so filters survive paging."""

from typing import Any

from django.core.paginator import Page, Paginator


def page_of(items: Any, number: str | None, size: int) -> tuple[Page, str]:
    """The page to show and, if it is not the one asked for, why."""
    paginator = Paginator(items, size)
    page = paginator.get_page(number)
    raw = (number or "").strip()
    if not raw:
        return page, ""
    shown = raw[:20] + ("…" if len(raw) > 20 else "")
    try:
        asked = int(raw)
    except ValueError:
        return page, f"“{shown}” is not a page number; showing the first page."
    if asked < 1:
        # get_page would show the last page for a number below 1; the first is what people mean.
        first = paginator.page(1)
        return first, f"There is no page {shown}; showing the first page. Pages start at 1."
    if asked > paginator.num_pages:
        last = paginator.num_pages
        return page, (
            f"There is no page {shown}. There {'are' if last != 1 else 'is'} only {last} "
            f"page{'s' if last != 1 else ''}; showing the last."
        )
    return page, ""
