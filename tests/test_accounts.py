import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from questions.roles import is_interviewer
from tests.factories import PASSWORD, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(username="ada").exists()
    assert "ada" in client.get("/").content.decode()


def test_signup_with_bad_data_rerenders_with_field_messages_and_creates_nothing(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "", "email": "not-an-email", "password1": "abc", "password2": "abd"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert "The two password fields didn" in body
    assert User.objects.count() == 0


def test_signup_refuses_an_email_that_is_already_registered(client):
    make_user(username="first", email="taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "second",
            "email": "TAKEN@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_signed_in_user_visiting_signup_goes_home(client):
    client.force_login(make_user())
    assert client.get("/accounts/signup/")["Location"] == "/"


def test_login_with_wrong_password_rerenders_with_a_message(client):
    make_user(username="bob")
    response = client.post("/accounts/login/", {"username": "bob", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_and_logout(client):
    make_user(username="bob")
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated
    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST
    client.post("/accounts/logout/")
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_repeated_failed_logins_lock_the_account_with_a_clear_message(client, settings):
    make_user(username="carol")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "carol", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-in attempts" in body
    assert "Try again in\n  15 minutes" in body
    assert "PT15M" not in body
    assert response["Retry-After"] == "900"
    assert not response.wsgi_request.user.is_authenticated


def test_one_locked_account_does_not_lock_colleagues_behind_the_same_address(client, settings):
    make_user(username="dave")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        client.post("/accounts/login/", {"username": "mallory", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "dave", "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_an_address_is_locked_only_after_many_failures_across_accounts(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    make_user(username="dave")
    for i in range(11):
        client.post("/accounts/login/", {"username": f"guess{i % 4}", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "dave", "password": PASSWORD}).status_code
        == 302
    )
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "guess9", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "dave", "password": PASSWORD})
    assert response.status_code == 429
    assert "after many failed attempts on several accounts" in response.content.decode()


def test_one_account_locked_does_not_lock_it_from_another_address(client, settings):
    make_user(username="erin")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/", {"username": "erin", "password": "x"}, REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(
        "/accounts/login/", {"username": "erin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_password_change_requires_login_and_works(client):
    assert client.get("/accounts/password_change/")["Location"].startswith("/accounts/login/")
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_password_reset_sends_a_link_by_email(client):
    make_user(username="frank", email="frank@example.com")
    response = client.post("/accounts/password_reset/", {"email": "frank@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your InterviewPrep password"
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()


def test_grant_interviewer_command_grants_and_revokes():
    user = make_user(username="grace")
    call_command("grant_interviewer", "grace")
    assert is_interviewer(user)
    call_command("grant_interviewer", "grace", "--revoke")
    assert not is_interviewer(User.objects.get(pk=user.pk))


def test_grant_interviewer_names_unknown_users():
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("grant_interviewer", "nobody")


def test_staff_count_as_interviewers():
    assert is_interviewer(make_staff())


def test_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200
