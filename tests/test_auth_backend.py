"""The login backend's per-request user read: the same user the ORM reads, plus the role, in one
query compiled once."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from questions.auth import UserWithRoleBackend
from questions.roles import INTERVIEWERS_GROUP, is_interviewer
from tests.factories import make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def _fields(user) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_it_reads_the_same_user_as_the_orm_and_says_whether_they_interview(
    django_assert_num_queries,
):
    plain, interviewer = make_user(), make_user()
    interviewer.groups.add(Group.objects.get_or_create(name=INTERVIEWERS_GROUP)[0])
    backend = UserWithRoleBackend()
    for user, role in ((plain, False), (interviewer, True)):
        with django_assert_num_queries(1):
            read = backend.get_user(user.pk)
            assert is_interviewer(read) is role
        assert _fields(read) == _fields(User.objects.get(pk=user.pk))
        assert read._state.adding is False and read._state.db == "default"


def test_a_saved_read_user_updates_its_row():
    user = make_user()
    read = UserWithRoleBackend().get_user(user.pk)
    read.first_name = "Ada"
    read.save(update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Ada"


@pytest.mark.parametrize("user_id", [0, 10**9, "12abc", None, ""])
def test_an_unknown_or_malformed_id_is_no_user(user_id):
    make_user()
    assert UserWithRoleBackend().get_user(user_id) is None


def test_an_inactive_user_is_no_user():
    user = make_user()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert UserWithRoleBackend().get_user(user.pk) is None
    assert UserWithRoleBackend().get_user(str(user.pk)) is None
