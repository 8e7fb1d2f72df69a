"""Account records beside Django's user: login sessions that know their user."""

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class LoginSession(AbstractBaseSession):
    """A database session with its user's id, so that deleting an account deletes its sessions
    in every browser (Django's own session table keeps the user only inside the signed data).

    No database constraint: a session saved just after its user was deleted must not fail the
    request; the ORM still cascades on delete.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        from questions.login_sessions import SessionStore

        return SessionStore
