"""Project-level views: home, health check, sign-up, and the navigation context."""

from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.auth.views import PasswordResetView
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_str
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from interviewprep import accounts
from interviewprep.accounts import SignupForm
from interviewprep.http import HtmxHttpRequest
from interviewprep.throttling import posted_email, rate_limit
from questions.roles import is_interviewer
from questions.views.history import dashboard

# The main navigation: (label, URL name, who sees it). Sections appear once their URLs exist.
NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Practise", "questions:session_start", "user"),
    ("Review", "questions:review", "user"),
    ("History", "questions:history", "user"),
    ("Progress", "questions:progress", "user"),
    ("Questions", "questions:browse", "all"),
    ("Interview kits", "questions:kit_list", "interviewer"),
    ("Teams", "questions:team_list", "interviewer"),
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
@rate_limit("signup", key="ip")
def signup(request: HtmxHttpRequest) -> HttpResponse:
    """Sign up; the account is activated from a mailed link (the page never says if the address
    already has an account: see interviewprep.accounts). A `next` address (the share link that
    sent the person to log in) travels in the link, so activating lands there."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.start_registration(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            domain=request.get_host(),
            use_https=request.is_secure(),
            next_url=next_url,
        )
        return redirect("signup_sent")
    status = 422 if request.method == "POST" else 200
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


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The mailed link: GET shows a button (mail scanners follow links), POST activates."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        pk = None
    account = User.objects.filter(pk=pk, is_active=False).first() if pk else None
    valid = account is not None and accounts.activation_tokens.check_token(account, token)
    if not valid or account is None:
        return render(request, "registration/activate.html", {"valid": False}, status=404)
    if request.method == "POST":
        account.is_active = True
        account.save(update_fields=["is_active"])
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {account.username}. Your account is ready.")
        return redirect(_safe_next(request) or "home")
    return render(request, "registration/activate.html", {"valid": True, "account": account})


@require_http_methods(["GET", "POST"])
@rate_limit("password_reset_address", key="ip")
@rate_limit("password_reset_account", key=posted_email)
def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's password reset, limited per client address and per e-mail address."""
    return PasswordResetView.as_view(form_class=accounts.QueuedPasswordResetForm)(request)


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
