"""`{% static %}` with each file's URL kept per process (a template builtin: our templates use it
without `{% load static %}`, which would put Django's tag back; the admin's still load that).

`{% static %}` asks the static-files storage for a file's URL every time: with the manifest
storage that is a lookup of the hashed name and a URL join, about 15 µs a tag, and the layout has
a dozen. A file's URL cannot change while a process runs (the manifest is read once), so it is
computed once per path. A path the storage refuses (missing from the manifest) raises every
time, as before; `get_static_prefix` and the rest of Django's library still need the load.
"""

from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token
from django.templatetags import static as django_static

register = template.Library()


@lru_cache(maxsize=4096)
def _url(path: str) -> str:
    return django_static.StaticNode.handle_simple(path)


class CachedStaticNode(django_static.StaticNode):
    @classmethod
    def handle_simple(cls, path: Any) -> str:
        if isinstance(path, str):
            return _url(path)
        return django_static.StaticNode.handle_simple(path)


@register.tag("static")
def do_static(parser: Parser, token: Token) -> CachedStaticNode:
    """{% static "css/app.css" %} or {% static path as url %}: the file's URL."""
    node = django_static.do_static(parser, token)
    return CachedStaticNode(varname=node.varname, path=node.path)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Tests that change where static files are served from get the new URLs."""
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "FORCE_SCRIPT_NAME"}:
        _url.cache_clear()
