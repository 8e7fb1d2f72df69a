"""Interview kits in a real browser: build by searching, reorder by keyboard, share, take, read."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from questions.models import Kit, KitItem, PracticeSession
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import make_interviewer, make_question, make_topic, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def kit_titles(page: Page) -> list[str]:
    return page.locator("#kit-items .kit-item-title").all_inner_texts()


def add_by_search(page: Page, words: str, title: str) -> None:
    page.get_by_label("Search the bank").fill(words)
    add = page.get_by_role("button", name=f"Add “{title}”")
    expect(add).to_be_visible()
    add.click()
    expect(page.locator("#kit-items")).to_contain_text(title)
    settled(page)
    expect(page.locator(f"#search-results .kit-result:has-text('{title}')")).to_contain_text(
        "In the kit"
    )


def settled(page: Page) -> None:
    """Wait until htmx has finished a swap (new forms are wired up when it settles)."""
    expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    ).to_have_count(0)


def test_an_interviewer_builds_shares_and_reads_a_kit_a_candidate_took(
    browser: Browser, live_server
):
    topic = make_topic(name="Fundamentals")
    for title, words in (
        ("Bias and variance", "Explain the bias-variance trade-off."),
        ("Precision and recall", "When does precision matter more than recall?"),
        ("Gradient descent", "Walk through one step of gradient descent."),
    ):
        make_question(topic=topic, title=title, prompt=words, key_points=["One", "Two"])
    interviewer, candidate = make_interviewer(), make_user()

    # The interviewer creates a kit and builds it by searching the bank.
    hiring = browser.new_context()
    page = hiring.new_page()
    log_in(page, live_server, interviewer)
    page.get_by_role("link", name="Interview kits").click()
    page.get_by_role("link", name="New kit").first.click()
    page.get_by_label("Title").fill("ML fundamentals, round 1")
    page.get_by_label("Round").fill("ML fundamentals")
    page.get_by_label("Minutes per question").fill("4")
    page.get_by_role("button", name="Create kit").click()
    expect(page.get_by_role("heading", name="ML fundamentals, round 1")).to_be_visible()
    add_by_search(page, "precision", "Precision and recall")
    add_by_search(page, "bias", "Bias and variance")
    add_by_search(page, "gradi", "Gradient descent")
    assert kit_titles(page) == ["Precision and recall", "Bias and variance", "Gradient descent"]
    assert_accessible(page)

    # Reorder with the keyboard: focus stays on the button that was pressed.
    kit = Kit.objects.get(owner=interviewer)
    item = KitItem.objects.get(kit=kit, question__title="Gradient descent")
    page.get_by_role("button", name="Move “Gradient descent” up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#kit-status")).to_contain_text("to position 2 of 3")
    settled(page)
    expect(page.locator(f"#up-{item.pk}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#kit-status")).to_contain_text("to position 1 of 3")
    settled(page)
    # At the top "up" is disabled, so the keyboard moved to "down" on the same question.
    expect(page.locator(f"#down-{item.pk}")).to_be_focused()
    expect(page.locator("#kit-items .kit-item-title").first).to_have_text("Gradient descent")
    assert list(kit.items.order_by("position").values_list("question__title", flat=True)) == [
        "Gradient descent",
        "Precision and recall",
        "Bias and variance",
    ]

    # Share it.
    page.get_by_role("link", name="Share links").click()
    page.get_by_label("Label").fill("Practice for June candidates")
    page.get_by_role("button", name="Create link").click()
    url_box = page.locator("[data-share-url]").first
    expect(url_box).to_be_visible()
    share_url = url_box.input_value()
    assert re.search(r"/kits/share/[\w-]{43,}/$", share_url)
    assert_accessible(page)

    # A candidate opens the link, chooses to share, and takes the kit.
    taking = browser.new_context()
    cpage = taking.new_page()
    log_in(cpage, live_server, candidate)
    cpage.goto(share_url)
    expect(cpage.get_by_role("heading", name="ML fundamentals, round 1")).to_be_visible()
    expect(cpage.locator("main")).not_to_contain_text("One")  # no key points before starting
    assert_accessible(cpage)
    cpage.get_by_label(re.compile("Share my results with the kit's owner")).check()
    cpage.get_by_role("button", name="Start the practice interview").click()
    for n in range(3):
        expect(cpage.locator("#stage .progress")).to_contain_text(f"Question {n + 1} of 3")
        answer = cpage.get_by_role("textbox", name="Your answer")
        answer.fill(f"My answer number {n + 1}.")
        cpage.get_by_role("button", name="Submit answer").click()
        cpage.get_by_role("checkbox", name="One").check()
        cpage.get_by_role("button", name=re.compile("Good")).click()
    expect(cpage.get_by_role("heading", name=re.compile("summary"))).to_be_visible()
    expect(cpage.get_by_role("button", name="Withdraw my results")).to_be_visible()
    session = PracticeSession.objects.get(owner=candidate)
    assert (session.kit_id, session.share_results, session.status) == (kit.pk, True, "finished")
    assert set(session.attempts.values_list("allowed_seconds", flat=True)) == {240}

    # The interviewer reads the shared results.
    page.goto(live_server.url + f"/kits/{kit.pk}/results/")
    expect(page.locator("main")).to_contain_text("1 finished session shared with you")
    page.get_by_text(candidate.username).click()
    expect(page.locator("main")).to_contain_text("My answer number 1.")
    expect(page.locator("main")).to_contain_text("1 of 2 key points")
    assert_accessible(page)

    # The candidate withdraws; the results are gone.
    cpage.get_by_role("button", name="Withdraw my results").click()
    expect(
        cpage.get_by_role("button", name="Share my results with the kit's owner")
    ).to_be_visible()
    page.reload()
    expect(page.locator("main")).to_contain_text("No shared results yet")
    hiring.close()
    taking.close()
