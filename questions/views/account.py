"""Account pages, all in one place: signing up and activating, the password reset, display
settings (time zone, clock), downloading one's data, and deleting the account.

The work behind them (mail, activation tokens, deletion) is in `questions/accounts.py`.
"""

import csv
import json
import logging
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import PasswordResetView
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_GET, require_http_methods

from interviewprep.http import AuthenticatedHttpRequest, HtmxHttpRequest
from interviewprep.throttling import posted_email, rate_limit
from questions import accounts, preferences, scheduling
from questions.forms import (
    AccountSettingsForm,
    DeleteAccountForm,
    QueuedPasswordResetForm,
    SignupForm,
)
from questions.models import (
    AccountSettings,
    Attempt,
    ReviewCard,
    SuggestionRecord,
)
from questions.models.practice import Grade
from questions.templatetags.timefmt import format_moment

logger = logging.getLogger("interviewprep.accounts")


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
    # Its responses are HttpResponses (a page or a redirect); as_view is typed more broadly.
    return cast(
        HttpResponse, PasswordResetView.as_view(form_class=QueuedPasswordResetForm)(request)
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    instance = AccountSettings.objects.filter(user=request.user).first() or AccountSettings(
        user=request.user
    )
    browser_zone = preferences.browser_zone(request)
    form = AccountSettingsForm(request.POST or None, instance=instance, browser_zone=browser_zone)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        preferences.remember(request, saved)
        messages.success(request, "Settings saved.")
        return redirect("questions:account_settings")
    return render(
        request,
        "questions/account_settings.html",
        {"form": form, "now_text": format_moment(timezone.now())},
        status=422 if form.errors else 200,
    )


EXPORT_FIELDS = [
    "session_id", "session_title", "session_status", "started_at", "position", "follow_up",
    "question", "topic", "level", "kind", "state", "answer", "late_answer", "submitted_at",
    "seconds_spent", "allowed_seconds", "key_points_ticked", "key_points_total", "grade",
    "timed_out", "late", "peeked",
]  # fmt: skip


def _export_rows(user: Any) -> Any:
    attempts = (
        Attempt.objects.for_user(user)
        .select_related("session")
        .order_by("session__started_at", "position", "sub")
        .iterator(chunk_size=2000)
    )
    for a in attempts:
        yield {
            "session_id": a.session_id,
            "session_title": a.session.title,
            "session_status": a.session.status,
            "started_at": a.session.started_at.isoformat(),
            "position": a.position,
            "follow_up": a.sub,
            "question": a.title,
            "topic": a.topic_name,
            "level": a.level,
            "kind": a.kind,
            "state": a.state,
            "answer": a.answer,
            "late_answer": a.late_answer,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else "",
            "seconds_spent": a.seconds_spent if a.seconds_spent is not None else "",
            "allowed_seconds": a.allowed_seconds or "",
            "key_points_ticked": len(a.ticked),
            "key_points_total": len(a.key_points),
            "grade": Grade(a.grade).label if a.grade else "",
            "timed_out": a.timed_out,
            "late": a.late,
            "peeked": a.peeked,
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    logger.info("user %s exported their history as CSV", request.user.pk)
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)

    def lines() -> Any:
        yield writer.writeheader()
        for row in _export_rows(request.user):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="interviewprep-history.csv"'
    return response


@login_required
@require_GET
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    logger.info("user %s exported their history as JSON", user.pk)
    settings = scheduling.settings_for(user.pk)
    data = {
        "user": {"username": user.username, "email": user.email, "joined": user.date_joined},
        "review_settings": {
            "daily_limit": settings.daily_limit,
            "desired_retention": settings.desired_retention,
        },
        "attempts": list(_export_rows(user)),
        "review_cards": list(
            ReviewCard.objects.for_user(user).values(
                "question__slug",
                "follow_up__position",
                "state",
                "due",
                "last_review",
                "stability",
                "difficulty",
                "reps",
                "lapses",
                "leech",
            )  # fmt: skip
        ),
        # What the key-point suggestions proposed for each graded answer, beside what was ticked
        # (key points by their index in the answer's list, from 0).
        "key_point_suggestions": list(
            SuggestionRecord.objects.for_user(user)
            .order_by("recorded_at", "attempt_id")
            .values(
                "method",
                "suggested",
                "quotes",
                "ticked",
                "recorded_at",
                session_id=F("attempt__session_id"),
                position=F("attempt__position"),
                follow_up=F("attempt__sub"),
                question=F("attempt__title"),
            )
        ),
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="interviewprep-history.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download my data, or delete my account and all of it."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_id = request.user.pk
        accounts.delete_account(request.user)
        logout(request)
        # The id only: the log must not keep the name of an account that asked to be forgotten.
        logger.info("user %s deleted their account and data", user_id)
        messages.success(request, "Your account and all your data were deleted.")
        return redirect("home")
    return render(
        request,
        "questions/account_data.html",
        {"form": form, "sessions": request.user.practice_sessions.count()},
        status=422 if form.errors else 200,
    )
