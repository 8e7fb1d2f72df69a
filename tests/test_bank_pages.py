"""The question browser (/questions/) and a question's page."""

from html.parser import HTMLParser

import pytest
from django.db import connection

from questions.models import Question
from tests.factories import make_follow_up, make_question, make_staff, make_topic, make_user

pytestmark = pytest.mark.django_db

BROWSE = "/questions/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def titles(response) -> list[str]:
    return [q.title for q in response.context["questions"]]


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


# Browsing ----------------------------------------------------------------------------------------


def test_anonymous_visitors_can_browse_the_published_bank(client):
    make_question(title="Precision versus recall")
    response = client.get(BROWSE)
    assert response.status_code == 200
    assert titles(response) == ["Precision versus recall"]
    assert b"1 published question" in response.content


def test_the_list_shows_topic_level_kind_roles_excerpt_and_a_link(client):
    topic = make_topic(name="Evaluation and metrics")
    question = make_question(
        topic=topic,
        title="Precision versus recall",
        prompt="When would you **prefer** recall over precision? Give an example.",
        level="intermediate",
        kind="scenario",
        roles=["data-scientist", "research-scientist"],
    )
    content = client.get(BROWSE).content.decode()
    assert f'href="/questions/{question.slug}/"' in content
    for text in ("Evaluation and metrics", "Intermediate", "Scenario", "Data scientist"):
        assert text in content
    assert "Research scientist" in content
    assert "When would you prefer recall over precision? Give an example." in content


def test_the_excerpt_is_plain_text_that_keeps_code_identifiers(client):
    make_question(prompt="Encode `merchant_id` with _care_, see [the docs](https://x.test). " * 9)
    content = client.get(BROWSE).content.decode()
    assert "Encode merchant_id with care, see the docs. Encode" in content
    assert "…</p>" in content


def test_drafts_and_retired_questions_are_never_listed_or_found(client):
    make_question(title="Visible gradient question")
    make_question(title="Draft gradient question", status=Question.Status.DRAFT)
    make_question(title="Retired gradient question", status=Question.Status.RETIRED)
    assert titles(client.get(BROWSE)) == ["Visible gradient question"]
    assert titles(client.get(BROWSE, {"q": "gradient"})) == ["Visible gradient question"]


def test_the_topic_filter_shows_only_that_topic(client):
    metrics = make_topic(slug="metrics", name="Metrics")
    make_question(topic=metrics, title="In metrics")
    make_question(title="Elsewhere")
    response = client.get(BROWSE, {"topic": "metrics"})
    assert titles(response) == ["In metrics"]
    assert b'<option value="metrics" selected>' in response.content


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("level", "experienced", "Hard one"),
        ("kind", "coding", "Code one"),
        ("role", "research-scientist", "Research one"),
    ],
)
def test_level_kind_and_role_filters_each_narrow_the_list(client, param, value, expected):
    make_question(title="Hard one", level="experienced", kind="concept", roles=["ml-engineer"])
    make_question(title="Code one", level="beginner", kind="coding", roles=["ml-engineer"])
    make_question(
        title="Research one", level="beginner", kind="concept", roles=["research-scientist"]
    )
    assert titles(client.get(BROWSE, {param: value})) == [expected]


def test_filters_and_search_combine(client):
    topic = make_topic(slug="deep-learning")
    wanted = {"topic": topic, "level": "experienced", "kind": "concept", "roles": ["ml-engineer"]}
    make_question(title="Attention in transformers", **wanted)
    make_question(title="Attention elsewhere", **{**wanted, "topic": make_topic()})
    make_question(title="Attention for beginners", **{**wanted, "level": "beginner"})
    make_question(title="Attention in code", **{**wanted, "kind": "coding"})
    make_question(title="Attention for scientists", **{**wanted, "roles": ["data-scientist"]})
    make_question(title="Convolutions", **wanted)
    params = {
        "q": "attention",
        "topic": "deep-learning",
        "level": "experienced",
        "kind": "concept",
        "role": "ml-engineer",
    }
    response = client.get(BROWSE, params)
    assert titles(response) == ["Attention in transformers"]
    assert b"1 question matches" in response.content


def test_a_title_match_ranks_above_a_prompt_match_above_an_answer_match(client):
    make_question(title="Answer only", answer="Dropout regularises a network.")
    make_question(title="Prompt only", prompt="Where does dropout help?")
    make_question(title="Dropout explained")
    assert titles(client.get(BROWSE, {"q": "dropout"})) == [
        "Dropout explained",
        "Prompt only",
        "Answer only",
    ]


def test_tags_are_searched(client):
    make_question(title="Tagged", tags=["calibration"])
    make_question(title="Untagged")
    assert titles(client.get(BROWSE, {"q": "calibration"})) == ["Tagged"]


@pytest.mark.parametrize("typed", ["over", "overfit", "overfitti", "overfittin", "Overfitting"])
def test_a_word_matches_while_it_is_still_being_typed(client, typed):
    make_question(title="Recognising overfitting")
    make_question(title="Something unrelated")
    assert titles(client.get(BROWSE, {"q": typed})) == ["Recognising overfitting"]


def test_every_word_must_match(client):
    make_question(title="Precision and recall")
    make_question(title="Precision of floats")
    assert titles(client.get(BROWSE, {"q": "precision recall"})) == ["Precision and recall"]


def test_a_stop_word_being_typed_still_matches_as_a_prefix(client):
    make_question(title="Universal approximation theorem")
    assert titles(client.get(BROWSE, {"q": "the"})) == ["Universal approximation theorem"]


HOSTILE = [
    '"unterminated quote',
    "'single' \"double\" `back`",
    "foo & | ! bar",
    "!!!(((",
    "a:* & b:*",
    "<-> <1> <->",
    "\\",
    "' OR 1=1; DROP TABLE questions_question; --",
    "%s %(x)s {}",
    "x" * 10_000,
    "word " * 2_000,
    "nul\x00byte",
    "\x00",
    "😀🔥 emoji only",
    "?!.,;:-_=+*&^%$#@~",
    "     ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﬁ ǅ İ ß",
    "中文 搜索",
    "\u202e\u200b\ufeff",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_input_never_errors(client, text):
    make_question(title="Some question")
    # A NUL byte is refused for every URL (RefuseNulMiddleware); anything else is searched.
    expected = 400 if "\x00" in text else 200
    assert client.get(BROWSE, {"q": text}).status_code == expected
    assert client.get(BROWSE, {"q": text}, **HTMX).status_code == expected


@pytest.mark.parametrize("text", ["", "   ", "?!.,"])
def test_search_without_words_lists_everything(client, text):
    make_question(title="One")
    make_question(title="Two")
    assert sorted(titles(client.get(BROWSE, {"q": text}))) == ["One", "Two"]


def test_no_match_says_so(client):
    make_question(title="Gradient descent")
    response = client.get(BROWSE, {"q": "zebra"})
    assert titles(response) == []
    assert b"No questions match." in response.content
    assert b"0 questions match" in response.content


def test_results_come_twenty_to_a_page_with_links_that_keep_the_search(client):
    topic = make_topic()
    for n in range(45):
        make_question(topic=topic, title=f"Kernel trick {n:02}", position=n)
    first = client.get(BROWSE, {"q": "kernel"})
    assert len(titles(first)) == 20
    assert b"45 questions match, showing 1 to 20" in first.content
    assert b'href="?q=kernel&amp;page=2"' in first.content
    third = client.get(BROWSE, {"q": "kernel", "page": "3"})
    assert titles(third) == [f"Kernel trick {n}" for n in range(40, 45)]


# (A NUL byte is a 400 for every URL: tests/test_security.py.)
@pytest.mark.parametrize("page", ["abc", "1.5", "", "\x01", "2" * 50])
def test_a_bad_page_number_shows_a_message_not_an_error(client, page):
    make_question(title="Only one")
    response = client.get(BROWSE, {"page": page})
    assert response.status_code == 200
    assert titles(response) == ["Only one"]
    if page:
        assert b"message-warning" in response.content


def test_a_page_past_the_end_shows_the_last_page_with_a_message(client):
    topic = make_topic()
    for n in range(25):
        make_question(topic=topic, title=f"Q{n:02}", position=n)
    response = client.get(BROWSE, {"page": "9"})
    assert response.status_code == 200
    assert len(titles(response)) == 5
    assert "There are only 2 pages; showing the last." in response.content.decode()
    response = client.get(BROWSE, {"page": "0"})
    assert len(titles(response)) == 20
    assert b"Pages start at 1" in response.content


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("topic", "There is no topic"),
        ("level", "There is no level"),
        ("kind", "There is no kind of question"),
        ("role", "There is no role"),
    ],
)
@pytest.mark.parametrize("value", ["nope", "<script>x</script>", "\x01", "é" * 500])
def test_an_unknown_filter_value_shows_a_message_and_is_ignored(client, param, message, value):
    make_question(title="Still listed")
    response = client.get(BROWSE, {param: value})
    assert response.status_code == 200
    assert titles(response) == ["Still listed"]
    assert message in response.content.decode()
    assert b"<script>x" not in response.content


def test_the_form_works_without_javascript(client):
    content = client.get(BROWSE).content.decode()
    assert '<form method="get" action="/questions/"' in content
    assert '<button type="submit">Search</button>' in content
    for name in ("q", "topic", "level", "kind", "role"):
        assert f'<label for="id_{name}">' in content
        assert f'id="id_{name}" name="{name}"' in content


def test_the_form_searches_actively_with_htmx_and_keeps_the_url(client):
    content = client.get(BROWSE).content.decode()
    assert 'hx-get="/questions/"' in content
    assert 'hx-trigger="input changed delay:300ms, search, submit"' in content
    assert 'hx-target="#results"' in content
    assert 'hx-push-url="true"' in content
    assert 'id="result-count" class="result-count" role="status" aria-live="polite"' in content


def test_an_htmx_request_gets_only_the_results_fragment(client):
    make_question(title="Backpropagation")
    response = client.get(BROWSE, {"q": "backprop"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "<form" not in content
    assert "Backpropagation" in content
    assert '<span id="result-count" hx-swap-oob="innerHTML">1 question matches</span>' in content
    assert "HX-Request" in response["Vary"]


def test_the_full_page_has_no_out_of_band_count(client):
    content = client.get(BROWSE).content.decode()
    assert "hx-swap-oob" not in content
    assert content.count('id="result-count"') == 1


def test_the_list_only_answers_get(client):
    assert client.post(BROWSE).status_code == 405


@pytest.mark.parametrize("params", [{}, {"q": "neural net"}, {"topic": "big", "level": "beginner"}])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_list_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, params, htmx
):
    topics = [make_topic(slug="big"), make_topic(), make_topic()]
    for n in range(60):
        question = make_question(
            topic=topics[n % 3],
            title=f"Neural network question {n}",
            roles=["ml-engineer", "data-scientist"],
            tags=["neural", "networks"],
        )
        make_follow_up(question=question)
    # Topics, the count, and one page of questions with their topics.
    with django_assert_max_num_queries(3):
        response = client.get(BROWSE, params, **(HTMX if htmx else {}))
    assert response.status_code == 200
    assert len(response.context["questions"]) == 20


def test_signed_in_staff_also_browse_with_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    for n in range(30):
        make_question(title=f"Question {n}")
    client.force_login(make_staff())
    # Plus the session and the user.
    with django_assert_max_num_queries(5):
        assert client.get(BROWSE).status_code == 200


# A question's page -------------------------------------------------------------------------------


def test_a_published_question_shows_prompt_facts_and_follow_up_prompts(client):
    topic = make_topic(name="Evaluation and metrics")
    question = make_question(
        topic=topic,
        title="Precision versus recall",
        prompt="When is **recall** the metric to watch?",
        level="intermediate",
        kind="concept",
        roles=["data-scientist"],
        tags=["metrics", "classification"],
        seconds=150,
    )
    make_follow_up(question=question, prompt="What about the F1 score?", position=0)
    make_follow_up(question=question, prompt="And PR-AUC?", position=1)
    response = client.get(f"/questions/{question.slug}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Precision versus recall</h1>" in content
    assert "When is <strong>recall</strong> the metric to watch?" in content
    for text in ("Evaluation and metrics", "Intermediate", "Concept", "Data scientist"):
        assert text in content
    assert "2 min 30 s" in content
    assert "metrics" in content and "classification" in content
    assert content.index("What about the F1 score?") < content.index("And PR-AUC?")


def test_the_answer_key_points_and_follow_up_answers_are_behind_reveals(client):
    question = make_question(
        answer="Recall is **TP / (TP + FN)**.", key_points=["Defines recall", "Gives an example"]
    )
    make_follow_up(question=question, answer="F1 is the harmonic mean.", key_points=["Harmonic"])
    content = client.get(f"/questions/{question.slug}/").content.decode()
    reveal = content.index('<details class="reveal" id="model-answer">')
    assert content.index("<summary>Show the model answer and key points</summary>") > reveal
    assert content.index("<strong>TP / (TP + FN)</strong>") > reveal
    assert content.index("Defines recall") > reveal
    follow_up_reveal = content.index('<details class="reveal reveal-small">')
    assert content.index("F1 is the harmonic mean.") > follow_up_reveal
    assert content.index("Harmonic") > follow_up_reveal
    assert " open" not in content[reveal : reveal + 60]


@pytest.mark.parametrize("status", [Question.Status.DRAFT, Question.Status.RETIRED])
def test_an_unpublished_question_is_404_for_visitors_and_candidates(client, status):
    question = make_question(status=status)
    assert client.get(f"/questions/{question.slug}/").status_code == 404
    client.force_login(make_user())
    assert client.get(f"/questions/{question.slug}/").status_code == 404


@pytest.mark.parametrize("status", [Question.Status.DRAFT, Question.Status.RETIRED])
def test_staff_see_an_unpublished_question_marked_as_such(client, status):
    question = make_question(status=status, title="Work in progress")
    client.force_login(make_staff())
    response = client.get(f"/questions/{question.slug}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Work in progress" in content
    assert f'<span class="badge badge-warn">{status.label}</span>' in content
    assert "not in the published bank" in content
    assert f"/admin/questions/question/{question.pk}/change/" in content


def test_candidates_see_no_status_note_or_admin_link(client):
    question = make_question()
    client.force_login(make_user())
    content = client.get(f"/questions/{question.slug}/").content.decode()
    assert "not in the published bank" not in content
    assert "/admin/questions/" not in content


def test_an_unknown_question_is_404(client):
    assert client.get("/questions/no-such-question/").status_code == 404


def test_a_question_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    question = make_question()
    for position in range(12):
        make_follow_up(question=question, position=position)
    with django_assert_max_num_queries(2):
        response = client.get(f"/questions/{question.slug}/")
    assert response.status_code == 200


HOSTILE_MARKDOWN = """
<script>alert("prompt")</script>

<img src=x onerror="alert(1)">

[a link](javascript:alert(2)) and [data](data:text/html;base64,PHNjcmlwdD4=)

<a href="#" onclick="alert(3)" hx-get="/admin/" hx-trigger="load">htmx link</a>

<div hx-post="/accounts/logout/" hx-trigger="load" hx-on:click="alert(4)">div</div>

<iframe src="https://evil.example"></iframe><style>body{display:none}</style>
"""


def test_markdown_with_scripts_handlers_dangerous_links_and_htmx_renders_inert(client):
    question = make_question(
        title="Hostile", prompt=HOSTILE_MARKDOWN, answer=HOSTILE_MARKDOWN, key_points=["<b>x</b>"]
    )
    make_follow_up(question=question, prompt=HOSTILE_MARKDOWN, answer=HOSTILE_MARKDOWN)
    for url in (f"/questions/{question.slug}/", BROWSE, f"{BROWSE}?q=hostile"):
        page = elements(client.get(url).content.decode())
        main = page.tags[[tag for tag, _ in page.tags].index("main") :]
        assert not page.scripts, "no inline script anywhere"
        for tag, attrs in main:
            assert tag not in {"script", "iframe", "style", "img", "object", "embed"}
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            # hx-disable is the defence itself: htmx ignores everything inside it.
            hx = [
                name
                for name in attrs
                if name.startswith(("hx-", "data-hx-")) and name != "hx-disable"
            ]
            assert not hx or tag == "form", (tag, attrs)
            href = (attrs.get("href") or "").strip().lower()
            assert not href.startswith(("javascript:", "data:")), (tag, attrs)


def test_the_search_vector_is_stored_in_the_row_for_fast_matching():
    # Out of line (TOAST) made search ~3x slower; see migration 0006 and docs/benchmarks.md.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'questions_question'::regclass AND attname = 'search'"
        )
        assert cursor.fetchone() == ("m",)


def test_the_skill_checks_are_listed_together_by_their_tag(client):
    from tests.factories import make_question

    first = make_question(title="Fraud model skill check", tags=["skill-check", "fraud"])
    second = make_question(title="Churn drift skill check", tags=["skill-check"])
    make_question(title="Something else", tags=["fraud"])
    body = client.get("/questions/", {"tag": "skill-check"}).content.decode()
    assert first.title in body and second.title in body
    assert "Something else" not in body
    assert "the scenario skill checks" in body
    page = client.get(first.get_absolute_url()).content.decode()
    assert 'href="/questions/?tag=skill-check"' in page


def test_a_malformed_tag_is_named_and_ignored(client):
    body = client.get("/questions/", {"tag": "<b>bad tag"}).content.decode()
    assert "is not a tag; showing every question" in body
    assert "<b>bad" not in body
