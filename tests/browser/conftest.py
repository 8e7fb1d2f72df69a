import pytest
from axe_playwright_python.sync_playwright import Axe

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
