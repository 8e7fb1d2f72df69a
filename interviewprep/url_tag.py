"""`{% url %}` with each reversed URL kept per process (a template builtin: it replaces Django's
tag in every template).

Reversing walks the URL resolver and joins the pattern with its arguments: about 50 µs a tag,
and the base layout alone has more than a dozen (docs/benchmarks.md). The URL patterns cannot
change while a process runs, so the result for the same view name, arguments, current app,
URLconf and script prefix is the same: it is computed once. Only arguments that are plain
strings or integers are kept (an object's URL could depend on more than its key); anything else,
and every failure, goes to Django's tag unchanged.
"""

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
_MISSING = object()


@lru_cache(maxsize=16384)
def _reverse(
    view_name: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    current_app: str | None,
    urlconf: str,
    prefix: str,  # part of the key: reverse() reads the current one itself
) -> str:
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def cached_reverse(view_name: str, *args: str | int) -> str:
    """reverse(view_name, args=args), kept per process as the tag keeps it: for a view that hands
    its template many URLs (the session page's stage has a dozen)."""
    where = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return _reverse(view_name, args, (), None, *where)


def _plain(value: Any) -> bool:
    return isinstance(value, str) or type(value) is int  # str: template literals are SafeStrings


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (
            isinstance(view_name, str)
            and all(map(_plain, args))
            and all(map(_plain, kwargs.values()))
        ):
            return super().render(context)
        request = getattr(context, "request", None)
        # The request's current app as Django's tag finds it (without raising AttributeError).
        current_app = getattr(request, "current_app", _MISSING)
        if current_app is _MISSING:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        # The URLconf and script prefix cannot change during a request: looked up once for all
        # of its tags (each is a context-local read).
        where = getattr(request, "_url_tag_where", None)
        if where is None:
            where = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
            if request is not None:
                request._url_tag_where = where
        try:
            url = _reverse(
                view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, *where
            )
        except NoReverseMatch:
            return super().render(context)  # Django's own error, or "" with `as`
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> CachedURLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Tests that change the URLconf get its URLs, as Django's own URL caches do."""
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
