"""The practice pages a person touches: errors in view, estimates, titles, abandoning, summaries."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from questions import services
from questions.abandon import ABANDONED, abandon_session
from questions.models import PracticeSession, ReviewCard, ReviewLog
from questions.models.practice import AttemptState, Clock
from questions.templatetags.timefmt import ago, format_duration
from tests.factories import make_follow_up, make_question, make_session, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def grade_all(session, grade: int, now=None) -> None:
    now = now or timezone.now()
    for attempt in session.attempts.order_by("position", "sub"):
        services.submit_attempt(
            session=session, attempt_id=attempt.pk, now=now, text="An answer", base=0
        )
        services.grade_attempt(
            session=session, attempt_id=attempt.pk, grade=grade, ticked=[0], now=now
        )


# Errors in view -------------------------------------------------------------------------------


def test_fixed_minutes_without_minutes_puts_one_linked_message_in_a_summary_at_the_top(
    owner_client,
):
    make_question()
    response = owner_client.post("/practice/", {"count": 5, "clock": Clock.PER_QUESTION})
    assert response.status_code == 422
    body = response.content.decode()
    summary = body[
        body.index('id="error-summary"') : body.index("</div>", body.index("error-summary"))
    ]
    assert 'href="#id_minutes"' in summary
    assert "Minutes must be from 1 to 120 for this clock." in summary
    # The summary comes before everything else on the page, the form's fields after it.
    assert body.index('id="error-summary"') < body.index('name="topics"')
    assert body.count("Minutes must be from 1 to 120") == 2  # in the summary and at the field
    assert "<title>Error: " in body


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Minutes must be from 1 to 120."),
        ("121", "Minutes must be from 1 to 120."),
        ("ten", "Minutes must be a whole number."),
    ],
)
def test_bad_minutes_get_one_message_in_the_apps_words(owner_client, minutes, message):
    make_question()
    response = owner_client.post(
        "/practice/", {"count": 5, "clock": Clock.SESSION, "minutes": minutes}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert body.count(message) == 2
    assert "for this clock" not in body
    assert "Ensure this value" not in body


def test_minutes_typed_for_a_clock_without_minutes_are_ignored(owner_client):
    make_question()
    response = owner_client.post(
        "/practice/", {"count": 1, "clock": Clock.SUGGESTED, "minutes": "banana"}
    )
    assert response.status_code == 302
    assert PracticeSession.objects.get().minutes is None


def test_tampered_filters_are_refused_in_words_not_a_500(owner_client):
    response = owner_client.post(
        "/practice/", {"count": "5", "clock": "suggested", "levels": ["wizard"], "topics": ["x"]}
    )
    assert response.status_code == 422
    assert "Choose from the list." in response.content.decode()


# The estimate ---------------------------------------------------------------------------------


def test_the_estimate_counts_matching_questions_and_their_time(owner_client):
    topic = make_topic(slug="dl", name="Deep learning")
    for _ in range(3):
        question = make_question(topic=topic, seconds=120)
        make_follow_up(question=question)
    make_question(seconds=600)  # another topic
    response = owner_client.get(
        "/practice/estimate/",
        {"topics": ["dl"], "count": 2, "clock": "suggested", "follow_ups": "on"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    # 2 of 3 questions at 2 min, and their 2 follow-ups at 1 min each: 6 minutes.
    assert text.strip() == (
        "3 questions match; this session asks 2 and about 2 follow-ups; estimated total time 6 min."
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"clock": "per-question", "minutes": "5"}, "estimated total time 10 min"),
        ({"clock": "session", "minutes": "45"}, "estimated total time 45 min"),
        ({"clock": "untimed"}, "untimed (about 4 min at suggested times)"),
        ({"clock": "suggested", "count": "x"}, "this session asks 2;"),
    ],
)
def test_the_estimate_follows_the_clock(owner_client, params, expected):
    for _ in range(2):
        make_question(seconds=120)
    response = owner_client.get(
        "/practice/estimate/", {"count": 5, **params}, headers={"HX-Request": "true"}
    )
    assert expected in response.content.decode()


def test_the_estimate_says_when_nothing_matches_and_the_start_page_shows_it(owner_client):
    response = owner_client.get(
        "/practice/estimate/", {"kinds": ["coding"], "count": 5}, headers={"HX-Request": "true"}
    )
    assert "No published questions match" in response.content.decode()
    make_question()
    page = owner_client.get("/practice/").content.decode()
    assert "1 question match" in page


def test_the_estimate_is_for_signed_in_htmx_requests(owner_client):
    assert Client().get("/practice/estimate/").status_code == 302
    response = owner_client.get("/practice/estimate/")
    assert response.status_code == 302
    assert response["Location"] == "/practice/"


# Titles and times -----------------------------------------------------------------------------


def test_a_session_is_named_after_its_topics(owner_client):
    dl = make_topic(slug="dl", name="Deep learning", position=1)
    nlp = make_topic(slug="nlp", name="NLP", position=2)
    make_question(topic=dl)
    make_question(topic=nlp)
    owner_client.post("/practice/", {"count": 5, "clock": "untimed", "topics": ["dl"]})
    owner_client.post("/practice/", {"count": 5, "clock": "untimed", "topics": ["nlp", "dl"]})
    titles = list(PracticeSession.objects.order_by("pk").values_list("title", flat=True))
    assert titles == ["Deep learning", "Deep learning and NLP"]


def test_a_session_over_many_topics_names_two_and_counts_the_rest(owner_client):
    for n in range(4):
        make_question(topic=make_topic(name=f"T{n}", position=n))
    owner_client.post("/practice/", {"count": 5, "clock": "untimed"})
    assert PracticeSession.objects.get().title == "Mixed topics: T0, T1 and 2 more"


def test_times_under_a_minute_read_just_now():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5\xa0minutes ago"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (173, "2 min 53 s"),
        (180, "3 min"),
        (3900, "1 h 5 min"),
        (7200, "2 h"),
        (timedelta(seconds=61), "1 min 1 s"),
        (None, ""),
    ],
)
def test_one_duration_format_for_the_whole_app(seconds, text):
    assert format_duration(seconds) == text


def test_the_start_page_says_just_now_for_a_session_started_this_minute(owner, owner_client):
    make_session(owner, title="Deep learning")
    body = owner_client.get("/practice/").content.decode()
    assert "started just now" in body
    assert "0\xa0minutes ago" not in body


# Abandoning -----------------------------------------------------------------------------------


def test_abandoning_asks_first_then_closes_the_session_and_keeps_it_in_history(owner, owner_client):
    session = make_session(owner, title="Deep learning")
    page = owner_client.get(f"/practice/{session.pk}/abandon/")
    assert page.status_code == 200
    assert "Abandon “Deep learning”?" in page.content.decode()
    session.refresh_from_db()
    assert session.is_open  # asking changes nothing

    response = owner_client.post(f"/practice/{session.pk}/abandon/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == ABANDONED
    assert session.finished_at is not None
    history = owner_client.get("/history/").content.decode()
    assert "Deep learning" in history and "Abandoned" in history
    # The session page now goes to the summary; the answers stay readable.
    assert owner_client.get(f"/practice/{session.pk}/")["Location"].endswith("/summary/")
    assert owner_client.get(f"/practice/{session.pk}/summary/").status_code == 200


def test_abandoning_is_for_the_owner_only(owner):
    session = make_session(owner)
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.get(f"/practice/{session.pk}/abandon/").status_code == 404
    assert outsider.post(f"/practice/{session.pk}/abandon/").status_code == 404
    assert Client().post(f"/practice/{session.pk}/abandon/").status_code == 302
    session.refresh_from_db()
    assert session.is_open


def test_a_finished_session_cannot_be_abandoned(owner, owner_client):
    session = make_session(owner)
    services.finish_session(session=session, now=timezone.now())
    response = owner_client.post(f"/practice/{session.pk}/abandon/")
    assert response["Location"].endswith("/summary/")
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.FINISHED
    assert abandon_session(session=session, now=timezone.now()) is False


def test_an_abandoned_sessions_grades_leave_the_review_log_and_cards_are_rebuilt(owner):
    question = make_question(seconds=120)
    earlier = make_session(
        owner, questions=[question], with_follow_ups=False, now=timezone.now() - timedelta(days=3)
    )
    grade_all(earlier, grade=3, now=timezone.now() - timedelta(days=3))
    services.finish_session(session=earlier, now=timezone.now() - timedelta(days=3))
    card_before = ReviewCard.objects.get(owner=owner, question=question)
    snapshot = (card_before.due, card_before.stability, card_before.reps, card_before.lapses)

    later = make_session(owner, questions=[question, make_question()], with_follow_ups=False)
    first = later.attempts.get(position=1)
    if first.question_id != question.pk:  # the order is as given
        raise AssertionError("unexpected order")
    services.submit_attempt(
        session=later, attempt_id=first.pk, now=timezone.now(), text="a", base=0
    )
    services.grade_attempt(
        session=later, attempt_id=first.pk, grade=1, ticked=[], now=timezone.now()
    )
    card = ReviewCard.objects.get(owner=owner, question=question)
    assert (card.reps, card.lapses) == (2, 1)

    assert abandon_session(session=later, now=timezone.now())
    assert not ReviewLog.objects.filter(attempt__session=later).exists()
    assert ReviewLog.objects.filter(attempt__session=earlier).count() == 1
    card.refresh_from_db()
    assert card.due == snapshot[0]
    assert card.stability == pytest.approx(snapshot[1])
    assert (card.reps, card.lapses) == snapshot[2:]


def test_a_card_only_an_abandoned_session_made_is_deleted(owner, owner_client):
    session = make_session(owner, follow_ups=1)
    first = session.attempts.get(sub=0)
    services.submit_attempt(
        session=session, attempt_id=first.pk, now=timezone.now(), text="a", base=0
    )
    services.grade_attempt(
        session=session, attempt_id=first.pk, grade=4, ticked=[], now=timezone.now()
    )
    assert ReviewCard.objects.filter(owner=owner).count() == 1
    owner_client.post(f"/practice/{session.pk}/abandon/")
    assert not ReviewCard.objects.filter(owner=owner).exists()
    states = dict(session.attempts.values_list("sub", "state"))
    assert states == {0: AttemptState.GRADED, 1: AttemptState.SUBMITTED}


def test_abandon_by_htmx_moves_to_the_start_page(owner, owner_client):
    session = make_session(owner)
    response = owner_client.post(f"/practice/{session.pk}/abandon/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/practice/"
    assert re.search("abandoned", str(PracticeSession.objects.get().status))


# The summary ----------------------------------------------------------------------------------


def _answer(session, attempt, text: str, grade: int | None, *, peek: bool = False, at=None):
    at = at or timezone.now()
    services.submit_attempt(
        session=session, attempt_id=attempt.pk, now=at, text=text, base=0, peeked=peek
    )
    if grade:
        services.grade_attempt(
            session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=at
        )


def test_averages_round_half_up_and_name_a_grade_between_two():
    from questions.summaries import average_grade

    def shown(grades: list[int]) -> tuple[str, str]:
        mean, label = average_grade(grades)
        return str(mean), label

    assert shown([3, 4]) == ("3.5", "Good to Easy")
    assert shown([2, 3]) == ("2.5", "Hard to Good")
    assert shown([3, 3, 4, 4, 4, 4, 4, 4]) == ("3.8", "Easy")
    assert shown([3, 3, 4]) == ("3.3", "Good")
    assert shown([1, 2, 2, 2]) == ("1.8", "Hard")
    assert shown([1, 1, 1, 1, 1, 1, 1, 2]) == ("1.1", "Again")
    assert average_grade([]) == (None, "")


def test_the_summary_has_one_title_a_headline_and_honest_counts(owner, owner_client):
    questions = [make_question(seconds=120) for _ in range(4)]
    make_follow_up(question=questions[0])
    session = make_session(owner, questions=questions, title="Practice: Dropout")
    attempts = {(a.position, a.sub): a for a in session.attempts.all()}
    _answer(session, attempts[(1, 0)], "A real answer", 4)
    services.skip_follow_ups(session=session, position=1, now=timezone.now())
    _answer(session, attempts[(2, 0)], "   ", 3)  # empty: not answered
    _answer(session, attempts[(3, 0)], "Peeked one", 3, peek=True)
    services.finish_session(session=session, now=timezone.now())

    body = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    assert "Practice: Dropout: summary" not in body
    assert re.search(r"<h1>.*Session summary.*Practice: Dropout(</bdi>)?</h1>", body)
    assert "You answered 1 of 4 questions; 3 graded Good or Easy; 1 after peeking" in body
    # Question 4 was open, unanswered, when the session was finished.
    assert "Submitted empty: 2" in body
    assert "Answered after peeking: 1" in body
    assert "Skipped: 1" in body
    assert "of 9 min allowed" in body  # four questions of 2 min and a follow-up of 1 min
    assert "Average grade: 3.3 of 4 (Good)" in body
    assert "Review the 3 you missed" in body
    assert "Retry this set" in body


def test_review_the_missed_ones_starts_a_session_on_them_only(owner, owner_client):
    questions = [make_question(seconds=120) for _ in range(3)]
    session = make_session(owner, questions=questions, with_follow_ups=False, title="Deep learning")
    attempts = list(session.attempts.order_by("position"))
    _answer(session, attempts[0], "good", 3)
    _answer(session, attempts[1], "weak", 1)
    services.finish_session(session=session, now=timezone.now())

    response = owner_client.post(f"/practice/{session.pk}/retry/", {"which": "missed"})
    retry = PracticeSession.objects.exclude(pk=session.pk).get()
    assert response["Location"] == retry.get_absolute_url()
    assert retry.title == "Deep learning (missed questions)"
    assert [a.question_id for a in retry.attempts.order_by("position")] == [
        questions[1].pk,
        questions[2].pk,
    ]
    owner_client.post(f"/practice/{retry.pk}/retry/", {"which": "all"})
    again = PracticeSession.objects.order_by("-pk").first()
    assert again.title == "Deep learning (retry)"
    assert again.question_count == 2


def test_retrying_is_for_the_owner_only_and_needs_questions_still_in_the_bank(owner, owner_client):
    question = make_question()
    session = make_session(owner, questions=[question], with_follow_ups=False)
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.post(f"/practice/{session.pk}/retry/").status_code == 404
    assert owner_client.get(f"/practice/{session.pk}/retry/").status_code == 405
    question.status = question.Status.RETIRED
    question.save()
    response = owner_client.post(f"/practice/{session.pk}/retry/")
    assert response["Location"].endswith("/summary/")
    assert PracticeSession.objects.count() == 1


def test_an_abandoned_sessions_summary_says_so_and_offers_next_steps(owner, owner_client):
    session = make_session(owner, title="Deep learning")
    abandon_session(session=session, now=timezone.now())
    body = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    assert "Abandoned ·" in body
    assert "Retry this set" in body


def test_questions_never_reached_add_nothing_to_the_time_allowed(owner, owner_client):
    questions = [make_question(seconds=120), make_question(seconds=600)]
    session = make_session(owner, questions=questions, with_follow_ups=False)
    services.finish_session(session=session, now=timezone.now())
    body = owner_client.get(f"/practice/{session.pk}/summary/").content.decode()
    assert "of 2 min allowed" in body
    assert "You answered 0 of 2 questions." in body
    assert "Not reached" in body


# History filters ------------------------------------------------------------------------------


def test_history_dates_are_typed_and_shown_the_way_the_app_prints_them(owner, owner_client):
    make_session(owner, title="Today's session")
    today = timezone.localdate()
    for typed in (f"{today.day} {today:%b %Y}", today.isoformat(), f"{today:%d/%m/%Y}"):
        body = owner_client.get("/history/", {"start": typed, "end": typed}).content.decode()
        assert "Today&#x27;s session" in body
        assert f'value="{typed}"' in body  # as typed
        assert 'type="date"' not in body


def test_a_bad_history_filter_is_named_by_its_label_once(owner_client):
    body = owner_client.get("/history/", {"start": "yesterday"}).content.decode()
    assert body.count("Enter a date like 1 Dec 2026.") == 1
    assert '<a href="#id_start">From: Enter a date like 1 Dec 2026.</a>' in body
    assert "“start”" not in body
    assert 'aria-invalid="true"' in body


# Sharing: the way back after signing up ------------------------------------------------------


def test_signing_up_from_the_login_page_keeps_where_the_person_was_going():
    client = Client()
    login_page = client.get("/accounts/login/", {"next": "/kits/share/abc/"}).content.decode()
    assert 'href="/accounts/signup/?next=/kits/share/abc/"' in login_page
    signup_page = client.get("/accounts/signup/", {"next": "/kits/share/abc/"}).content.decode()
    assert 'name="next" value="/kits/share/abc/"' in signup_page
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcandidate",
            "email": "new@example.com",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "next": "/kits/share/abc/",
        },
    )
    assert response["Location"] == "/accounts/signup/sent/"
    assert activate_from_mail(client)["Location"] == "/kits/share/abc/"


def activate_from_mail(client):
    """Open the activation link of the last mail and press its button."""
    import re

    from django.core import mail

    link = re.search(r"https?://[^/\s]+(/accounts/activate/\S+)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    return client.post(link)


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_signing_up_never_sends_anyone_to_another_site(target):
    client = Client()
    client.post(
        "/accounts/signup/",
        {
            "username": "newcandidate",
            "email": "new@example.com",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "next": target,
        },
    )
    assert activate_from_mail(client)["Location"] == "/"


# The kit list ---------------------------------------------------------------------------------


def test_a_long_kit_list_is_paginated_and_searchable(django_assert_max_num_queries):
    from tests.factories import make_interviewer, make_kit

    interviewer = make_interviewer()
    client = Client()
    client.force_login(interviewer)
    short = client.get("/kits/").content.decode()
    assert 'type="search"' not in short  # nothing to search yet
    for n in range(25):
        make_kit(interviewer, title=f"Kit {n:02d}", round="System design" if n % 5 == 0 else "")
    with django_assert_max_num_queries(10):
        first = client.get("/kits/").content.decode()
    assert "Page 1 of 2" in first
    assert first.count('class="kit-table"') == 1
    second = client.get("/kits/", {"page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    assert "Kit 00" in first + second
    found = client.get("/kits/", {"q": "system"}).content.decode()
    assert "5 kits match “system”" in found
    assert "Page 1" not in found
    nothing = client.get("/kits/", {"q": "zebra", "page": "abc"}).content.decode()
    assert "No kit matches “zebra”" in nothing


# Admin ----------------------------------------------------------------------------------------


def test_admin_statistics_have_one_link_per_question_and_topic_positions_are_labelled():
    from tests.factories import make_staff

    question = make_question(title="Bias and variance")
    session = make_session(make_user(), questions=[question], with_follow_ups=False)
    attempt = session.attempts.get()
    now = timezone.now()
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=3, ticked=[], now=now)
    services.finish_session(session=session, now=now)
    client = Client()
    client.force_login(make_staff())
    stats = client.get("/admin/questions/questionstatistics/").content.decode()
    assert f"questionstatistics/{question.pk}/change" not in stats
    assert (
        f'<a href="/admin/questions/question/{question.pk}/change/">Bias and variance</a>' in stats
    )
    assert "3.00 (Good)" in stats
    topics = client.get("/admin/questions/topic/").content.decode()
    assert f'aria-label="Position of {question.topic.name}"' in topics


def test_the_dashboard_offers_to_abandon_an_open_session_and_marks_closed_ones(owner, owner_client):
    open_one = make_session(owner, title="Open one")
    closed = make_session(owner, title="Closed one")
    abandon_session(session=closed, now=timezone.now())
    body = owner_client.get("/").content.decode()
    assert f'href="/practice/{open_one.pk}/abandon/"' in body
    assert '<span class="badge">Abandoned</span>' in body
