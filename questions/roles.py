"""The roles: every user is a candidate; interviewers are a group; admins are staff."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

INTERVIEWERS_GROUP = "Interviewers"


def is_interviewer(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Interviewers (the group) and staff may build interview kits."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    known = getattr(user, "in_interviewers_group", None)  # read with the user (questions.auth)
    if known is not None:
        return known
    return user.groups.filter(name=INTERVIEWERS_GROUP).exists()  # type: ignore[attr-defined]


def require_interviewer(request: HttpRequest) -> None:
    """403 for a signed-in user who is not an interviewer (kit and loop pages call this first)."""
    if not is_interviewer(request.user):
        raise PermissionDenied("Only interviewers and staff work with interview kits.")
