"""The question browser's pages, kept in the shared cache.

Browsing and searching the bank (every question, or a search, topic, level, kind or role, page by
page) is the same for everyone and changes only when the bank does, yet each page counted and
sorted every published question, and a search ranked every match. Each page is rendered once
(everything below the navigation, or the results htmx swaps in) and cached by its query string
(hashed: a search may be long) under a bank version that every save or deletion of a question
or topic moves on (so an edit shows at once), with a five-minute lifetime as a backstop for bulk
updates that send no signal and so that rare searches leave the cache (Valkey evicts by that
lifetime first when full).
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import QueryDict

from questions.models import Question, Topic

VERSION_KEY = "bank:version"
# Moves on when what is cached changes shape, so that no process reads an older one.
PAGE_FORMAT = 3
TIMEOUT = 300


def bank_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY, 0)
    return version


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=Topic)
def bank_changed(**kwargs: Any) -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)


def browse_key(query: QueryDict, partial: str) -> str:
    """The page's key: every parameter of the query string as sent (the pages' links keep
    them all), in a stable order, and which part of the page is rendered."""
    return repr([partial, *sorted(query.lists())])


def cached_fragment(key: str, compute: Callable[[], str]) -> str:
    """The HTML `compute()` renders for `key`, kept under the bank's current version."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    full_key = f"bank:browse:{PAGE_FORMAT}:{bank_version()}:{digest}"
    html = cache.get(full_key)
    if html is None:
        html = compute()
        cache.set(full_key, html, TIMEOUT)
    return html
