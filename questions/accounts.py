"""Accounts: sign-up with a mailed link, password-reset mail off the request path, deletion.

The forms are in `questions/forms.py`, the pages in `questions/views/account.py`.

Neither form says whether an e-mail address has an account: both answer the same page after the
same work (sign-up always hashes the password) and leave the lookup to a background task, which
mails the address either way (a link to finish signing up, or a note to the owner).
"""

from typing import Any
from urllib.parse import urlencode

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from questions.models import PracticeSession
from questions.models.practice import SessionStatus


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """One-use links to activate a new account: activating changes the hashed state."""

    key_salt = "interviewprep.accounts.ActivationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.is_active}{user.email}{timestamp}"


activation_tokens = ActivationTokenGenerator()


def _mail(template: str, to: str, context: dict[str, Any]) -> None:
    subject, body = render_to_string(template, context).split("\n", 1)
    send_mail(subject.strip(), body.lstrip("\n"), None, [to])


def start_registration(
    *, username: str, email: str, password: str, domain: str, use_https: bool, next_url: str = ""
) -> None:
    """The request's part of signing up: the same work whether or not the address is known.

    `next_url` (already checked to be ours) is where the activation link lands afterwards.
    """
    register_account.enqueue(
        username=username,
        email=email,
        password_hash=make_password(password),
        domain=domain,
        use_https=use_https,
        next_url=next_url,
    )


@task
def register_account(
    *,
    username: str,
    email: str,
    password_hash: str,
    domain: str,
    use_https: bool,
    next_url: str = "",
) -> None:
    """New address: an inactive account and a link to activate it. Known: a note to its owner."""
    base = f"{'https' if use_https else 'http'}://{domain}"
    if User.objects.filter(email__iexact=email).exists():
        _mail("registration/signup_known_email.txt", email, {"base": base})
        return
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=username, email=email, password=password_hash, is_active=False
            )
    except IntegrityError:  # the name was taken after the form checked it
        _mail("registration/signup_name_taken_email.txt", email, {"base": base, "name": username})
        return
    path = reverse(
        "activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_tokens.make_token(user),
        },
    )
    if next_url:
        path += "?" + urlencode({"next": next_url})
    _mail("registration/activation_email.txt", email, {"user": user, "link": base + path})


@task
def send_password_reset(*, email: str, domain: str, use_https: bool) -> None:
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(domain_override=domain, use_https=use_https)


@transaction.atomic
def delete_account(user: User) -> None:
    """Delete the account and every trace of it: what the README lists under account deletion.

    Finished kit sessions whose results the candidate chose to share stay with the kit's owner,
    anonymised (no owner, so no name). Cascades remove every other practice session with its
    answers, review cards and settings, kits, loops and share links, and the login sessions of
    every browser (questions.models.LoginSession). Login throttling rows hold the username, the
    address and the browser: they go too.
    """
    username = user.get_username()
    PracticeSession.objects.filter(owner=user, kit__isnull=False, share_results=True).exclude(
        status=SessionStatus.IN_PROGRESS
    ).update(owner=None)
    AccessAttempt.objects.filter(username=username).delete()
    AccessLog.objects.filter(username=username).delete()
    AccessFailureLog.objects.filter(username=username).delete()
    user.delete()
