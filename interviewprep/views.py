"""Project-level views: home, health check, sign-up, and the navigation context."""

from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from interviewprep.http import HtmxHttpRequest
from questions.roles import is_interviewer
from questions.views.history import dashboard


class SignupForm(UserCreationForm):
    """Sign-up with an e-mail address, which password reset needs."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Used only to reset your password."

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("An account with this e-mail address already exists.")
        return email


# The main navigation: (label, URL name, who sees it). Sections appear once their URLs exist.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Practise", "questions:session_start", "user"),
    ("Review", "questions:review", "user"),
    ("History", "questions:history", "user"),
    ("Progress", "questions:progress", "user"),
    ("Questions", "questions:browse", "all"),
    ("Interview kits", "questions:kit_list", "interviewer"),
]


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@cache
def _available_nav_items() -> list[tuple[str, str, str]]:
    """(label, URL, audience) of the sections that exist; URLs are fixed once Django is up."""
    return [
        (label, url, audience)
        for label, name, audience in NAV_ITEMS
        if (url := _url_or_none(name)) is not None
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context for the navigation bar; the role lookup runs only if an item needs it."""
    user = getattr(request, "user", None)

    def items() -> list[dict[str, Any]]:
        signed_in = bool(user and user.is_authenticated)
        result = []
        for label, url, audience in _available_nav_items():
            if audience == "user" and not signed_in:
                continue
            if audience == "interviewer" and not (signed_in and is_interviewer(user)):
                continue
            current = request.path == url or (url != "/" and request.path.startswith(url))
            result.append({"label": label, "url": url, "current": current})
        return result

    return {"nav_items": SimpleLazyObject(items)}


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The product's front page; signed in, the candidate's dashboard."""
    if request.user.is_authenticated:
        return dashboard(request)  # type: ignore[arg-type]
    return render(
        request,
        "home.html",
        {
            "start_url": _url_or_none("questions:session_start"),
            "browse_url": _url_or_none("questions:browse"),
        },
    )


@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. Your account is ready.")
        return redirect(next_url or "home")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": next_url}, status=status
    )


def _safe_next(request: HttpRequest) -> str:
    """Where to go after signing up (e.g. the share link that sent them to log in), if ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not (for load balancers and Docker)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
