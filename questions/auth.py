"""The login backend: Django's ModelBackend, whose per-request user read also says whether the
user is an interviewer, so the navigation (on every signed-in page) needs no second query.

Every signed-in request runs that read, and building it through the ORM (an annotated
`Exists`) cost 1.7 ms of CPU against 0.2 ms for running it: it is a PreparedQuery, compiled
once per process and database, then only executed (docs/benchmarks.md).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from questions.prepared import PreparedQuery
from questions.roles import INTERVIEWERS_GROUP

_user_with_role = PreparedQuery(
    lambda pk: (
        get_user_model()
        ._default_manager.annotate(
            in_interviewers_group=Exists(
                Group.objects.filter(user=OuterRef("pk"), name=INTERVIEWERS_GROUP)
            )
        )
        .filter(pk=pk)
        .order_by()[:1]
    )
)


class UserWithRoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session holding a malformed id is no user
            return None
        user = _user_with_role.first(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
