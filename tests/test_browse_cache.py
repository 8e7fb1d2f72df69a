"""The question browser's pages and searches come from the shared cache until the bank changes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from questions.models import Question
from tests.factories import make_question, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BANK_PAGE_CACHE = True
    cache.clear()


def titles(response) -> list[str]:
    return [q.title for q in response.context["questions"]]


def test_a_repeated_search_is_answered_from_the_cache():
    make_question(title="Gradient clipping", prompt="Why clip gradients?")
    make_question(title="Dropout", prompt="What does dropout do?")
    client = Client()
    first = client.get("/questions/", {"q": "gradient"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/questions/", {"q": "gradient"})
    # The topics for the filter form, and (with the embedded cache) the cache's own rows: the
    # questions are neither searched nor counted again.
    assert not [q["sql"] for q in queries if '"questions_question"' in q["sql"]]
    assert titles(first) == titles(again) == ["Gradient clipping"]
    assert "Gradient clipping" in again.content.decode()
    assert titles(client.get("/questions/", {"q": "dropout"})) == ["Dropout"]


def test_an_edit_shows_at_once_in_cached_pages_and_searches():
    question = make_question(title="Gradient clipping", prompt="Why clip gradients?")
    client = Client()
    assert "Gradient clipping" in client.get("/questions/").content.decode()
    assert titles(client.get("/questions/", {"q": "gradient"})) == ["Gradient clipping"]

    question.title = "Gradient clipping & norms <b>"
    question.save()
    page = client.get("/questions/").content.decode()
    assert "Gradient clipping &amp; norms &lt;b&gt;" in page  # escaped, as ever
    assert titles(client.get("/questions/", {"q": "gradient"})) == ["Gradient clipping & norms <b>"]

    make_question(title="Exploding gradients", prompt="Gradients explode: what now?")
    assert sorted(titles(client.get("/questions/", {"q": "gradient"}))) == [
        "Exploding gradients",
        "Gradient clipping & norms <b>",
    ]
    question.delete()
    assert titles(client.get("/questions/", {"q": "gradient"})) == ["Exploding gradients"]


def test_unpublishing_or_a_topic_change_leaves_no_stale_page():
    topic = make_topic(name="Optimisation")
    question = make_question(title="Learning-rate warm-up", topic=topic)
    client = Client()
    assert titles(client.get("/questions/", {"topic": topic.slug})) == ["Learning-rate warm-up"]
    question.status = Question.Status.RETIRED
    question.save()
    assert titles(client.get("/questions/", {"topic": topic.slug})) == []
    topic.name = "Optimization"
    topic.save()
    assert "Optimization" in client.get("/questions/").content.decode()


def test_a_very_long_search_is_cached_under_a_short_key():
    make_question(title="Batch normalisation")
    client = Client()
    long_query = "normalisation " + "x" * 5000
    for _ in range(2):
        response = client.get("/questions/", {"q": long_query})
        assert response.status_code == 200
        assert titles(response) == []
