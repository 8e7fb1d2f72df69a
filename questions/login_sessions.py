"""The session engines (SESSION_ENGINE): Django's database sessions, stored with their user.

`questions.login_sessions` keeps sessions in PostgreSQL only. `questions.cached_login_sessions`
puts the shared cache in front (Django's `cached_db`): a request reads its session from the cache
(Valkey/Redis in production), and the database row stays the durable copy. The cache must be
shared by every app server (never a per-process memory cache), so that a logout on one server
ends the session on all of them: logging out deletes the session from the cache and the database.

`signed_in_user_id` gives the signed-in user's id from the session alone, for hot endpoints that
need only the id (the autosave). That is as safe as Django's full check (which reads the user row
and compares the password hash) because every event that would make the full check refuse a
session ends the session in the store instead: logout, a password change or reset, deactivating
the account and deleting it (`questions.models.accounts`).
"""

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseSessionStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

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


class CachedSessionStore(CachedDatabaseSessionStore, SessionStore):
    """The same rows, read through the shared cache (SESSION_CACHE_ALIAS)."""


def uses_cache() -> bool:
    return settings.SESSION_ENGINE == "questions.cached_login_sessions"


def forget_cached(session_keys: list[str]) -> None:
    """Drop sessions from the shared cache (their rows are being deleted)."""
    if session_keys and uses_cache():
        from django.core.cache import caches

        prefix = CachedSessionStore.cache_key_prefix
        caches[settings.SESSION_CACHE_ALIAS].delete_many([prefix + key for key in session_keys])


def signed_in_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, from the session without reading the user row (see above)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):  # the middleware's: use it only if already loaded
        user = None if user._wrapped is empty else user._wrapped
    if user is not None:  # loaded, or set by login() or logout() during this request
        return user.pk if user.is_authenticated else None
    session = getattr(request, "session", None)
    if session is None or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
