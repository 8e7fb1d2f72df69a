"""Progress charts that read: enough points or a table, labels at a fixed size, one order."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from questions import charts, services
from tests.factories import make_question, make_session, make_topic, make_user

pytestmark = pytest.mark.django_db


def graded(user, question, *, grade: int, days_ago: int) -> None:
    now = timezone.now() - timedelta(days=days_ago)
    session = make_session(user, questions=[question], now=now, with_follow_ups=False)
    attempt = session.attempts.get()
    services.submit_attempt(session=session, attempt_id=attempt.pk, now=now, text="x", base=0)
    services.grade_attempt(session=session, attempt_id=attempt.pk, grade=grade, ticked=[], now=now)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_one_or_two_weeks_show_a_message_and_the_table_not_an_empty_plot(user, client):
    question = make_question(level="beginner")
    graded(user, question, grade=3, days_ago=1)
    graded(user, question, grade=4, days_ago=8)
    body = client.get("/progress/").content.decode()
    assert 'id="levels-title"' not in body and 'id="time-title"' not in body
    assert 'id="activity-title"' in body  # the heatmap is drawn whatever the data
    assert body.count("Too few weeks with") == 2
    assert "Too few weeks to draw a line yet" in body
    assert '<caption class="">Beginner</caption>' in body


def test_three_weeks_draw_the_charts(user, client):
    question = make_question(level="beginner")
    for days_ago in (1, 8, 15):
        graded(user, question, grade=3, days_ago=days_ago)
    body = client.get("/progress/").content.decode()
    assert 'id="levels-title"' in body and 'id="time-title"' in body
    assert "Too few" not in body


def test_charts_are_drawn_at_their_own_size_so_labels_stay_readable():
    svg = charts.line_chart(
        "t",
        title="T",
        desc="D",
        x_labels=["a", "b", "c"],
        series=[charts.Series("s", [0.1, 0.5, 0.9])],
        y_max=1,
        y_ticks=[(0, "0%")],
        width=300,
        height=170,
    )
    assert 'width="300" height="170"' in svg
    css = (Path(__file__).resolve().parent.parent / "static/css/history.css").read_text()
    assert ".chart-axis { fill: var(--muted); font-size: 12px;" in css
    assert "max-width: none" in css


def test_the_heatmap_has_room_for_its_last_month_label_and_a_legend(user, client):
    svg = str(charts.heatmap("h", counts={}, end=date(2026, 12, 1), title="Days"))
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    last_label_x = max(
        int(x) for x in re.findall(r'<text class="chart-axis" x="(\d+)" y="10">', svg)
    )
    assert width - last_label_x >= 28  # a three-letter month name at 12px fits
    body = client.get("/progress/").content.decode()
    assert "Answers a day:" in body
    for text in ("none", "1–2", "3–5", "6–9", "10 or more"):
        assert f"</span>{text}</span>" in body


def test_topic_table_and_small_multiples_share_one_order(user, client):
    strong, weak = make_topic(name="A strong topic"), make_topic(name="Z weak topic")
    for days_ago in (1, 8, 15):
        graded(user, make_question(topic=strong), grade=4, days_ago=days_ago)
        graded(user, make_question(topic=weak), grade=1, days_ago=days_ago)
    body = client.get("/progress/").content.decode()
    table = body[body.index('id="topics-heading"') :]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>\d+</td><td>\d+%', table)
    figures = re.findall(r"<figcaption>([^<]+)</figcaption>", table)
    assert rows == ["Z weak topic", "A strong topic"]
    assert figures == rows


def test_subtitles_say_the_period_each_chart_draws(user, client):
    body = client.get("/progress/").content.decode()
    assert "Answers per day over the last 12 months" in body
    assert "per week, over the last 12 weeks." in body


def test_the_week_table_tag_prints_what_the_template_loop_printed():
    """{% week_table %} replaced a partial looping over the rows: the same table, cell for cell."""
    from django.template import Context, Template

    loop = Template(
        "{% load l10n %}{% localize off %}"
        '<table><caption class="{% if caption_hidden %}visually-hidden{% endif %}">{{ caption }}'
        "</caption>\n"
        '  <thead><tr><th scope="col">Week of</th><th scope="col">Good or Easy</th>'
        '<th scope="col">Graded</th></tr></thead>\n'
        '  <tbody>{% for week, share, n in rows %}{% if n %}<tr><th scope="row">{{ week }}</th>'
        "<td>{% if share is not None %}{% widthratio share 1 100 %}%{% else %}–{% endif %}</td>"
        "<td>{{ n }}</td></tr>{% endif %}{% endfor %}</tbody>\n</table>{% endlocalize %}"
    )
    tag = Template("{% load stats %}{% week_table rows caption caption_hidden %}")
    rows = [
        ("05 Jan", 0.125, 8),  # rounds half to even, as widthratio does: 12%
        ("12 Jan", None, 0),  # no grades that week: left out
        ("19 Jan", 2 / 3, 3),
        ("26 Jan", 0.0, 12345),  # no thousands separator
        ("02 Feb", 1.0, 1),
        ("<b>", 0.5, 2),  # escaped
    ]
    for caption, hidden in [("Beginner", False), ("Bias & variance per week", True)]:
        context = {"rows": rows, "caption": caption, "caption_hidden": hidden}
        expected = loop.render(Context(context))
        assert tag.render(Context(context)) == expected
        assert "12345" in expected and "&lt;b&gt;" in expected and "12%" in expected
