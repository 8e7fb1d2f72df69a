"""What a person sees on the pages issue 15 polished: start form errors and estimate, abandoning,
the summary with answers open, times in the browser's zone, sign-up from a share link, and axe
on every page (admin included) with answers expanded."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from questions import services
from questions.models import PracticeSession
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import (
    make_follow_up,
    make_interviewer,
    make_kit,
    make_question,
    make_session,
    make_share_link,
    make_staff,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

RICH_ANSWER = """The loss is

$$
\\mathcal{L}(\\theta) = -\\frac{1}{N}\\sum_{i=1}^{N} \\left[ y_i \\log \\sigma(\\theta^\\top x_i)
+ (1 - y_i) \\log \\left(1 - \\sigma(\\theta^\\top x_i)\\right) \\right]
+ \\lambda \\lVert \\theta \\rVert_2^2 + \\mu \\lVert \\theta \\rVert_1
+ \\frac{\\alpha}{2} \\sum_j \\theta_j^4 + \\frac{\\beta}{3} \\sum_j \\theta_j^6
$$

```python
# A comment that must be readable: the weights shrink towards zero as lambda grows, always.
def loss(theta, x, y, lam):  # a long line so that the block scrolls sideways on a narrow page
    return -(y * log(sigmoid(x @ theta)) + (1 - y) * log(1 - sigmoid(x @ theta))).mean()
```
"""


def open_all_details(page: Page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(50)  # the toggle events mark wide boxes focusable


def test_start_form_errors_are_in_view_and_the_estimate_follows_the_filters(
    page: Page, live_server
):
    topic = make_topic(slug="dl", name="Deep learning")
    for _ in range(3):
        make_question(topic=topic, seconds=120)
    make_question(seconds=300)
    log_in(page, live_server, make_user())
    page.goto(live_server.url + "/practice/")

    minutes = page.get_by_role("spinbutton", name="Minutes")
    expect(minutes).to_be_hidden()  # each question's suggested time needs no minutes
    estimate = page.locator("#session-estimate")
    expect(estimate).to_contain_text("4 questions match")
    page.get_by_label("Deep learning").check()
    expect(estimate).to_contain_text("3 questions match; this session asks 3")
    page.get_by_label("How many questions").fill("2")
    expect(estimate).to_contain_text("this session asks 2")

    page.get_by_label("A fixed number of minutes per question").check()
    expect(minutes).to_be_visible()
    page.get_by_role("button", name="Start").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Minutes must be from 1 to 120 for this clock.")
    expect(page.get_by_text("Minutes must be from 1 to 120 for this clock.")).to_have_count(2)
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(minutes).to_be_focused()
    minutes.fill("4")
    expect(estimate).to_contain_text("estimated total time 8 min")
    page.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/practice/\d+/$"))
    assert PracticeSession.objects.get().title == "Deep learning"


def test_a_candidate_abandons_a_session_after_confirming(page: Page, live_server):
    user = make_user()
    session = make_session(user, title="Deep learning")
    log_in(page, live_server, user)
    page.goto(live_server.url + "/practice/")
    expect(page.get_by_text("started just now")).to_be_visible()
    page.get_by_role("link", name="Abandon “Deep learning”").click()
    expect(page.get_by_role("heading", name="Abandon “Deep learning”?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Abandon this session").click()
    expect(page.get_by_text("“Deep learning” was abandoned.")).to_be_visible()
    expect(page.get_by_text("Continue where you left off")).to_have_count(0)
    session.refresh_from_db()
    assert session.status == "abandoned"
    page.goto(live_server.url + "/history/")
    expect(page.get_by_role("cell", name="Abandoned")).to_be_visible()


def test_the_summary_reads_well_with_answers_open_in_the_browsers_time_zone(
    browser: Browser, live_server
):
    user = make_user()
    questions = [make_question(seconds=120, answer=RICH_ANSWER) for _ in range(3)]
    make_follow_up(question=questions[0], answer=RICH_ANSWER)
    session = make_session(user, questions=questions, title="Deep learning")
    now = timezone.now()
    first = session.attempts.get(position=1, sub=0)
    services.submit_attempt(session=session, attempt_id=first.pk, now=now, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=first.pk, grade=1, ticked=[0], now=now)
    services.finish_session(session=session, now=now)

    context = browser.new_context(timezone_id="Asia/Tokyo", viewport={"width": 420, "height": 900})
    page = context.new_page()
    log_in(page, live_server, user)
    page.goto(live_server.url + f"/practice/{session.pk}/summary/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Session summary Deep learning")
    expect(page.locator(".lead")).to_contain_text(re.compile(r"\d{2}:\d{2} JST"))
    expect(page.get_by_text(re.compile(r"^You answered 1 of 3 questions"))).to_be_visible()
    expect(page.get_by_role("button", name="Review the 3 you missed")).to_be_visible()
    open_all_details(page)
    expect(page.locator("math").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Retry this set").click()
    expect(page).to_have_url(re.compile(r"/practice/\d+/$"))
    assert PracticeSession.objects.filter(title="Deep learning (retry)").exists()
    context.close()


def test_question_pages_and_kit_guides_pass_axe_with_answers_open(page: Page, live_server):
    question = make_question(title="Regularised logistic loss", answer=RICH_ANSWER)
    make_follow_up(question=question, answer=RICH_ANSWER)
    interviewer = make_interviewer()
    kit = make_kit(interviewer, questions=[question])
    log_in(page, live_server, interviewer)
    page.set_viewport_size({"width": 420, "height": 900})
    for url in (f"/questions/{question.slug}/", f"/kits/{kit.pk}/guide/", "/kits/"):
        page.goto(live_server.url + url)
        open_all_details(page)
        assert_accessible(page)


def test_admin_pages_pass_axe(page: Page, live_server):
    question = make_question(answer=RICH_ANSWER)
    user = make_user()
    session = make_session(user, questions=[question], with_follow_ups=False)
    attempt = session.attempts.get()
    now = timezone.now()
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=2, ticked=[], now=now)
    log_in(page, live_server, make_staff())
    for url in (
        "/admin/",
        "/admin/questions/topic/",
        "/admin/questions/question/",
        f"/admin/questions/question/{question.pk}/change/",
        "/admin/questions/questionstatistics/",
    ):
        page.goto(live_server.url + url)
        open_all_details(page)
        assert_accessible(page)


def test_a_candidate_sent_from_a_share_link_signs_up_and_lands_on_the_kit(page: Page, live_server):
    kit = make_kit(make_interviewer(), title="ML system design", questions=[make_question()])
    link = make_share_link(kit)
    page.goto(live_server.url + f"/kits/share/{link.token}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("newcandidate")
    page.get_by_label("Email").fill("new@example.com")
    page.locator("#id_password1").fill("a long enough passphrase 42")
    page.locator("#id_password2").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/sent/$"))
    # The activation link in the mail carries where the person was going.
    from django.core import mail

    body = mail.outbox[-1].body
    activation = re.search(r"https?://[^/\s]+(/accounts/activate/\S+)", body).group(1)
    page.goto(live_server.url + activation)
    page.get_by_role("button").filter(has_text=re.compile("Activate", re.I)).click()
    expect(page).to_have_url(live_server.url + f"/kits/share/{link.token}/")
    expect(page.get_by_role("heading", name=re.compile("ML system design"))).to_be_visible()


def test_the_account_settings_page_passes_axe_and_saves_a_zone(page: Page, live_server):
    log_in(page, live_server, make_user())
    page.goto(live_server.url + "/account/settings/")
    assert_accessible(page)
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("12-hour (1:05 PM)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"It is now .* (AM|PM) CE"))).to_be_visible()


def test_history_progress_and_kit_list_pass_axe_in_their_new_states(page: Page, live_server):
    user = make_interviewer()
    question = make_question(level="beginner")
    session = make_session(user, questions=[question], with_follow_ups=False)
    attempt = session.attempts.get()
    now = timezone.now()
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=3, ticked=[], now=now)
    for n in range(10):
        make_kit(user, title=f"Kit {n}")
    log_in(page, live_server, user)

    page.goto(live_server.url + "/history/?start=yesterday&level=wizard")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="From: Enter a date like 1 Dec 2026.")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/progress/")
    expect(page.get_by_text("Too few weeks with graded answers")).to_be_visible()
    expect(page.get_by_text("Answers a day:")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/kits/?q=Kit")
    expect(page.get_by_text("10 kits match “Kit”")).to_be_visible()
    assert_accessible(page)
