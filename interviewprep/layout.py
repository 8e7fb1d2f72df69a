"""The layout's head (stylesheets and scripts) and site header, rendered in Python (a template
builtin: `{% layout_head %}` and `{% site_header %}` in base.html).

Every page extends base.html, so its nodes run on every request: as template markup the head
and header were about 70 nodes (a loop over the navigation, a dozen tags, the account links),
most of the layout's cost and a third of an empty signed-in page's CPU (docs/benchmarks.md).
Here the parts that cannot change while a process runs (static and reversed URLs, the markup
around them) are built once per script prefix; each request fills in only what is its own: the
CSP nonce, the CSRF token, the user's name and the sections they see, and which one is current.
Everything a request fills in is escaped.
"""

from functools import cache, lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.context import Context
from django.template.defaulttags import CsrfTokenNode
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django_htmx.jinja import htmx_script

from questions.roles import is_interviewer

register = template.Library()

STYLESHEETS = (
    "css/app.css",
    "css/code.css",
    "css/bank.css",
    "css/practice.css",
    "css/kits.css",
    "css/history.css",
    "css/rubric.css",
    "css/teams.css",
)

# The main navigation: (label, URL name, who sees it). Sections appear once their URLs exist.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Practise", "questions:session_start", "user"),
    ("Review", "questions:review", "user"),
    ("Plan", "questions:plan", "user"),
    ("History", "questions:history", "user"),
    ("Progress", "questions:progress", "user"),
    ("Questions", "questions:browse", "all"),
    ("Interview kits", "questions:kit_list", "interviewer"),
    ("Teams", "questions:team_list", "interviewer"),
]

# Stands for the request's nonce in the markup built once (format_html leaves it as it is).
_NONCE = "__layout_csp_nonce__"


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@cache
def available_nav_items(prefix: str) -> list[tuple[str, str, str]]:
    """(label, URL, audience) of the sections that exist, under the script prefix `prefix` (part
    of the key: reverse() reads the current one itself)."""
    return [
        (label, url, audience)
        for label, name, audience in NAV_ITEMS
        if (url := _url_or_none(name)) is not None
    ]


@cache
def _head(prefix: str) -> str:
    """The head's links and scripts, with _NONCE where the request's nonce goes."""
    links = [format_html('<link rel="stylesheet" href="{}">', static(path)) for path in STYLESHEETS]
    icon = static("favicon.svg")
    links.append(format_html('<link rel="icon" href="{}" type="image/svg+xml">', icon))
    scripts = [
        htmx_script(nonce=_NONCE),  # with django-htmx's debug script when DEBUG is on
        format_html('<script src="{}" nonce="{}" defer></script>', static("js/app.js"), _NONCE),
    ]
    return "\n  ".join([*links, *scripts])


@cache
def _urls(prefix: str) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "admin": reverse("admin:index"),
        "account": reverse("questions:account_settings"),
        "logout": reverse("logout"),
        "login": reverse("login"),
        "signup": reverse("signup"),
    }


_SETTINGS_READ = {
    *("STATIC_URL", "STATIC_ROOT", "STORAGES", "FORCE_SCRIPT_NAME", "DEBUG", "ROOT_URLCONF"),
}


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Tests that change static files, URLs or DEBUG get the layout those settings give."""
    if setting in _SETTINGS_READ:
        _head.cache_clear()
        _urls.cache_clear()
        _header.cache_clear()
        available_nav_items.cache_clear()


def _nonce(context: Context) -> str:
    nonce = context.get("csp_nonce")  # a LazyNonce, false until read: test for None
    return "" if nonce is None else escape(nonce)


# `{% csrf_token %}`'s own node, for the logout form's field (stateless: one serves every request).
_CSRF_FIELD = CsrfTokenNode()


@register.simple_tag(takes_context=True)
def layout_head(context: Context) -> SafeString:
    """The stylesheets, the icon, htmx and the app's script, the scripts with the CSP nonce."""
    return mark_safe(_head(get_script_prefix()).replace(_NONCE, _nonce(context)))  # noqa: S308 - built escaped


@lru_cache(maxsize=1024)
def _header(
    prefix: str, signed_in: bool, staff: bool, interviewer: bool, current: tuple[str, ...]
) -> tuple[str, str, str]:
    """The header's markup for one kind of visitor on one section, in three pieces: before the
    user's name, between it and the logout form's CSRF field, and after (a visitor who is not
    signed in has neither: the last two are empty)."""
    urls = _urls(prefix)
    head = [
        '<header class="site-header">\n    <nav class="nav" aria-label="Main">\n      ',
        format_html('<a class="brand" href="{}">InterviewPrep</a>', urls["home"]),
        '\n      <ul class="nav-links">\n        ',
    ]
    for label, url, audience in available_nav_items(prefix):
        if (audience != "all" and not signed_in) or (audience == "interviewer" and not interviewer):
            continue
        current_attr = mark_safe(' aria-current="page"' if url in current else "")  # noqa: S308
        head.append(format_html('<li><a href="{}"{}>{}</a></li>', url, current_attr, label))
    head.append('\n      </ul>\n      <ul class="nav-account">\n        ')
    tail = "\n      </ul>\n    </nav>\n  </header>"
    if not signed_in:
        head.append(
            format_html(
                '<li><a href="{}">Log in</a></li>\n        '
                '<li><a class="button button-small" href="{}">Sign up</a></li>',
                urls["login"],
                urls["signup"],
            )
        )
        return "".join(head) + tail, "", ""
    if staff:
        head.append(format_html('<li><a href="{}">Admin</a></li>\n        ', urls["admin"]))
    head.append(
        format_html(
            '<li><a href="{}" title="Account settings: time zone, password"><bdi>', urls["account"]
        )
    )
    between = format_html(
        '</bdi></a></li>\n        <li>\n          <form method="post" action="{}" '
        'class="inline-form">\n            ',
        urls["logout"],
    )
    after = (
        '\n            <button type="submit" class="link-button">Log out</button>\n          '
        "</form>\n        </li>" + tail
    )
    return "".join(head), between, after


@register.simple_tag(takes_context=True)
def site_header(context: Context) -> SafeString:
    """The site's header: the brand, the sections this user sees, and their account links."""
    user = context.get("user")
    request = context.get("request")
    path = getattr(request, "path", "")
    prefix = get_script_prefix()
    current = tuple(
        url
        for _label, url, _audience in available_nav_items(prefix)
        if path == url or (url != "/" and path.startswith(url))
    )
    if user is None or not user.is_authenticated:
        return mark_safe(_header(prefix, False, False, False, current)[0])  # noqa: S308 - built escaped
    kind = (True, bool(user.is_staff), is_interviewer(user))
    head, between, after = _header(prefix, *kind, current)
    name = escape(user.get_username())
    return mark_safe(head + name + between + _CSRF_FIELD.render(context) + after)  # noqa: S308
