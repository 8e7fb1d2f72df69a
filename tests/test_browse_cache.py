"""The question browser's pages and searches come from the shared cache until the bank changes."""

import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from questions.models import Question
from tests.factories import client_for, make_question, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BANK_PAGE_CACHE = True
    cache.clear()


def titles(response) -> list[str]:
    """The titles on the page as the visitor reads them (a cached page renders no template)."""
    cards = re.findall(r'class="question-result-title"><a [^>]*>([^<]*)</a>', response.text)
    return [html.unescape(title) for title in cards]


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


def test_a_cached_page_carries_nothing_of_the_visitor_who_filled_it():
    make_question(title="Dropout")
    user = make_user(username="ada-lovelace")
    first = client_for(user).get("/questions/", {"q": "dropout", "page": "1"})
    assert "ada-lovelace" in first.text  # the navigation is the visitor's own
    anonymous = Client(enforce_csrf_checks=True).get("/questions/", {"q": "dropout", "page": "1"})
    assert titles(anonymous) == ["Dropout"]
    assert "ada-lovelace" not in anonymous.text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', anonymous.text)[1]
    assert token not in first.text  # each page's own token, outside the cached part


def test_htmx_results_and_the_full_page_are_cached_apart_with_their_own_links():
    for i in range(25):
        make_question(title=f"Dropout {i:02}", prompt="What does dropout do?")
    client = Client()
    swap = client.get("/questions/", {"q": "dropout"}, HTTP_HX_REQUEST="true")
    assert "<html" not in swap.text and 'hx-swap-oob="innerHTML"' in swap.text
    page = client.get("/questions/", {"q": "dropout"})
    assert page.text.startswith("<!doctype html>") and "hx-swap-oob" not in page.text
    # The pages' links keep the query string each was asked with, unknown parameters included.
    assert 'href="?q=dropout&amp;page=2"' in page.text
    other = client.get("/questions/", {"q": "dropout", "utm": "mail"})
    assert 'href="?q=dropout&amp;utm=mail&amp;page=2"' in other.text
