import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.views.defaults import server_error

from interviewprep import devdb

BASE_DIR = Path(__file__).resolve().parent.parent
# The checks of generated columns ask the server its version: point at the real one.
REAL_DATABASE_URL = os.environ.get("DATABASE_URL") or devdb.url()
PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "tests-only-9f2c7b1e4a6d8c0b3e5f7a9c1d3e5f7a9b1c3d5e7f9a1b3c5",
    "ALLOWED_HOSTS": "interviewprep.example.com",
    "DATABASE_URL": REAL_DATABASE_URL,
    "EMAIL_HOST": "smtp.example.com",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_at_warning_level():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_reads_secret_key_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-" * 10 + "\n")
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"} | {
        "SECRET_KEY_FILE": str(secret)
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PROD_ENV.items() if k != "ALLOWED_HOSTS"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_a_malformed_boolean_setting_is_named_in_the_error():
    result = run_manage("check", env={**PROD_ENV, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_health_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_answers_503_when_the_database_is_unreachable(client, tmp_path):
    original = connection.settings_dict.copy()
    connection.close()
    # A real connection attempt to a socket directory where no server listens.
    connection.settings_dict.update(HOST=str(tmp_path), PORT="5999")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_home_page_says_what_the_product_is(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Practise machine-learning interviews" in body
    assert 'href="#main"' in body  # skip link


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_with_a_nonce(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    body = response.content.decode()
    # htmx is bundled (no CDN) and carries the nonce; no inline script or style anywhere.
    assert f'nonce="{nonce}"' in body
    assert "htmx" in body and "://" not in body.split("htmx")[0].rsplit("<script", 1)[-1]
    assert "<style" not in body
    assert " style=" not in body
    assert "hx-on" not in body


@pytest.mark.django_db
def test_htmx_is_configured_without_eval_indicator_styles_or_history_cache(client):
    body = client.get("/").content.decode()
    assert '"allowEval": false' in body
    assert '"includeIndicatorStyles": false' in body
    assert '"historyCacheSize": 0' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


@pytest.mark.django_db
def test_unknown_url_gets_the_styled_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_page_is_styled_and_shows_no_debug_details():
    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body
