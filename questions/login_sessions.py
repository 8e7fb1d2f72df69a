"""The session engine (SESSION_ENGINE): Django's database sessions, stored with their user."""

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

if TYPE_CHECKING:
    from questions.models.accounts import LoginSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type:
        from questions.models.accounts import LoginSession

        return LoginSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = cast("LoginSession", super().create_model_instance(data))
        try:
            instance.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            instance.user_id = None
        return instance
