"""A django.tasks backend that runs tasks on a small thread pool, off the request path.

Django 6.1 ships only the immediate (inline) and dummy backends. Password-reset and sign-up mail
must not run inline: a known address would answer measurably later than an unknown one. This
backend runs each task after the request's transaction commits, in a worker thread of the same
process, so the response never waits for it. It is not durable: a task still queued when the
process stops is lost (the person asks for the mail again). Any other django.tasks backend with
a real queue can replace it through the TASKS setting.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connections, transaction
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tasks")


class ThreadPoolBackend(ImmediateBackend):
    # Tests run tasks at once (their transactions never commit); see tests/conftest.py.
    inline = False

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        result: TaskResult = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if self.inline:
            self._execute_task(result)  # type: ignore[attr-defined]  # private: not in django-stubs
        else:
            transaction.on_commit(lambda: _pool.submit(self._run, result))
        return result

    def _run(self, result: TaskResult) -> None:
        close_old_connections()
        try:
            self._execute_task(result)  # type: ignore[attr-defined]  # private: not in django-stubs
            if result.status == TaskResultStatus.FAILED:
                logger.error("Task %s failed:\n%s", result.task.name, result.errors[-1].traceback)
        finally:
            # The thread's own database connection; the pool's threads live on.
            connections.close_all()
