"""Hiring teams in a real browser: a whole loop (team, invitations, live interviews, independent
feedback, debrief with the disagreement flag), and the failure paths of the notes autosave."""

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from questions.models import Candidate, Kit, Loop, Scorecard, ScorecardItem
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import (
    make_candidate,
    make_interviewer,
    make_kit,
    make_loop,
    make_question,
    make_scorecard,
    make_team,
)

pytestmark = pytest.mark.django_db(transaction=True)
STATUS = "[data-save-status]"


def wait_for(condition, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def interview(page: Page, *, ticks: list[str], rating: str, notes: str) -> None:
    """On the live screen: tick key points, rate with a key, write notes, move on with `j`."""
    for text in ticks:
        page.get_by_label(re.compile(re.escape(text))).first.check()
    expect(page.locator("[data-rubric-status]")).to_have_text("Saved")
    page.locator("body").click()
    page.keyboard.press(rating)
    expect(page.locator(f'[data-rating="{rating}"]')).to_be_checked()
    expect(page.locator("[data-rubric-status]")).to_have_text("Saved")
    page.keyboard.press("/")
    page.keyboard.type(notes)
    expect(page.locator(STATUS)).to_contain_text("Saved at")


def submit_scorecard(page: Page, competencies: dict[str, str], recommendation: str) -> None:
    page.get_by_role("link", name=re.compile("Finish and submit")).click()
    # Without a rationale: refused, with the reason, nothing stored.
    for name, value in competencies.items():
        page.get_by_label(f"{value} for {name}").check()
    page.get_by_label(recommendation, exact=True).check()
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_role("heading", name="The scorecard was not submitted")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Rationale (required)").fill(f"{recommendation}: evidence in the notes.")
    for name, value in competencies.items():
        page.get_by_label(f"{value} for {name}").check()
    page.get_by_label(recommendation, exact=True).check()
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text("Scorecard submitted.")).to_be_visible()


def test_a_whole_loop_from_team_to_debrief(browser: Browser, live_server):
    manager = make_interviewer(username="maria")
    ann = make_interviewer(username="ann")
    bob = make_interviewer(username="bob")
    for n, title in enumerate(("Fundamentals", "System design", "Coding"), 1):
        question = make_question(
            title=f"{title} question",
            key_points=[f"{title} point A", f"{title} point B"],
            key_point_weights=["must", "should"],
            red_flags=[f"{title} red flag"],
        )
        make_kit(manager, title=f"Round {n}: {title}", questions=[question])

    # The manager creates the team and a loop of three rounds, then gives the loop to the team.
    boss = browser.new_context().new_page()
    log_in(boss, live_server, manager)
    boss.get_by_role("link", name="Teams").click()
    boss.get_by_label("Name").fill("ML platform hiring")
    boss.get_by_role("button", name="Create team").click()
    expect(boss.get_by_role("heading", name="ML platform hiring")).to_be_visible()
    assert_accessible(boss)
    boss.goto(live_server.url + "/kits/loops/new/")
    boss.get_by_label("Name").fill("Senior MLE")
    boss.get_by_role("button", name="Create loop").click()
    for n, title in enumerate(("Fundamentals", "System design", "Coding"), 1):
        kit = Kit.objects.get(title__endswith=title)
        boss.get_by_label(f"Kit for round {n}").select_option(value=str(kit.pk))
        boss.get_by_role("button", name="Add round").click()
        expect(boss.locator("#rounds .loop-round")).to_have_count(n)
    boss.get_by_role("button", name="Move into the team").click()
    expect(boss.get_by_role("heading", name="Senior MLE")).to_be_visible()  # the hiring plan
    loop = Loop.objects.get(name="Senior MLE")
    assert loop.team.name == "ML platform hiring"
    assert Kit.objects.filter(team=loop.team).count() == 3
    for position in (1, 2, 3):
        boss.get_by_label("Competencies it assesses").nth(position - 1).fill(
            "ML fundamentals, Communication"
        )
        boss.get_by_role("button", name=f"Save round {position}").click()
        expect(boss.get_by_text("Round saved.")).to_be_visible()
    assert_accessible(boss)

    # Two interviewers: Ann by username, Bob by link.
    boss.goto(live_server.url + loop.team.get_absolute_url())
    boss.get_by_label("Username").fill("ann")
    boss.get_by_role("button", name="Invite", exact=True).click()
    expect(boss.get_by_text("Invited ann")).to_be_visible()
    boss.get_by_role("button", name="Create link").click()
    link = boss.get_by_label("Invitation link").input_value()
    boss.get_by_label("Name", exact=True).fill("Ada Lovelace")
    boss.get_by_label("Loop", exact=True).select_option(label="Senior MLE")
    boss.get_by_role("button", name="Add candidate").click()
    expect(boss.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    candidate = Candidate.objects.get()

    ann_page = browser.new_context().new_page()
    log_in(ann_page, live_server, ann)
    ann_page.goto(live_server.url + "/teams/")
    ann_page.get_by_role("button", name=re.compile("Join")).click()
    expect(ann_page.get_by_text("You joined ML platform hiring.")).to_be_visible()
    bob_page = browser.new_context().new_page()
    log_in(bob_page, live_server, bob)
    bob_page.goto(link)
    bob_page.get_by_role("button", name="Join the team").click()
    expect(bob_page.get_by_text("You joined ML platform hiring.")).to_be_visible()

    # Ann interviews round 1, Bob round 2, the same candidate.
    ann_page.goto(live_server.url + candidate.get_absolute_url())
    ann_page.get_by_role("button", name="Start the live interview for round 1").click()
    expect(ann_page.get_by_text("Question 1 of 1")).to_be_visible()
    assert_accessible(ann_page)
    interview(
        ann_page,
        ticks=["Fundamentals point A", "Fundamentals point B"],
        rating="4",
        notes="Clear and complete.",
    )
    bob_page.goto(live_server.url + candidate.get_absolute_url())
    bob_page.get_by_role("button", name="Start the live interview for round 2").click()
    interview(bob_page, ticks=["System design red flag"], rating="1", notes="Struggled.")

    submit_scorecard(ann_page, {"ML fundamentals": "4", "Communication": "4"}, "Strong yes")

    # Bob sees nothing of Ann's until he submits.
    bob_page.goto(live_server.url + candidate.get_absolute_url())
    expect(bob_page.get_by_text("Hidden until you submit your own scorecard")).to_be_visible()
    expect(bob_page.locator("body")).not_to_contain_text("Strong yes")
    expect(bob_page.locator("body")).not_to_contain_text("Clear and complete")
    bob_page.goto(live_server.url + f"/teams/candidates/{candidate.pk}/debrief/")
    expect(bob_page.get_by_role("heading", name="Submit your own scorecard first")).to_be_visible()
    expect(bob_page.locator("body")).not_to_contain_text("Strong yes")
    bob_page.goto(live_server.url + Scorecard.objects.get(interviewer=bob).get_absolute_url())
    submit_scorecard(bob_page, {"ML fundamentals": "1", "Communication": "3"}, "No")
    bob_page.get_by_role("link", name="Debrief", exact=True).click()
    expect(bob_page.locator("body")).to_contain_text("Clear and complete.")

    # The manager's debrief shows both, with the disagreement flag.
    boss.goto(live_server.url + candidate.get_absolute_url())
    boss.get_by_role("link", name="Debrief", exact=True).click()
    expect(boss.get_by_role("heading", name="Debrief: Ada Lovelace")).to_be_visible()
    table = boss.locator(".debrief-table")
    expect(table).to_contain_text("ann")
    expect(table).to_contain_text("bob")
    expect(table.locator(".debrief-disagree")).to_contain_text("ML fundamentals")
    expect(table.locator("[data-disagreement]")).to_have_text("Differ by 3")
    expect(boss.get_by_text("Interviewers differ by 3 points on “ML fundamentals”")).to_be_visible()
    assert_accessible(boss)
    boss.goto(live_server.url + f"/teams/{loop.team.pk}/calibration/")
    expect(boss.get_by_role("heading", name="Calibration")).to_be_visible()
    assert_accessible(boss)


# The notes autosave's failure paths ---------------------------------------------------------------


@pytest.fixture
def live(db):
    manager, interviewer = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[interviewer])
    question = make_question(key_points=["One", "Two"])
    kit = make_kit(manager, team=team, questions=[question])
    loop = make_loop(manager, team=team, kits=[kit])
    candidate = make_candidate(team, loop=loop)
    scorecard = make_scorecard(candidate, loop.rounds.get(), interviewer)
    return interviewer, scorecard


def notes_of(scorecard) -> ScorecardItem:
    return ScorecardItem.objects.get(scorecard=scorecard, position=1)


def test_a_notes_save_whose_response_is_lost_is_not_a_conflict(page: Page, live_server, live):
    interviewer, scorecard = live
    log_in(page, live_server, interviewer)
    page.goto(live_server.url + scorecard.get_absolute_url())
    dropped = []

    def drop_first_response(route):
        if dropped:
            route.continue_()
            return
        route.fetch()
        dropped.append(True)
        route.abort("connectionreset")

    page.route("**/notes/", drop_first_response)
    box = page.get_by_label(re.compile("^Notes"))
    box.fill("Saved, never acknowledged.")
    expect(page.locator(STATUS)).to_contain_text("Not saved")
    wait_for(lambda: notes_of(scorecard).revision == 1)
    box.press("End")
    box.type(" More.")
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    expect(page.locator("[data-conflict]")).to_have_count(0)
    assert notes_of(scorecard).notes == "Saved, never acknowledged. More."


def test_offline_notes_are_kept_and_saved_when_back_online(page: Page, live_server, live):
    interviewer, scorecard = live
    log_in(page, live_server, interviewer)
    page.goto(live_server.url + scorecard.get_absolute_url())
    page.context.set_offline(True)
    page.get_by_label(re.compile("^Notes")).fill("Typed on a train.")
    expect(page.locator(STATUS)).to_contain_text("offline")
    assert notes_of(scorecard).notes == ""
    page.context.set_offline(False)
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=15_000)
    assert notes_of(scorecard).notes == "Typed on a train."


def test_two_tabs_show_both_notes_and_the_choice_is_saved(browser: Browser, live_server, live):
    interviewer, scorecard = live
    context = browser.new_context()
    first = context.new_page()
    log_in(first, live_server, interviewer)
    first.goto(live_server.url + scorecard.get_absolute_url())
    second = context.new_page()
    second.goto(live_server.url + scorecard.get_absolute_url())
    first.get_by_label(re.compile("^Notes")).fill("From the first tab.")
    expect(first.locator(STATUS)).to_contain_text("Saved at")
    second.get_by_label(re.compile("^Notes")).fill("From the second tab.")
    panel = second.locator("[data-conflict]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-conflict-theirs]")).to_have_text("From the first tab.")
    expect(panel.locator("[data-conflict-mine]")).to_have_text("From the second tab.")
    assert notes_of(scorecard).notes == "From the first tab."
    assert_accessible(second)
    panel.get_by_role("button", name="Keep both").click()
    expect(second.locator(STATUS)).to_contain_text("Saved at")
    item = notes_of(scorecard)
    assert "From the first tab." in item.notes and "From the second tab." in item.notes
    # The first tab, back in focus, takes the newer text (it has nothing unsaved).
    first.bring_to_front()
    first.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(first.get_by_label(re.compile("^Notes"))).to_have_value(item.notes)
    context.close()


def test_an_expired_login_keeps_the_notes_and_saves_after_logging_in_again(
    browser: Browser, live_server, live
):
    interviewer, scorecard = live
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, interviewer)
    page.goto(live_server.url + scorecard.get_absolute_url())
    context.clear_cookies(name="sessionid")
    page.get_by_label(re.compile("^Notes")).fill("Typed after the login expired.")
    expect(page.locator(STATUS)).to_contain_text("logged out")
    expect(page.get_by_label(re.compile("^Notes"))).to_have_value("Typed after the login expired.")
    assert notes_of(scorecard).notes == ""
    other = context.new_page()
    log_in(other, live_server, interviewer)
    expect(page.locator(STATUS)).to_contain_text("Saved at", timeout=20_000)
    assert notes_of(scorecard).notes == "Typed after the login expired."
    context.close()


def test_back_to_a_question_shows_its_saved_notes_and_saves_nothing_over_them(
    page: Page, live_server, live
):
    interviewer, scorecard = live
    log_in(page, live_server, interviewer)
    page.goto(live_server.url + scorecard.get_absolute_url())
    page.get_by_label(re.compile("^Notes")).fill("Before moving on.")
    expect(page.locator(STATUS)).to_contain_text("Saved at")
    page.get_by_role("link", name=re.compile("Finish and submit")).click()
    expect(page.get_by_role("heading", name=re.compile("Scorecard:"))).to_be_visible()
    page.go_back()
    expect(page.get_by_label(re.compile("^Notes"))).to_have_value("Before moving on.")
    expect(page.locator("[data-conflict]")).to_have_count(0)
    item = notes_of(scorecard)
    assert (item.notes, item.revision) == ("Before moving on.", 1)


def test_moving_on_with_unsaved_notes_saves_them_first(page: Page, live_server, db):
    manager, interviewer = make_interviewer(), make_interviewer()
    team = make_team(manager, members=[interviewer])
    kit = make_kit(manager, team=team, questions=[make_question(), make_question()])
    loop = make_loop(manager, team=team, kits=[kit])
    scorecard = make_scorecard(make_candidate(team, loop=loop), loop.rounds.get(), interviewer)
    log_in(page, live_server, interviewer)
    page.goto(live_server.url + scorecard.get_absolute_url())
    page.get_by_label(re.compile("^Notes")).fill("Typed just before pressing j.")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()
    assert notes_of(scorecard).notes == "Typed just before pressing j."
