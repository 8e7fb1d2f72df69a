"""Settings for InterviewPrep: one module, deploy-time values from the environment.

Development defaults are safe and need nothing set. Production (DEBUG=0) needs SECRET_KEY (or
SECRET_KEY_FILE), ALLOWED_HOSTS and DATABASE_URL, and then passes `check --deploy`.
"""

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str:
    """Read NAME, or the file named by NAME_FILE (Docker and Kubernetes secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, "")


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

if not DEBUG and not env_list("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host(s) when DEBUG is off.")
# Loopback is always allowed so that the container's HEALTHCHECK can probe /healthz.
ALLOWED_HOSTS = [*env_list("ALLOWED_HOSTS"), "localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "axes",
    "interviewprep",
    "questions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that error pages raised by later middleware still get a nonce.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "interviewprep.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "interviewprep.middleware.PrivateNoStoreMiddleware",
    # The user's time zone (saved on the account, else the browser's) and clock format.
    "questions.preferences.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "interviewprep.middleware.HtmxLoginRequiredMiddleware",
    # One audit line for every successful write to a team's kit or loop.
    "questions.teams.TeamAuditMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "interviewprep.urls"
WSGI_APPLICATION = "interviewprep.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} and {% static %} with each URL kept per process (interviewprep/url_tag.py,
            # interviewprep/static_tag.py; our templates do not `{% load static %}`), and the
            # layout's head and header rendered in Python (interviewprep/layout.py).
            "builtins": [
                "interviewprep.url_tag",
                "interviewprep.static_tag",
                "interviewprep.layout",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                # The user without the lazy proxy, once the request has read it.
                "interviewprep.views.loaded_user",
                "django.contrib.messages.context_processors.messages",
                # The CSRF token without the lazy proxy (made on first use all the same).
                "interviewprep.views.csrf_token",
            ],
        },
    },
]

# Database: DATABASE_URL, or the project's private PostgreSQL (interviewprep/devdb.py).
if env_str("DATABASE_URL"):
    _database_url = env_str("DATABASE_URL")
elif DEBUG:
    from interviewprep import devdb

    _database_url = devdb.url()
else:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off.")

# The development server (make run) starts a thread per request, and a persistent connection
# stays with its thread: 32 concurrent clients ran PostgreSQL out of connections. Under runserver
# each request therefore closes its connection (CONN_MAX_AGE=0); app servers keep theirs.
_RUNSERVER = sys.argv[1:2] == ["runserver"]
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # Persistent connections: measured ~3.5x throughput over a connection per request.
        conn_max_age=env_int("CONN_MAX_AGE", 0 if _RUNSERVER else 600),
        # Test a reused connection before a request uses it, with a round trip only when it has
        # been idle for HEALTH_CHECK_IDLE_SECONDS (interviewprep/db/base.py, docs/benchmarks.md).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
# Django's PostgreSQL backend with that cheaper health check.
DATABASES["default"]["ENGINE"] = "interviewprep.db"
HEALTH_CHECK_IDLE_SECONDS = env_int("HEALTH_CHECK_IDLE_SECONDS", 30)
# The autosave's statement prepared once per connection (interviewprep/db/base.py).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction's server connection.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
)
if env_bool("DATABASE_POOL", False):
    # psycopg's pool (Django manages it; persistent connections must then be off). Behind
    # PgBouncer in transaction mode, keep it off and leave server-side binding off (the default).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {"min_size": 2, "max_size": env_int("DATABASE_POOL_SIZE", 4), "timeout": 10},
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_interviewprep")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend that reads the interviewer role with the user (one query, not two).
    "questions.auth.UserWithRoleBackend",
    # Still accepted for sessions logged in before the backend above existed.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Database sessions that record their user, so deleting an account ends every other login too.
# With a shared Redis/Valkey cache (CACHE_URL) they are read through it (cached_db): no database
# query for the session. Never a per-process cache: logout must end a session on every server.
SESSION_ENGINE = (
    "questions.cached_login_sessions"
    if env_bool("SESSION_CACHE", env_str("CACHE_URL").startswith(("redis://", "rediss://")))
    else "questions.login_sessions"
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes, state in PostgreSQL): after AXES_FAILURE_LIMIT failures an
# account is locked from that address for the cool-off; a whole address only after
# LOGIN_ADDRESS_FAILURE_LIMIT failures across its accounts (an office shares one address).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "interviewprep.throttling.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "interviewprep.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_VERBOSE = False

# The shared cache (rate-limit counters): PostgreSQL through Django's database cache, so app
# servers need nothing else; CACHE_URL=redis://host:6379/0 uses Redis instead (pip install redis).
CACHES: dict[str, dict[str, Any]]
if env_str("CACHE_URL").startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "interviewprep.cache.RedisCache",
            "LOCATION": env_str("CACHE_URL"),
        }
    }
elif env_str("CACHE_URL"):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// URL, or unset.")
else:
    CACHES = {
        "default": {
            "BACKEND": "interviewprep.cache.PostgresCache",
            "LOCATION": "interviewprep_cache",
            # Counters must not be culled early: the default of 300 entries is far too few.
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
        }
    }

# The question browser's pages without a search, cached in the shared cache until the bank
# changes (questions.browse_cache). On by default with Valkey/Redis, where a hit costs no query;
# the embedded database cache would trade two queries for two others on each miss.
BANK_PAGE_CACHE = env_bool(
    "BANK_PAGE_CACHE", env_str("CACHE_URL").startswith(("redis://", "rediss://"))
)

# Rate limits on repeatable writes ("count/period", period s, m, h or d, e.g. "10/15m"), counted
# in the shared cache by django-ratelimit. Each is per user or per client address as named.
RATE_LIMITS = {
    "autosave": env_str("RATE_LIMIT_AUTOSAVE", "240/m"),  # per user; a save per second is 60
    "password_reset_address": env_str("RATE_LIMIT_PASSWORD_RESET_ADDRESS", "20/h"),
    "password_reset_account": env_str("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", "3/h"),
    "signup": env_str("RATE_LIMIT_SIGNUP", "10/h"),  # per address
    "share_link_open": env_str("RATE_LIMIT_SHARE_LINK_OPEN", "60/h"),  # per user
    "kit_create": env_str("RATE_LIMIT_KIT_CREATE", "60/h"),  # per user, new kits and copies
    "share_link_create": env_str("RATE_LIMIT_SHARE_LINK_CREATE", "60/h"),  # per user
    "navigator": env_str("RATE_LIMIT_NAVIGATOR", "120/m"),  # per user: moves and flags
    # Downloads as Anki, Moodle XML, GIFT, CSV (the bank is several MB), per user or address.
    "export": env_str("RATE_LIMIT_EXPORT", "30/h"),
    "team_write": env_str("RATE_LIMIT_TEAM_WRITE", "120/h"),  # per user: teams, invitations
    "interview_write": env_str("RATE_LIMIT_INTERVIEW_WRITE", "600/m"),  # per user: scorecards
}
# The client's address as django-axes sees it (PROXY_COUNT proxies in front).
RATELIMIT_IP_META_KEY = "interviewprep.throttling.client_ip"

# Practice sessions: the network grace after a deadline, and how long an untimed (or
# per-question timed) session may stay open before it closes by itself.
PRACTICE_GRACE_SECONDS = env_int("PRACTICE_GRACE_SECONDS", 5)
PRACTICE_SESSION_MAX_HOURS = env_int("PRACTICE_SESSION_MAX_HOURS", 24)
# Key-point suggestions on the reveal stage (questions/suggest): "bm25" (chosen by measurement,
# docs/suggestions.md), "embedding" (WordLlama), or "off". Each falls back to the other.
SUGGESTIONS_METHOD = env_str("SUGGESTIONS_METHOD", "bm25")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "interviewprep.storage.StaticFilesStorage"
        )
    },
}

# Mail goes to the console unless EMAIL_HOST names an SMTP server.
if env_str("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_secret("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "InterviewPrep <noreply@localhost>")

# Background tasks (sign-up and password-reset mail, off the request path): a thread pool in
# each app server; TASKS_BACKEND names any other django.tasks backend with a real queue.
TASKS = {
    "default": {"BACKEND": env_str("TASKS_BACKEND", "interviewprep.background.ThreadPoolBackend")}
}

# Content Security Policy: only our own files, scripts only with the per-request nonce,
# no inline style at all (htmx's indicator styles are turned off in base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # No script reads the cookie: htmx sends the token from hx-headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The health check is probed over plain HTTP by the container runtime.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is hard to undo: the operator opts in, not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # "Watching for file changes": make run ends with the URL, not with this.
        "django.utils.autoreload": {"level": "WARNING"},
    },
}
