"""Hot reads compiled to SQL once per process, then only executed.

Building a queryset and compiling it costs far more CPU than running it on the hot pages: the
session page's read of the session with its current attempt took about a third of the page's
CPU to build and compile, and the login backend's user read 1.7 ms against 0.2 ms to run
(docs/benchmarks.md). A `PreparedQuery` builds its queryset once per database alias with a
placeholder in place of each argument, keeps the SQL and the compiler, and on each call runs the
SQL with the arguments in the placeholders' slots. Rows become model instances the way
Django's own ModelIterable makes them (select_related objects, annotations, the fields'
converters), so the result is the object the ORM would have returned; tests compare the two.
"""

import itertools
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import DEFAULT_FETCH_MODE, get_related_populators
from django.db.models.sql.compiler import SQLCompiler


def prepared_cursor(alias: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor whose statements PostgreSQL parses and plans once per connection, where the
    backend offers one (interviewprep.db), else a plain cursor: for statements that run on every
    request of a hot page."""
    connection = connections[alias]
    return getattr(connection, "prepared_cursor", connection.cursor)()


# Placeholder values no row has (in range for an integer key): one per argument.
_PLACEHOLDERS = tuple(-2_104_729_163 - i for i in range(8))


class _Compiled:
    def __init__(self, queryset: QuerySet, alias: str, arity: int) -> None:
        self.alias = alias
        self.compiler: SQLCompiler = queryset.query.get_compiler(alias)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots: list[list[int]] = []
        for placeholder in _PLACEHOLDERS[:arity]:
            slots = [i for i, value in enumerate(self.params) if value == placeholder]
            if not slots:
                raise ValueError(f"placeholder {placeholder} is not a parameter of {self.sql}")
            self.slots.append(slots)
        compiler = self.compiler
        klass_info = compiler.klass_info
        assert klass_info is not None, "a PreparedQuery reads model instances"
        self.model: type[Model] = klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(first, last)
        self.init_list = [column[0].target.attname for column in compiler.select[first:last]]
        self.annotations = dict(compiler.annotation_col_map or {})
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        assert not compiler.has_composite_fields(columns), "composite keys are not supported"
        self.converters = compiler.get_converters(columns)

    def run(self, args: Sequence[Any]) -> list[Model]:
        values = list(self.params)
        for slots, value in zip(self.slots, args, strict=True):
            for slot in slots:
                values[slot] = value
        # Compiled once here, and parsed and planned once by PostgreSQL too.
        with prepared_cursor(self.alias) as cursor:
            cursor.execute(self.sql, values)
            rows = cursor.fetchall()
        if not rows:
            return []
        compiler = self.compiler
        populators = get_related_populators(
            compiler.klass_info, compiler.select, self.alias, DEFAULT_FETCH_MODE
        )
        objects = []
        if self.converters:
            rows = compiler.apply_converters(rows, self.converters)
        for row in rows:
            obj = self.model.from_db(
                self.alias, self.init_list, row[self.model_slice], fetch_mode=DEFAULT_FETCH_MODE
            )
            for populator in populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class PreparedQuery[M: Model]:
    """`build(*placeholders)` returns the queryset; call the PreparedQuery with the real values.

        current_attempt = PreparedQuery(
            lambda session_id: Attempt.objects.filter(session_id=session_id)[:1]
        )
        current_attempt.first(42)

    The arguments must be values the ORM passes to the database unchanged (integers, here), and
    the queryset must not depend on anything but them (not on the time, the user or settings
    that change while the process runs).
    """

    def __init__(self, build: Callable[..., QuerySet[M]], arity: int = 1) -> None:
        self.build = build
        self.arity = arity
        # Per thread: a compiler belongs to the connection (and so the thread) that compiled it.
        self._local = threading.local()

    @cached_property
    def model(self) -> type[M]:
        return self.build(*_PLACEHOLDERS[: self.arity]).model

    def compiled(self, alias: str) -> _Compiled:
        per_alias = self._local.__dict__.setdefault("compiled", {})
        if (compiled := per_alias.get(alias)) is None:
            queryset = self.build(*_PLACEHOLDERS[: self.arity]).using(alias)
            compiled = per_alias[alias] = _Compiled(queryset, alias, self.arity)
        return compiled

    def all(self, *args: Any) -> list[M]:
        alias = router.db_for_read(self.model)
        return self.compiled(alias).run(args)  # type: ignore[return-value]

    def first(self, *args: Any) -> M | None:
        return next(itertools.chain(self.all(*args), [None]))
