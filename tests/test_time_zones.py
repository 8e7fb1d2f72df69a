"""Every server-printed time follows the person's time zone and clock format."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from questions import services
from questions.models import AccountSettings
from questions.preferences import clock_format
from questions.templatetags.timefmt import format_clock, format_moment
from tests.factories import make_session, make_user

pytestmark = pytest.mark.django_db
AT = datetime(2026, 1, 15, 12, 14, 31, tzinfo=UTC)


def finished_summary(client: Client, user) -> str:
    session = make_session(user, now=AT)
    services.finish_session(session=session, now=AT)
    return client.get(f"/practice/{session.pk}/summary/").content.decode()


def test_without_a_setting_times_follow_the_browsers_zone():
    user = make_user()
    client = Client()
    client.force_login(user)
    client.cookies["tz"] = "Europe/Paris"
    assert "15 Jan 2026, 13:14 CET" in finished_summary(client, user)


def test_an_unknown_zone_from_the_browser_is_ignored():
    user = make_user()
    client = Client()
    client.force_login(user)
    client.cookies["tz"] = "../../etc/passwd"
    assert "15 Jan 2026, 12:14 UTC" in finished_summary(client, user)


def test_the_zone_and_clock_saved_on_the_account_win_from_the_next_login():
    user = make_user()
    AccountSettings.objects.create(user=user, time_zone="America/New_York", clock_format="12h")
    client = Client()
    client.cookies["tz"] = "Europe/Paris"
    client.force_login(user)  # logging in fires the signal that loads the settings
    assert "15 Jan 2026, 7:14 AM EST" in finished_summary(client, user)


def test_saving_the_settings_applies_them_at_once_and_bad_input_is_named():
    user = make_user()
    client = Client()
    client.force_login(user)
    client.cookies["tz"] = "Asia/Tokyo"
    page = client.get("/account/settings/").content.decode()
    assert "Your browser&#x27;s time zone (Asia/Tokyo)" in page

    bad = client.post("/account/settings/", {"time_zone": "Mars/Olympus", "clock_format": "24h"})
    assert bad.status_code == 422
    assert "Time zone: Choose a time zone from the list." in bad.content.decode()

    response = client.post(
        "/account/settings/", {"time_zone": "Asia/Kolkata", "clock_format": "24h"}
    )
    assert response.status_code == 302
    assert "15 Jan 2026, 17:44 IST" in finished_summary(client, user)


def test_the_settings_page_needs_a_login():
    assert Client().get("/account/settings/")["Location"].startswith("/accounts/login/")


def test_json_answers_can_print_the_same_clock_as_the_pages():
    assert clock_format() == "24h"
    assert format_clock(AT, seconds=True) == "12:14:31"
    assert format_moment(AT) == "15 Jan 2026, 12:14 UTC"


@pytest.mark.parametrize("fmt", ["24h", "12h"])
@pytest.mark.parametrize("seconds", [False, True])
def test_the_clock_formatted_by_hand_matches_djangos_date_format(fmt, seconds):
    from zoneinfo import ZoneInfo

    from django.utils import timezone
    from django.utils.formats import date_format

    from questions.preferences import _clock_format
    from questions.templatetags.timefmt import CLOCK, CLOCK_SECONDS

    token = _clock_format.set(fmt)
    try:
        with timezone.override(ZoneInfo("America/New_York")):
            for hour in range(24):
                moment = datetime(2026, 3, 8, hour, 7, 9, tzinfo=UTC)  # across a DST change
                expected = date_format(
                    timezone.localtime(moment), (CLOCK_SECONDS if seconds else CLOCK)[fmt]
                )
                assert format_clock(moment, seconds=seconds) == expected
    finally:
        _clock_format.reset(token)
