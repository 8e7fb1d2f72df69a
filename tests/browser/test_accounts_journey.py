import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_log_out_log_in_and_reach_home(page: Page, live_server):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Practise machine-learning")
    assert_accessible(page)

    page.get_by_role("link", name="Sign up").first.click()
    expect(page).to_have_url(live_server.url + "/accounts/signup/")
    assert_accessible(page)

    # A mismatched password re-renders the form with the field's message.
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.locator("#id_password1").fill("a-long-unusual-passphrase")
    page.locator("#id_password2").fill("something-else-entirely")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("The two password fields didn’t match.")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_password1").fill("a-long-unusual-passphrase")
    page.locator("#id_password2").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert_accessible(page)

    # The mailed link opens a page whose button activates the account and logs in.
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/activate/" in line)
    page.goto(link.strip())
    assert_accessible(page)
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("Welcome, ada.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()

    nav.get_by_role("link", name="Log in").click()
    assert_accessible(page)
    page.get_by_label("Username").fill("ada")
    page.locator("#id_password").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)


def test_skip_link_moves_focus_to_the_content(page: Page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
