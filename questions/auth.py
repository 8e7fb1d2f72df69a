"""The login backend: Django's ModelBackend, whose per-request user read also says whether the
user is an interviewer, so the navigation (on every signed-in page) needs no second query."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from questions.roles import INTERVIEWERS_GROUP


class UserWithRoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = (
            get_user_model()
            ._default_manager.annotate(
                in_interviewers_group=Exists(
                    Group.objects.filter(user=OuterRef("pk"), name=INTERVIEWERS_GROUP)
                )
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
