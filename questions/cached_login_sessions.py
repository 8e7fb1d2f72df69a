"""SESSION_ENGINE for login sessions read through the shared cache (questions.login_sessions)."""

from questions.login_sessions import CachedSessionStore as SessionStore

__all__ = ["SessionStore"]
