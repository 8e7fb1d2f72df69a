"""The question browser's pages, kept in the shared cache.

Browsing and searching the bank (every question, or a search, topic, level, kind or role, page by
page) is the same for everyone and changes only when the bank does, yet each page counted and
sorted every published question, and a search ranked every match. Pages are cached by their
filters and page number (hashed: a search may be long) under a bank version that every save or
deletion of a question or topic moves on (so an edit shows at once), with a five-minute lifetime
as a backstop for bulk updates that send no signal and so that rare searches leave the cache
(Valkey evicts by that lifetime first when full).
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from questions.models import Question, Topic

VERSION_KEY = "bank:version"
# Moves on when BrowsePage changes shape, so that no process reads an older one.
PAGE_FORMAT = 2
TIMEOUT = 300


@dataclass
class BrowsePage:
    count: int
    number: int
    questions: list[Question]
    notices: list[str]
    cards: str  # the rendered cards (HTML from the bank alone, nothing of the visitor's)


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


def cached_page(key: str, compute: Callable[[], BrowsePage]) -> BrowsePage:
    digest = hashlib.sha256(key.encode()).hexdigest()
    full_key = f"bank:browse:{PAGE_FORMAT}:{bank_version()}:{digest}"
    page = cache.get(full_key)
    if page is None:
        page = compute()
        cache.set(full_key, page, TIMEOUT)
    return page


class Counted:
    """A stand-in for the list a Paginator pages through, when only its length is known."""

    def __init__(self, count: int) -> None:
        self.length = count

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, item: slice) -> list:
        return []
