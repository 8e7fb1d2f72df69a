import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from questions.roles import is_interviewer
from tests.factories import PASSWORD, make_staff, make_user

pytestmark = pytest.mark.django_db


SIGNUP = {
    "username": "ada",
    "email": "ada@example.com",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def mailed_link(message) -> str:
    line = next(line for line in message.body.splitlines() if "://testserver/" in line)
    return line.strip().split("testserver", 1)[1]


def test_signup_mails_a_link_that_activates_the_account_and_logs_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    user = User.objects.get(username="ada")
    assert not user.is_active
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert mail.outbox[0].subject == "Finish creating your InterviewPrep account"
    link = mailed_link(mail.outbox[0])
    page = client.get(link)
    assert "Activate my account" in page.content.decode()
    assert not User.objects.get(username="ada").is_active  # a mail scanner's GET activates nothing
    response = client.post(link)
    assert response["Location"] == "/"
    assert User.objects.get(username="ada").is_active
    assert "ada" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert client.post(link).status_code == 404  # one use only
    assert client.get("/accounts/activate/MQ/nonsense-token/").status_code == 404
    assert client.get("/accounts/activate/%C3%A9%C3%A9/x-y/").status_code == 404


def test_signup_with_bad_data_rerenders_with_field_messages_and_creates_nothing(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "", "email": "not-an-email", "password1": "abc", "password2": "abd"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert "The two password fields didn" in body
    assert User.objects.count() == 0


def test_signup_with_a_registered_email_looks_the_same_and_mails_the_owner(client):
    make_user(username="first", email="taken@example.com")
    new = client.post("/accounts/signup/", SIGNUP | {"username": "newcomer"})
    known = client.post(
        "/accounts/signup/", SIGNUP | {"username": "second", "email": "TAKEN@example.com"}
    )
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert not User.objects.filter(username="second").exists()
    notice = mail.outbox[-1]
    assert notice.to == ["TAKEN@example.com"]
    assert notice.subject == "Someone tried to sign up with your address"
    assert "/accounts/password_reset/" in notice.body


@pytest.fixture
def request_path_work(client, monkeypatch, settings):
    """post(path, data): the response, queries, queued tasks and mails sent during the request.

    Tasks stay queued (as in production) and rate-limit counters, whose first and later
    requests differ, are off: only what depends on the address is compared.
    """
    from django.db import connection
    from django.test import TestCase
    from django.test.utils import CaptureQueriesContext

    from interviewprep.background import ThreadPoolBackend

    monkeypatch.setattr(ThreadPoolBackend, "inline", False)
    settings.RATELIMIT_ENABLE = False

    def post(path, data):
        sent_before = len(mail.outbox)
        with (
            CaptureQueriesContext(connection) as queries,
            TestCase.captureOnCommitCallbacks() as callbacks,
        ):
            response = client.post(path, data)
        return response, len(queries), len(callbacks), len(mail.outbox) - sent_before

    return post


def test_signup_does_the_same_work_on_the_request_path_for_known_and_new_addresses(
    request_path_work,
):
    make_user(username="first", email="taken@example.com")
    new = request_path_work("/accounts/signup/", SIGNUP)
    known = request_path_work(
        "/accounts/signup/", SIGNUP | {"username": "other", "email": "taken@example.com"}
    )
    assert new[0]["Location"] == known[0]["Location"]
    # Same queries, one queued task, no mail sent while the visitor waits.
    assert new[1:] == known[1:]
    assert new[2:] == (1, 0)


def test_password_reset_does_the_same_work_on_the_request_path_for_known_and_unknown(
    request_path_work,
):
    make_user(email="known@example.com")
    path = "/accounts/password_reset/"
    known = request_path_work(path, {"email": "known@example.com"})
    unknown = request_path_work(path, {"email": "nobody@example.com"})
    assert known[0]["Location"] == unknown[0]["Location"] == "/accounts/password_reset/done/"
    assert known[1:] == unknown[1:]
    assert known[2:] == (1, 0)


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
