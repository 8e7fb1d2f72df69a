"""Small functions that make test data: plain Django ORM, no fixture files."""

from itertools import count

from django.contrib.auth.models import Group, User

from questions.roles import INTERVIEWERS_GROUP

PASSWORD = "correct-horse-battery-staple"
_seq = count(1)


def make_user(**kwargs) -> User:
    n = next(_seq)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("email", f"{kwargs['username']}@example.com")
    password = kwargs.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **kwargs)


def make_interviewer(**kwargs) -> User:
    user = make_user(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=INTERVIEWERS_GROUP)[0])
    return user


def make_staff(**kwargs) -> User:
    kwargs.setdefault("is_staff", True)
    kwargs.setdefault("is_superuser", True)
    return make_user(**kwargs)
