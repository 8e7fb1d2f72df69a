"""Hot endpoints stay cheap and safe to scale out: query pins for what a typing candidate costs,
sessions that end everywhere when they end anywhere, and the development server under load."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from questions.accounts import delete_account
from questions.login_sessions import CachedSessionStore
from questions.models import LoginSession
from questions.models.practice import Clock
from questions.services import start_session
from tests.factories import PASSWORD, make_question, make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
CSRF = "c" * 32  # an unmasked secret: valid as both cookie and header
DEV_SERVER_NAME = "interviewprep-test-runserver"


@pytest.fixture(params=["database", "cached"])
def engine(request, settings):
    """Both session engines: database sessions, and sessions read through the shared cache."""
    settings.SESSION_ENGINE = {
        "database": "questions.login_sessions",
        "cached": "questions.cached_login_sessions",
    }[request.param]
    return request.param


def open_session(user):
    questions = [make_question() for _ in range(3)]
    session = start_session(
        user=user,
        questions=questions,
        clock=Clock.UNTIMED,
        minutes=None,
        now=timezone.now(),
        title="Practice",
    )
    return session, session.attempts.get(state="active")


def signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert "sessionid" in client.cookies
    return client


def autosave(client, session, attempt, text="typing", base=0):
    return client.post(
        f"/practice/{session.pk}/attempts/{attempt.pk}/save/",
        {"answer": text, "base": base, "writer": "page-1"},
        HTTP_ACCEPT="application/json",
    )


# What a typing candidate costs ------------------------------------------------------------------


def test_autosave_runs_at_most_two_queries_and_never_reads_the_user_row(
    engine, django_assert_max_num_queries
):
    user = make_user()
    session, attempt = open_session(user)
    client = signed_in(user)
    # The first save also fills the cache (cached engine); a page then bases each on the last.
    revision = autosave(client, session, attempt, "warm").json()["revision"]
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(2):
        response = autosave(client, session, attempt, "warm and growing", base=revision)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "saved"
    assert not [q for q in queries.captured_queries if '"auth_user"' in q["sql"]]


def test_the_session_page_runs_at_most_five_queries(engine, django_assert_max_num_queries):
    user = make_user()
    session, _ = open_session(user)
    client = signed_in(user)
    client.get(f"/practice/{session.pk}/")
    with django_assert_max_num_queries(5):
        assert client.get(f"/practice/{session.pk}/").status_code == 200


@pytest.mark.parametrize("page_cache", [False, True])
@pytest.mark.parametrize("who", ["anonymous", "candidate"])
def test_the_question_browser_runs_at_most_five_queries(
    who, page_cache, settings, django_assert_max_num_queries
):
    settings.BANK_PAGE_CACHE = page_cache
    for _ in range(25):
        make_question()
    client = Client() if who == "anonymous" else signed_in(make_user())
    client.get("/questions/")  # a cached page is counted once it is in the cache
    with django_assert_max_num_queries(5):
        response = client.get("/questions/")
    assert response.status_code == 200
    assert response.text.count('<li class="question-result">') == 20


# Sessions end everywhere ------------------------------------------------------------------------


def test_logout_ends_the_session_for_every_browser_tab_and_server(engine):
    user = make_user()
    session, attempt = open_session(user)
    laptop = signed_in(user)
    other_server = Client()  # the same cookie, answered by another app server
    other_server.cookies["sessionid"] = laptop.cookies["sessionid"].value
    assert autosave(other_server, session, attempt, "before").status_code == 200

    laptop.post("/accounts/logout/")

    assert autosave(other_server, session, attempt, "after").status_code == 401
    assert other_server.get(f"/practice/{session.pk}/").status_code == 302
    session_key = laptop.cookies["sessionid"].value
    assert not LoginSession.objects.filter(session_key=session_key).exists()
    if engine == "cached":
        assert caches["default"].get(CachedSessionStore.cache_key_prefix + session_key) is None


def test_a_new_password_ends_every_login_of_the_account(engine):
    user = make_user()
    session, attempt = open_session(user)
    phone = signed_in(user)
    assert autosave(phone, session, attempt, "from the phone").status_code == 200

    user.set_password("a-brand-new-password-42")
    user.save()

    # The autosave trusts the session without reading the user row: the session is gone.
    assert autosave(phone, session, attempt, "stolen cookie").status_code == 401
    assert not LoginSession.objects.filter(user_id=user.pk).exists()
    attempt.refresh_from_db()
    assert attempt.answer == "from the phone"


def test_deactivating_an_account_ends_its_logins(engine):
    user = make_user()
    session, attempt = open_session(user)
    browser = signed_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert autosave(browser, session, attempt, "after deactivation").status_code == 401


def test_updating_last_login_keeps_other_logins(engine):
    user = make_user()
    session, attempt = open_session(user)
    laptop = signed_in(user)
    signed_in(user)  # a second login saves the user (last_login): the first one stays
    assert autosave(laptop, session, attempt, "still here").status_code == 200


def test_deleting_the_account_clears_its_sessions_from_the_shared_cache(settings):
    settings.SESSION_ENGINE = "questions.cached_login_sessions"
    user = make_user()
    laptop, phone = signed_in(user), signed_in(user)
    phone.get("/history/")  # read through the cache: now cached
    keys = [laptop.cookies["sessionid"].value, phone.cookies["sessionid"].value]

    laptop.post("/account/data/", {"confirm": "delete my account"})

    cache = caches[settings.SESSION_CACHE_ALIAS]
    assert [cache.get(CachedSessionStore.cache_key_prefix + key) for key in keys] == [None, None]
    assert not phone.get("/history/").wsgi_request.user.is_authenticated


def test_delete_account_service_ends_cached_sessions_too(settings):
    settings.SESSION_ENGINE = "questions.cached_login_sessions"
    user = make_user()
    session, attempt = open_session(user)
    browser = signed_in(user)
    assert autosave(browser, session, attempt, "x").status_code == 200
    delete_account(user)
    assert autosave(browser, session, attempt, "y").status_code == 401


# Two processes: the development server beside this test process ---------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the test database: the configured server, the test database's name."""
    if not (url := os.environ.get("DATABASE_URL", "")):
        from interviewprep import devdb

        url = devdb.url()
    return urlunsplit(urlsplit(url)._replace(path=f"/{connection.settings_dict['NAME']}"))


@pytest.fixture
def dev_server(transactional_db, tmp_path):
    """`manage.py runserver` (what `make run` serves) on a free port, on the test database, with
    login sessions read through the shared cache (PostgreSQL's, as by default)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
        "SESSION_CACHE": "1",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "interviewprep.settings",
        "PGAPPNAME": DEV_SERVER_NAME,  # libpq names the server's connections: counted below
    }
    env.pop("CONN_MAX_AGE", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "runserver.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log = (tmp_path / "runserver.log").read_text()
                    raise RuntimeError(f"the development server did not start: {log}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(url: str, *, cookie: str = "", data: bytes | None = None) -> int:
    headers = {"Cookie": cookie, "Accept": "application/json", "X-CSRFToken": CSRF}
    request = urllib.request.Request(url, data=data, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is an answer here, not a hop
        return None


def connections_of_the_dev_server() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [DEV_SERVER_NAME]
        )
        return cursor.fetchone()[0]


def test_logout_in_one_process_ends_the_session_in_another(dev_server, settings):
    settings.SESSION_ENGINE = "questions.cached_login_sessions"
    user = make_user()
    session, attempt = open_session(user)
    here = signed_in(user)
    cookie = f"sessionid={here.cookies['sessionid'].value}; csrftoken={CSRF}"
    save_url = f"{dev_server}/practice/{session.pk}/attempts/{attempt.pk}/save/"
    body = b"answer=typed+there&base=0&writer=other-server"
    assert fetch(f"{dev_server}/practice/{session.pk}/", cookie=cookie) == 200  # now cached there
    assert fetch(save_url, cookie=cookie, data=body) == 200

    here.post("/accounts/logout/")

    assert fetch(f"{dev_server}/practice/{session.pk}/", cookie=cookie) == 302
    assert fetch(save_url, cookie=cookie, data=b"answer=after&base=1&writer=other-server") == 401


def test_the_development_server_survives_40_concurrent_clients(dev_server):
    for _ in range(25):
        make_question()
    pages = [f"{dev_server}/questions/?page={n % 2 + 1}" for n in range(120)]
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(fetch, pages))
    assert Counter(statuses) == {200: len(pages)}
    # Each request closed its connection: none is left behind by the finished threads.
    deadline = time.monotonic() + 10
    while connections_of_the_dev_server() > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert connections_of_the_dev_server() == 0
    assert fetch(f"{dev_server}/questions/") == 200


def test_the_redis_cache_keeps_one_client_per_connection_pool():
    from interviewprep.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:1/0", {})  # nothing connects until a command runs
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
