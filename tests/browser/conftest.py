import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

_axe = Axe()


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violations on the page as it is now."""
    results = _axe.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, "\n".join(bad)


def log_in(page: Page, live_server, user) -> None:
    """Log in through the real form and wait until the page says so."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _short_timeouts(page) -> None:
    # Local pages answer in milliseconds; fail fast instead of waiting 30 s on a wrong locator.
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(transactional_db) -> None:
    # The live server commits, and the cache table is not flushed between tests: counters of an
    # earlier test or run (same address, reused user ids) must not limit this one.
    from django.core.cache import cache

    cache.clear()
