"""The roles: every user is a candidate; interviewers are a group; admins are staff."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
