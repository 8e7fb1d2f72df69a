import io
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from questions.formats import anki
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, make_interviewer, make_kit, make_question, make_topic

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_topic_downloads_as_an_anki_deck_after_filtering_the_browser(
    page: Page, live_server, tmp_path
):
    stats = make_topic(slug="stats", name="Statistics")
    make_question(topic=stats, slug="bayes", title="Bayes' rule", answer="$P(A|B)$")
    make_question(topic=stats, slug="p-values", title="P-values")
    make_question(slug="overfitting", title="Overfitting")
    page.goto(live_server.url + "/questions/")
    page.get_by_label("Topic").select_option("stats")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text("2 questions match")
    links = page.get_by_role("group", name="Download these questions")
    expect(links.get_by_role("link")).to_have_count(4)
    assert_accessible(page)

    with page.expect_download() as info:
        links.get_by_role("link", name=re.compile("^Anki")).click()
    download = info.value
    assert download.suggested_filename == "interviewprep-stats.apkg"
    data = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(tmp_path / "c.anki2")
    guids = {row[0] for row in connection.execute("SELECT guid FROM notes")}
    connection.close()
    assert guids == {anki.guid_for("bayes"), anki.guid_for("p-values")}


def test_a_kit_exports_as_moodle_xml_from_its_page(page: Page, live_server):
    owner = make_interviewer()
    kit = make_kit(owner, questions=[make_question(slug="bayes")], title="Stats screen")
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(owner.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/kits/{kit.pk}/")
    group = page.get_by_role("group", name="Export for Anki, Moodle or a spreadsheet")
    with page.expect_download() as info:
        group.get_by_role("link", name=re.compile("^Moodle XML")).click()
    assert info.value.suggested_filename == "stats-screen.xml"
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<idnumber>bayes</idnumber>" in text
