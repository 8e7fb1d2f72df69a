"""Downloads in Anki, Moodle XML, GIFT and CSV: who gets what, names and types, streaming, query
counts, rate limits, and the links on the pages."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.utils import timezone

from questions.formats import csvfile
from questions.models import ReviewCard
from tests.factories import (
    make_follow_up,
    make_interviewer,
    make_kit,
    make_question,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_slugs(response) -> list[str]:
    text = body(response).decode("utf-8-sig")
    return [row["slug"] for row in csv.DictReader(io.StringIO(text, newline=""))]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def bank():
    stats = make_topic(slug="stats", name="Statistics")
    ml = make_topic(slug="ml", name="ML")
    questions = [
        make_question(topic=stats, slug="bayes", title="Bayes", level="beginner", position=0),
        make_question(topic=stats, slug="p-values", level="intermediate", position=1),
        make_question(
            topic=ml, slug="overfitting", title="Overfitting", level="experienced", kind="scenario"
        ),
        make_question(topic=ml, slug="draft-one", status="draft"),
    ]
    make_follow_up(question=questions[0])
    return questions


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename"),
    [
        ("apkg", "application/octet-stream", "interviewprep-bank.apkg"),
        ("xml", "application/xml; charset=utf-8", "interviewprep-bank.xml"),
        ("gift", "text/plain; charset=utf-8", "interviewprep-bank.gift.txt"),
        ("csv", "text/csv; charset=utf-8", "interviewprep-bank.csv"),
    ],
)
def test_the_bank_downloads_in_every_format_with_a_name_and_type(bank, fmt, content_type, filename):
    response = Client().get(f"/questions/export.{fmt}")
    assert response.status_code == 200
    assert isinstance(response, FileResponse | StreamingHttpResponse)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    data = body(response)
    if fmt == "apkg":
        assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["collection.anki2", "media"]
    else:
        assert b"draft-one" not in data  # published questions only
        assert b"overfitting" in data


def test_the_bank_download_is_every_published_question_in_bank_order(bank):
    response = Client().get("/questions/export.csv")
    assert csv_slugs(response) == ["bayes", "p-values", "overfitting"]


def test_a_topic_downloads_under_its_own_name(bank):
    response = Client().get("/questions/export.xml?topic=stats")
    assert response["Content-Disposition"] == 'attachment; filename="interviewprep-stats.xml"'
    text = body(response).decode()
    assert "<idnumber>bayes</idnumber>" in text and "overfitting" not in text


def test_a_search_result_downloads_what_the_browser_shows(bank):
    response = Client().get("/questions/export.csv?q=overfitting&kind=scenario")
    assert response["Content-Disposition"] == 'attachment; filename="interviewprep-search.csv"'
    assert csv_slugs(response) == ["overfitting"]
    response = Client().get("/questions/export.csv?level=beginner")
    assert csv_slugs(response) == ["bayes"]


@pytest.mark.parametrize("query", ["topic=nope", "level=expert", "tag=Not%20a%20tag"])
def test_a_filter_that_does_not_exist_is_a_bad_request_not_the_whole_bank(bank, query):
    response = Client().get(f"/questions/export.csv?{query}")
    assert response.status_code == 400


def test_an_unknown_format_is_not_found(bank):
    assert Client().get("/questions/export.pdf").status_code == 404
    assert Client().get("/questions/export.").status_code == 404


def test_the_export_reads_the_bank_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(40):
        question = make_question(slug=f"q-{n}")
        make_follow_up(question=question)
        make_follow_up(question=question, parent=question.follow_ups.get())
    client = Client()
    for fmt in ("csv", "xml", "gift", "apkg"):
        # The rate-limit counter in the database cache (about 15), the topics for the filters,
        # the questions, and their follow-ups: none per question.
        with django_assert_max_num_queries(20):
            response = client.get(f"/questions/export.{fmt}")
            assert b"q-39" in body(response) or fmt == "apkg"


def test_downloads_are_rate_limited(bank, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": "2/h"}
    client = Client()
    assert client.get("/questions/export.csv").status_code == 200
    assert client.get("/questions/export.apkg").status_code == 200
    limited = client.get("/questions/export.csv")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_a_signed_in_download_is_never_cached(bank):
    response = login(make_user()).get("/questions/export.csv")
    assert "no-store" in response["Cache-Control"]


# Kits -----------------------------------------------------------------------------------------


def test_a_kit_downloads_in_kit_order_for_its_owner_only(bank):
    owner = make_interviewer()
    kit = make_kit(owner, questions=[bank[2], bank[3], bank[0]], title="ML screen: round 1")
    response = login(owner).get(f"/kits/{kit.pk}/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ml-screen-round-1.csv"'
    assert csv_slugs(response) == ["overfitting", "draft-one", "bayes"]
    assert "no-store" in response["Cache-Control"]
    assert login(make_interviewer()).get(f"/kits/{kit.pk}/export.csv").status_code == 404
    assert login(make_user()).get(f"/kits/{kit.pk}/export.apkg").status_code == 403
    assert Client().get(f"/kits/{kit.pk}/export.xml").status_code == 302


# The review queue -----------------------------------------------------------------------------


def test_a_candidate_downloads_their_own_review_questions_soonest_first(bank):
    now = timezone.now()
    candidate, other = make_user(), make_user()
    ReviewCard.objects.create(owner=candidate, question=bank[2], state=2, due=now)
    ReviewCard.objects.create(
        owner=candidate, question=bank[0], state=2, due=now - timedelta(days=2)
    )
    ReviewCard.objects.create(
        owner=candidate,
        question=bank[0],
        follow_up=bank[0].follow_ups.get(),
        state=2,
        due=now + timedelta(days=9),
    )
    ReviewCard.objects.create(owner=other, question=bank[1], state=2, due=now)
    ReviewCard.objects.create(owner=candidate, question=bank[3], state=2, due=now)  # a draft
    response = login(candidate).get("/review/export.csv")
    assert response["Content-Disposition"] == 'attachment; filename="interviewprep-review.csv"'
    assert csv_slugs(response) == ["bayes", "overfitting"]
    assert csv_slugs(login(other).get("/review/export.csv")) == ["p-values"]
    assert Client().get("/review/export.csv").status_code == 302


# The pages ------------------------------------------------------------------------------------


def test_the_question_browser_offers_downloads_of_what_it_shows(bank):
    page = Client().get("/questions/").content.decode()
    assert 'href="/questions/export.apkg"' in page and "Download the whole bank" in page
    page = Client().get("/questions/?topic=stats&q=bayes").content.decode()
    assert 'href="/questions/export.xml?q=bayes&amp;topic=stats"' in page
    fragment = Client().get("/questions/?topic=stats", headers={"HX-Request": "true"})
    assert 'href="/questions/export.csv?topic=stats"' in fragment.content.decode()


def test_the_kit_and_review_pages_offer_downloads(bank):
    owner = make_interviewer()
    kit = make_kit(owner, questions=[bank[0]])
    page = login(owner).get(f"/kits/{kit.pk}/").content.decode()
    for fmt in ("apkg", "xml", "gift", "csv"):
        assert f'href="/kits/{kit.pk}/export.{fmt}"' in page
    candidate = make_user()
    assert "/review/export.apkg" not in login(candidate).get("/review/").content.decode()
    ReviewCard.objects.create(owner=candidate, question=bank[0], state=2, due=timezone.now())
    assert 'href="/review/export.apkg"' in login(candidate).get("/review/").content.decode()


def test_the_csv_header_is_the_documented_one(bank):
    text = body(Client().get("/questions/export.csv")).decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(csvfile.COLUMNS) + "\r\n")
