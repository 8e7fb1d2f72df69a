"""Anki decks (.apkg) through genanki, export only.

One note per question, of the note type "InterviewPrep question" (title, topic, prompt, model
answer, key points, red flags, follow-ups). Anki shows HTML, so Markdown is rendered here, with
formulas left as TeX between MathJax delimiters Anki renders (`\\(x\\)` inline, `\\[x\\]` display)
and code highlighted by Pygments (the colours are in the note type's CSS). Each note's GUID comes
from the question's slug, so importing a newer export updates the notes already in Anki (Anki
updates a note whose modification time is newer: that is the question's `updated_at`).

The collection is written note by note into an SQLite file on disk, then zipped into `out`:
memory does not grow with the number of questions.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments.formatters import HtmlFormatter

from questions import markdown
from questions.formats.common import question_record
from questions.models import FollowUp, Question

ROOT_DECK = "InterviewPrep"
# Fixed ids: Anki recognises the note type (and a deck) across imports by them.
MODEL_ID = 1_607_392_319
MODEL_MOD = 1_764_547_200  # 2025-12-01: change with the note type's fields or templates
NOTE_ID_BASE = 1_500_000_000_000  # note and card ids: stable per question (from its pk)
ZIP_DATE = (2025, 12, 1, 0, 0, 0)
ZIP_TIME = 1_764_547_200

_CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left;
  color: #1a1a1a; background: #fff; line-height: 1.45; }
.topic { color: #555; font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.05em; }
.weight { font-size: 0.75em; border: 1px solid #888; border-radius: 3px; padding: 0 4px;
  margin-right: 4px; }
pre.highlight { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 0.85em; }
.follow-up-answer { color: #333; }
"""

MODEL = genanki.Model(
    MODEL_ID,
    "InterviewPrep question",
    fields=[
        {"name": "Title"},
        {"name": "Topic"},
        {"name": "Prompt"},
        {"name": "Model answer"},
        {"name": "Key points"},
        {"name": "Red flags"},
        {"name": "Follow-ups"},
    ],
    templates=[
        {
            "name": "Question",
            "qfmt": (
                '<div class="topic">{{Topic}}</div>\n<h2>{{Title}}</h2>\n'
                '<div class="prompt">{{Prompt}}</div>'
            ),
            "afmt": (
                '{{FrontSide}}\n<hr id="answer">\n<h3>Model answer</h3>\n{{Model answer}}\n'
                "{{#Key points}}<h3>Key points</h3>\n{{Key points}}{{/Key points}}\n"
                "{{#Red flags}}<h3>Red flags</h3>\n{{Red flags}}{{/Red flags}}\n"
                "{{#Follow-ups}}<h3>Follow-ups</h3>\n{{Follow-ups}}{{/Follow-ups}}"
            ),
        }
    ],
    css=_CSS + HtmlFormatter(style="friendly").get_style_defs(".highlight"),
)


def _tex(latex: str, display: bool) -> str:
    """Formulas stay TeX for Anki's MathJax."""
    tex = html.escape(latex, quote=False)
    return f"\\[{tex}\\]" if display else f"\\({tex}\\)"


_md = markdown.renderer(_tex)


def to_html(text: str) -> str:
    """Markdown as sanitised HTML with TeX kept for Anki's MathJax."""
    return markdown.sanitize(_md.render(text or "")).strip()


# Finding the formulas only: code (where a dollar is no formula) and the formulas themselves.
_math_finder = (
    MarkdownIt("zero")
    .enable(["escape", "backticks", "fence", "code"])
    .use(dollarmath_plugin, allow_space=True, double_inline=True)
)
_RENDERED_MATH = re.compile(
    r'<math\b[^>]*>.*?</math>|<code class="math-error">.*?</code>', re.DOTALL
)


def _formulas(text: str) -> list[str]:
    """Each formula of the Markdown in order, as Anki's MathJax reads it: \\(x\\) or \\[x\\]."""
    found = []
    stack = list(reversed(_math_finder.parse(text)))
    while stack:
        token = stack.pop()
        if token.children:
            stack.extend(reversed(token.children))
        if token.type.startswith("math"):
            tex = html.escape(token.content, quote=False)
            found.append(f"\\({tex}\\)" if token.type == "math_inline" else f"\\[{tex}\\]")
    return found


# Code, where a dollar is no formula: fenced blocks (line by line, so a long block costs little)
# and code spans.
_FENCES = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(?:[^\n]*\n)*? {0,3}\1[`~]*[ \t]*$", re.M)
_SPANS = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _without_code(text: str) -> str:
    if "```" in text or "~~~" in text:
        text = _FENCES.sub(" ", text)
    return _SPANS.sub(" ", text) if "`" in text else text


# Escaped dollars are masked first (no look-behind: a pattern starting with a plain `$` is found
# by a fast scan); possessive runs let text without a closing dollar fail without backtracking.
_DOLLARS = re.compile(r"\$\$(.+?)\$\$|\$((?:[^$\n\\]++|\\.|\n(?!\s*\n))++)\$", re.S)
_ESCAPED_DOLLAR, _MASK = "\\$", "\x00\x00"


def _quick_formulas(text: str) -> list[str]:
    """The formulas found by a regular expression (outside code), fast but not the parser's
    rules: used when its count agrees with the stored HTML's."""
    found = []
    for match in _DOLLARS.finditer(_without_code(text).replace(_ESCAPED_DOLLAR, _MASK)):
        display, inline = match.groups()
        tex = (display if display is not None else inline).replace(_MASK, _ESCAPED_DOLLAR)
        tex = html.escape(tex, quote=False)
        found.append(f"\\[{tex}\\]" if display is not None else f"\\({tex}\\)")
    return found


def from_rendered(text: str, rendered: str) -> str:
    """The HTML the site stored for `text`, with each formula's MathML swapped for its TeX.

    Rendering Markdown again costs about 10 ms a question (Pygments above all), too slow for a
    bank of thousands; the stored HTML differs from ours only in the formulas. When the formulas
    found do not line up with the stored ones (HTML saved by an older renderer), render afresh.
    """
    if "$" not in text:
        return rendered.strip()
    for find in (_quick_formulas, _formulas):
        formulas = find(text)
        swapped = _swap_formulas(rendered, formulas)
        if swapped is not None:
            return swapped.strip()
    return to_html(text)


def _swap_formulas(rendered: str, formulas: list[str]) -> str | None:
    """Each MathML formula of `rendered` replaced by the next of `formulas`; None unless there
    are exactly as many of each."""
    if '<code class="math-error">' in rendered:
        replacements = iter(formulas)
        count = 0

        def swap(_: re.Match[str]) -> str:
            nonlocal count
            count += 1
            return next(replacements, "")

        swapped = _RENDERED_MATH.sub(swap, rendered)
        return swapped if count == len(formulas) else None
    # The common case, with str.find: a lazy regular expression over long MathML is slow.
    pieces, position = [], 0
    for formula in formulas:
        start = rendered.find("<math", position)
        end = rendered.find("</math>", start)
        if start < 0 or end < 0:
            return None
        pieces += [rendered[position:start], formula]
        position = end + len("</math>")
    if rendered.find("<math", position) >= 0:
        return None
    return "".join(pieces) + rendered[position:]


_PLAIN = re.compile(r"[`$*_\\\[\]<>&~|!]")


def _inline_html(text: str) -> str:
    if not _PLAIN.search(text):
        return text
    return markdown.sanitize(_md.renderInline(text or ""))


def _points_html(points: list[str], weights: list[str], css_class: str = "") -> str:
    if not points:
        return ""
    items = "".join(
        f'<li><span class="weight">{weight}</span> {_inline_html(point)}</li>'
        for point, weight in zip(points, weights, strict=True)
    )
    return f'<ul class="{css_class or "key-points"}">{items}</ul>'


def _follow_ups_html(follow_ups: list[FollowUp]) -> str:
    """Follow-ups as a numbered list; chained ones nested under their parent."""
    if not follow_ups:
        return ""
    items = []
    for follow_up in follow_ups:
        points = [weight for _, weight in follow_up.weighted_key_points]
        items.append(
            "<li>"
            + from_rendered(follow_up.prompt, follow_up.prompt_html)
            + '<div class="follow-up-answer">'
            + from_rendered(follow_up.answer, follow_up.answer_html)
            + "</div>"
            + _points_html(list(follow_up.key_points), points)
            + _follow_ups_html(follow_up.children)
            + "</li>"
        )
    return "<ol>" + "".join(items) + "</ol>"


def note_fields(question: Question) -> tuple[list[str], list[str]]:
    """The note's fields, in the note type's order, and its tags."""
    data = question_record(question)
    tags = [
        f"topic::{data['topic']['slug']}",
        f"kind::{data['kind']}",
        f"level::{data['level']}",
        *(tag.replace(" ", "_") for tag in data["tags"]),
    ]
    red_flags = "".join(f"<li>{_inline_html(flag)}</li>" for flag in data["red_flags"])
    fields = [
        html.escape(data["title"], quote=False),
        html.escape(data["topic"]["name"], quote=False),
        from_rendered(question.prompt, question.prompt_html),
        from_rendered(question.answer, question.answer_html),
        _points_html(data["key_points"], data["key_point_weights"]),
        f"<ul>{red_flags}</ul>" if red_flags else "",
        _follow_ups_html(question.follow_up_roots),
    ]
    return fields, tags


def guid_for(slug: str) -> str:
    """The note's GUID: the same slug gives the same GUID in every export."""
    return genanki.guid_for("interviewprep", slug)


def _insert(cursor: sqlite3.Cursor, notes: list[tuple], cards: list[tuple]) -> None:
    cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", notes)
    cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
    notes.clear()
    cards.clear()


def deck_id(name: str) -> int:
    """A stable deck id from the deck's name (Anki matches decks by name on import anyway)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(name.encode()).digest()[:4]) % (1 << 30)


def write(
    questions: Iterable[Question],
    out: IO[bytes],
    *,
    deck_name: str,
    topic_decks: bool,
) -> int:
    """Write an .apkg of the questions to `out`; with `topic_decks`, a subdeck per topic under
    `deck_name`. Returns the number of notes."""
    count = 0
    with tempfile.TemporaryDirectory(prefix="apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        connection = sqlite3.connect(db_path)
        try:
            cursor = connection.cursor()
            cursor.executescript(APKG_SCHEMA)
            cursor.executescript(APKG_COL)
            decks: dict[str, int] = {}
            notes: list[tuple] = []
            cards: list[tuple] = []
            for question in questions:
                name = f"{deck_name}::{question.topic.name}" if topic_decks else deck_name
                if name not in decks:
                    # genanki writes the deck and the note type into the collection.
                    deck = genanki.Deck(deck_id(name), name)
                    deck.add_model(MODEL)
                    deck.write_to_db(cursor, MODEL_MOD, iter(()))
                    decks[name] = deck.deck_id
                fields, tags = note_fields(question)
                note_id = NOTE_ID_BASE + 2 * question.pk
                mod = int(question.updated_at.timestamp())
                # The rows genanki's Note and Card write, in batches (one INSERT per note and
                # one per card cost more than building the note).
                notes.append(
                    (note_id, guid_for(question.slug), MODEL_ID, mod, -1, f" {' '.join(tags)} ",
                     "\x1f".join(fields), fields[0], 0, 0, "")
                )  # fmt: skip
                # New cards come up in `due` order: the file's order (a kit's, say).
                cards.append(
                    (note_id + 1, note_id, decks[name], 0, mod, -1, 0, 0, count, 0, 0, 0, 0, 0,
                     0, 0, 0, "")
                )  # fmt: skip
                count += 1
                if len(notes) >= 500:
                    _insert(cursor, notes, cards)
            _insert(cursor, notes, cards)
            connection.commit()
        finally:
            connection.close()
        # A fixed time on the file and its entry: the same questions give the same bytes. The
        # lowest compression level: several times faster, and only a little larger.
        os.utime(db_path, (ZIP_TIME, ZIP_TIME))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.write(db_path, "collection.anki2")
            archive.writestr(zipfile.ZipInfo("media", date_time=ZIP_DATE), "{}")
    return count
