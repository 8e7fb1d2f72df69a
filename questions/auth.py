"""The login backend: Django's ModelBackend, whose per-request user read also says whether the
user is an interviewer, so the navigation (on every signed-in page) needs no second query.

Every signed-in request runs that read, and building it through the ORM (an annotated
`Exists`) cost 1.7 ms of CPU against 0.2 ms for running it: the statement is compiled from the
same queryset once per process and database, then only executed (docs/benchmarks.md).
"""

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connections, router
from django.db.models import Exists, OuterRef

from questions.roles import INTERVIEWERS_GROUP

_PLACEHOLDER = -2_104_729_163  # no user has this id (in range for an integer key): the slot


@cache
def _user_statement(alias: str) -> tuple[str, tuple[Any, ...], int, tuple[str, ...]]:
    """The SQL of the user-with-role read, its parameters, where the id goes, and the columns."""
    model = get_user_model()
    fields = tuple(field.attname for field in model._meta.concrete_fields)
    query = (
        model._default_manager.using(alias)
        .annotate(
            in_interviewers_group=Exists(
                Group.objects.filter(user=OuterRef("pk"), name=INTERVIEWERS_GROUP)
            )
        )
        .filter(pk=_PLACEHOLDER)
        .values_list(*fields, "in_interviewers_group")
        .order_by()[:1]
    ).query
    sql, params = query.get_compiler(alias).as_sql()
    assert params.count(_PLACEHOLDER) == 1, params
    return sql, tuple(params), params.index(_PLACEHOLDER), fields


class UserWithRoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a session holding a malformed id is no user
            return None
        alias = router.db_for_read(model)
        sql, params, slot, fields = _user_statement(alias)
        values = list(params)
        values[slot] = pk
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, list(fields), row[:-1])
        user.in_interviewers_group = row[-1]  # type: ignore[attr-defined]  # as annotate() sets it
        return user if self.user_can_authenticate(user) else None
