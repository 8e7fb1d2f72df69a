"""The bank in other formats: Moodle XML and CSV round trips (export, import, export), GIFT and
Anki exports, a Moodle bank written by Moodle people, and bad files refused whole."""

import csv
import io
import re
import sqlite3
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command

from questions.bankio import BankInvalid, apply_bank
from questions.formats import anki, csvfile, gift, moodle, reading
from questions.formats.common import iter_questions, question_record
from questions.models import FollowUp, Question, Topic
from tests.factories import make_follow_up, make_question, make_topic

pytestmark = pytest.mark.django_db

FORMULA_PROMPT = (
    "Derive the gradient of $L = \\frac{1}{n}\\sum_i (y_i - w^\\top x_i)^2$ and say why "
    "`a_b * c` is not a formula.\n\n$$\n\\nabla_w L = -\\frac{2}{n} X^\\top (y - Xw)\n$$\n"
)
CODE_ANSWER = (
    "Use the closed form when $X^\\top X$ is invertible; otherwise gradient descent:\n\n"
    "```python\nw = w - lr * grad  # {braces} ~tilde =equals #hash: colon\n```\n\n"
    "It costs $O(nd^2)$. Windows line\r\nbreak kept.\n"
)


def make_bank() -> list[Question]:
    """Two topics; formulas, code, GIFT's special characters, weights, red flags, a chain of
    follow-ups, a draft, roles, tags and sources: everything a format must carry."""
    stats = make_topic(slug="stats", name="Probability & statistics", description="Odds, $p$.")
    ml = make_topic(slug="ml", name="Machine learning / basics", description="")
    first = make_question(
        topic=stats,
        slug="least-squares",
        title="Least squares: the gradient {and} ~closed form~",
        prompt=FORMULA_PROMPT,
        answer=CODE_ANSWER,
        key_points=["States $\\nabla L$", "[CLS] is not a weight", "Mentions cost"],
        key_point_weights=["must", "should", "bonus"],
        red_flags=["Says the loss is linear in $w$"],
        tags=["regression", "calculus"],
        roles=["ml-engineer", "data-scientist"],
        sources=["seed.txt:12"],
        seconds=240,
        level="experienced",
        kind="concept",
        position=0,
    )
    root = make_follow_up(question=first, prompt="And with $\\lambda \\|w\\|^2$?", answer="Ridge.")
    make_follow_up(
        question=first,
        parent=root,
        prompt="Why does it help?",
        answer="It shrinks $w$.",
        key_points=["Shrinkage", "Bias for variance"],
        key_point_weights=["must", "bonus"],
    )
    make_follow_up(question=first, prompt="Second follow-up", answer="Plain.", key_points=[])
    second = make_question(
        topic=stats,
        slug="bayes-rule",
        title="Bayes' rule",
        prompt="State Bayes' rule.",
        answer="$P(A|B) = P(B|A)P(A)/P(B)$",
        position=1,
        status=Question.Status.DRAFT,
    )
    third = make_question(
        topic=ml, slug="overfitting", title="Overfitting", position=0, tags=[], roles=[]
    )
    return [first, second, third]


def all_questions():
    return Question.objects.order_by("topic__position", "topic__slug", "position", "slug")


def export_text(module) -> str:
    return "".join(module.export(iter_questions(all_questions())))


def rows() -> list:
    """Everything the bank holds, without database ids."""
    questions = [
        (question_record(q), q.position, q.version, q.topic.position)
        for q in iter_questions(all_questions())
    ]
    topics = list(Topic.objects.order_by("slug").values_list("slug", "name", "description"))
    return [questions, topics, FollowUp.objects.count()]


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def import_files(*paths, dry_run=False, chosen=None):
    result = reading.read_files(paths, chosen=chosen)
    return apply_bank(result.files, dry_run=dry_run), result


# Round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("module", "suffix"), [(moodle, "xml"), (csvfile, "csv")])
def test_export_import_export_gives_the_same_file_and_the_same_rows(tmp_path, module, suffix):
    make_bank()
    exported = export_text(module)
    before = rows()
    report, _ = import_files(write(tmp_path, f"bank.{suffix}", exported))
    assert not report.changed, report.summary()
    assert report.unchanged == 3
    assert rows() == before
    assert export_text(module) == exported


@pytest.mark.parametrize(("module", "suffix"), [(moodle, "xml"), (csvfile, "csv")])
def test_an_export_imported_into_an_empty_bank_exports_the_same(tmp_path, module, suffix):
    make_bank()
    exported = export_text(module)
    if module is csvfile:  # CSV has no column for a topic's description
        Topic.objects.update(description="")
    before = [r for r, *_ in rows()[0]]
    FollowUp.objects.all().delete()
    Question.objects.all().delete()
    Topic.objects.all().delete()
    report, _ = import_files(write(tmp_path, f"bank.{suffix}", exported))
    assert len(report.created) == 3
    assert [r for r, *_ in rows()[0]] == before
    assert export_text(module) == exported
    # TeX in, TeX out.
    assert Question.objects.get(slug="least-squares").prompt == FORMULA_PROMPT
    assert Question.objects.get(slug="least-squares").answer == CODE_ANSWER


def test_an_edited_moodle_file_updates_the_question_by_its_id(tmp_path):
    make_bank()
    exported = export_text(moodle)
    edited = exported.replace("State Bayes&#x27; rule.", "State and prove Bayes' rule.").replace(
        "State Bayes' rule.", "State and prove Bayes' rule."
    )
    edited = edited.replace("- **bonus:** Mentions cost", "- **should:** Mentions the cost")
    assert edited != exported
    report, _ = import_files(write(tmp_path, "bank.xml", edited))
    assert sorted(report.updated) == ["bayes-rule", "least-squares"]
    assert Question.objects.get(slug="bayes-rule").prompt == "State and prove Bayes' rule."
    first = Question.objects.get(slug="least-squares")
    assert first.weighted_key_points[-1] == ("Mentions the cost", "should")
    assert first.version == 2  # a published question's content changed
    assert Question.objects.count() == 3
    assert export_text(moodle) == edited


def test_an_edited_csv_row_updates_by_slug_and_keeps_the_question_in_its_place(tmp_path):
    make_bank()
    exported = export_text(csvfile)
    table = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    header = table[0]
    row = next(r for r in table if r[0] == "overfitting")
    row[header.index("title")] = "Overfitting, and how to spot it"
    row[header.index("key_points")] = (
        "Train and validation curves part\n[bonus] Mentions early stopping"
    )
    out = io.StringIO()
    csv.writer(out).writerows(table)
    report, _ = import_files(write(tmp_path, "bank.csv", "\ufeff" + out.getvalue()))
    assert report.updated == ["overfitting"]
    question = Question.objects.get(slug="overfitting")
    assert question.title == "Overfitting, and how to spot it"
    assert question.weighted_key_points == [
        ("Train and validation curves part", "must"),
        ("Mentions early stopping", "bonus"),
    ]
    assert question.position == 0


def test_a_kit_sized_export_reimported_moves_nothing(tmp_path):
    """A file with some questions of a topic keeps every question where it was."""
    make_bank()
    make_question(topic=Topic.objects.get(slug="stats"), slug="later", position=7)
    before = rows()
    subset = Question.objects.filter(slug__in=["later", "bayes-rule"]).order_by("slug")
    text = "".join(moodle.export(iter_questions(subset)))
    report, _ = import_files(write(tmp_path, "kit.xml", text))
    assert not report.changed
    assert rows() == before


def test_gift_export_escapes_so_every_text_comes_back_exactly():
    make_bank()
    text = export_text(gift)
    assert export_text(gift) == text
    assert "$CATEGORY: $course$/top/InterviewPrep/Probability & statistics" in text
    # The prompt as Moodle's GIFT reader decodes it: \n is a line break, \X is X.
    match = re.search(r"::Least squares.*?::\[markdown\](.*?)\{\n####(.*?)\n\}", text, re.S)
    assert match is not None

    def decode(value: str) -> str:
        return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)

    assert decode(match.group(1)) == FORMULA_PROMPT
    feedback = decode(match.group(2))
    assert feedback.startswith(CODE_ANSWER.replace("\r\n", "\n"))
    assert "- **should:** [CLS] is not a weight" in feedback
    assert "// follow-up 1.1 of least-squares" in text
    # Nothing unescaped that GIFT would read as syntax, inside a question's text.
    for line in text.splitlines():
        if line.startswith("::"):
            body = re.sub(r"\\.", "", line.split("::[markdown]", 1)[1])
            assert body.endswith("{") and not re.search(r"[{}~=#]", body[:-1]), line


# Anki -----------------------------------------------------------------------------------------


def apkg_notes(data: bytes, tmp_path) -> tuple[list, dict]:
    """The notes of an .apkg, read with the standard library: (guid, fields, tags) and decks."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == {"collection.anki2", "media"}
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        notes = connection.execute("SELECT guid, flds, tags, mod FROM notes ORDER BY id").fetchall()
        decks = connection.execute("SELECT decks, models FROM col").fetchone()
        cards = connection.execute("SELECT count(*) FROM cards").fetchone()[0]
    finally:
        connection.close()
    assert cards == len(notes)
    return [(g, f.split("\x1f"), t.split(), m) for g, f, t, m in notes], decks


def export_apkg() -> bytes:
    out = io.BytesIO()
    anki.write(iter_questions(all_questions(), rendered=True), out, deck_name="X", topic_decks=True)
    return out.getvalue()


def test_an_anki_deck_holds_one_note_per_question_with_stable_guids(tmp_path):
    make_bank()
    first = export_apkg()
    notes, (decks, models) = apkg_notes(first, tmp_path)
    assert [n[0] for n in notes] == [
        anki.guid_for(slug) for slug in all_questions().values_list("slug", flat=True)
    ]
    assert '"X::Probability & statistics"' in decks and '"X::Machine learning / basics"' in decks
    assert '"InterviewPrep question"' in models
    guid, fields, tags, mod = notes[0]
    title, topic, prompt, answer, key_points, red_flags, follow_ups = fields
    assert title == "Least squares: the gradient {and} ~closed form~"
    # Formulas as TeX in MathJax delimiters, HTML-escaped; no MathML.
    assert "\\(L = \\frac{1}{n}\\sum_i (y_i - w^\\top x_i)^2\\)" in prompt
    assert "\\[\n\\nabla_w L = -\\frac{2}{n} X^\\top (y - Xw)\n\\]" in prompt
    assert "<math" not in prompt + answer + follow_ups
    assert "<code>a_b * c</code>" in prompt
    # Code highlighted by Pygments, its colours in the note type's CSS.
    assert '<pre class="highlight"><code class="language-python">' in answer
    assert '<span class="c1">' in answer and ".highlight .c1" in models
    assert '<span class="weight">should</span> [CLS] is not a weight' in key_points
    assert "\\(\\nabla L\\)" in key_points
    assert "Says the loss is linear in \\(w\\)" in red_flags
    assert "Ridge." in follow_ups and "It shrinks \\(w\\)." in follow_ups
    assert follow_ups.count("<ol>") == 2  # the chained one nested under its parent
    assert {"topic::stats", "kind::concept", "level::experienced", "regression"} <= set(tags)
    assert mod == int(Question.objects.get(slug="least-squares").updated_at.timestamp())
    # Twice: the same GUIDs, the same bytes.
    assert export_apkg() == first
    # An edited question keeps its GUID and gets a newer modification time (Anki updates it).
    question = Question.objects.get(slug="least-squares")
    question.title = "Least squares"
    question.save()
    again, _ = apkg_notes(export_apkg(), tmp_path)
    assert [n[0] for n in again] == [n[0] for n in notes]
    assert again[0][1][0] == "Least squares" and again[0][3] >= mod


def test_anki_fields_match_a_fresh_rendering_of_the_markdown():
    """The fast path (stored HTML with formulas swapped back to TeX) gives what rendering the
    Markdown afresh gives."""
    make_bank()
    for question in iter_questions(all_questions(), rendered=True):
        for text, html in (
            (question.prompt, question.prompt_html),
            (question.answer, question.answer_html),
        ):
            assert anki.from_rendered(text, html) == anki.to_html(text)


# A Moodle bank made in Moodle -----------------------------------------------------------------

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
    "rkJggg=="
)
MOODLE_SAMPLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for ML 101/Model evaluation</text>
    </category>
    <info format="html">
      <text><![CDATA[<p>How we judge <strong>models</strong>.</p>]]></text>
    </info>
    <idnumber></idnumber>
  </question>
<!-- question: 101  -->
  <question type="essay">
    <name>
      <text>ROC vs PR curves</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p dir="ltr" style="text-align: left;">Look at the figure:</p>
<p><img src="@@PLUGINFILE@@/roc.png" alt="Two ROC curves" width="300" height="200"></p>
<p>When is the area under the <em>precision-recall</em> curve
more telling than \\(\\text{{AUC}}_{{ROC}}\\)?</p>
<script>alert(1)</script>]]></text>
      <file name="roc.png" path="/" encoding="base64">{PNG}</file>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>10.0000000</defaultgrade>
    <penalty>0.0000000</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <responseformat>editor</responseformat>
    <responserequired>1</responserequired>
    <responsefieldlines>15</responsefieldlines>
    <attachments>0</attachments>
    <graderinfo format="html">
      <text><![CDATA[<p>With a rare positive class, because PR ignores true negatives:</p>
<ul><li>precision = TP / (TP + FP)</li><li>recall = TP / (TP + FN)</li></ul>
<pre><code>from sklearn.metrics import average_precision_score
ap = average_precision_score(y, scores)</code></pre>
<p>$$F_1 = \\frac{{2PR}}{{P + R}}$$</p>]]></text>
    </graderinfo>
    <responsetemplate format="html">
      <text></text>
    </responsetemplate>
    <tags>
      <tag><text>metrics</text></tag>
    </tags>
  </question>
  <question type="multichoice">
    <name><text>Pick the metric</text></name>
    <questiontext format="html"><text>Which one?</text></questiontext>
    <answer fraction="100"><text>F1</text></answer>
  </question>
  <question type="category">
    <category>
      <text>$course$/top/Default for ML 101/Model evaluation/Calibration</text>
    </category>
    <info format="moodle_auto_format"><text></text></info>
  </question>
  <question type="description">
    <name><text>About calibration</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>A calibrated model's 0.8 means 80%.</p>]]></text>
    </questiontext>
  </question>
  <question type="shortanswer">
    <name><text>Platt</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Which method fits a sigmoid to the scores?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>Named after John Platt.</p>]]></text>
    </generalfeedback>
    <hidden>1</hidden>
    <answer fraction="100" format="moodle_auto_format"><text>Platt scaling</text></answer>
    <answer fraction="100" format="moodle_auto_format"><text>Platt's method</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>Isotonic regression</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Calibrated?</text></name>
    <questiontext format="html"><text>True or false</text></questiontext>
  </question>
</quiz>
"""


def test_a_moodle_bank_imports_with_its_categories_as_topics(tmp_path):
    path = write(tmp_path, "ml101.xml", MOODLE_SAMPLE)
    report, result = import_files(path)
    assert report.topics_created == 2 and len(report.created) == 2
    evaluation = Topic.objects.get(name="Model evaluation")
    calibration = Topic.objects.get(name="Calibration")
    assert evaluation.slug == "model-evaluation"
    assert evaluation.description == "How we judge **models**."
    assert calibration.description == "A calibrated model's 0.8 means 80%."
    essay = Question.objects.get(topic=evaluation)
    assert essay.title == "ROC vs PR curves"
    assert essay.slug == "model-evaluation-roc-vs-pr-curves"
    assert "*[Image not imported: Two ROC curves, roc.png]*" in essay.prompt
    assert "$\\text{AUC}_{ROC}$" in essay.prompt  # \( \) became $ $, TeX untouched
    assert "*precision-recall*" in essay.prompt and "alert" not in essay.prompt
    assert "- precision = TP / (TP + FP)" in essay.answer
    assert "```\nfrom sklearn.metrics import average_precision_score" in essay.answer
    assert "$$F_1 = \\frac{2PR}{P + R}$$" in essay.answer
    assert essay.tags == ["metrics"] and essay.status == "published"
    assert essay.kind == "concept" and essay.level == "intermediate" and essay.seconds == 180
    assert "<math" in essay.prompt_html  # renders on the site
    short = Question.objects.get(topic=calibration)
    assert (
        short.answer == "Platt scaling\n\nAlso accepted: Platt's method\n\nNamed after John Platt."
    )
    assert short.status == "draft"  # hidden in Moodle
    assert result.skipped == [
        f"{path}: question 3 'Pick the metric': multichoice questions are not imported",
        f"{path}: question 7 'Calibrated?': truefalse questions are not imported",
    ]
    assert result.notices == [
        f"{path}: question 2 'ROC vs PR curves': image roc.png was not imported"
    ]
    # Importing it again changes nothing.
    again, _ = import_files(path)
    assert not again.changed


# Bad input ------------------------------------------------------------------------------------

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<quiz><question type="category"><category><text>$course$/top/Bomb</text></category></question>
<question type="essay"><name><text>&lol9;</text></name>
<questiontext format="html"><text>x</text></questiontext></question></quiz>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&secret;</text></name></question></quiz>
"""
ESSAY_WITHOUT_PROMPT = """<?xml version="1.0"?>
<quiz>
  <question type="category"><category><text>$course$/top/Fine</text></category></question>
  <question type="essay"><name><text>Fine one</text></name>
    <questiontext format="html"><text>A prompt</text></questiontext>
    <graderinfo format="html"><text>An answer</text></graderinfo></question>
  <question type="essay"><name><text>No prompt</text></name>
    <questiontext format="html"><text>   </text></questiontext>
    <graderinfo format="html"><text>An answer</text></graderinfo>
    <tags><tag><text>level:expert</text></tag></tags></question>
</quiz>
"""
HEADER = ",".join(csvfile.COLUMNS)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bad.xml",
            "<quiz><question type='essay'><name>",
            "bad.xml: file: xml: malformed XML at line 1",
        ),
        ("bomb.xml", BOMB, "bomb.xml: file: xml: refused: the file declares a DTD or entities"),
        ("external.xml", EXTERNAL, "external.xml: file: xml: refused"),
        (
            "html.xml",
            "<html><body/></html>",
            "html.xml: file: quiz: is not Moodle XML: the root is <html>",
        ),
        (
            "noprompt.xml",
            ESSAY_WITHOUT_PROMPT,
            "noprompt.xml: question 3 'No prompt': questiontext: is missing or empty",
        ),
        (
            "noprompt.xml",
            ESSAY_WITHOUT_PROMPT,
            "noprompt.xml: question 3 'No prompt': tags (level:): 'expert' is not one of",
        ),
        (
            "header.csv",
            "slug,question,answer\nx,y,z\n",
            "header.csv: row 1: header: unknown column(s) 'question'",
        ),
        (
            "header.csv",
            "slug,title\nx,y\n",
            "header.csv: row 1: header: missing column(s) 'topic', 'prompt', 'answer'",
        ),
        (
            "latin1.csv",
            f"{HEADER}\n".encode() + "Café".encode("latin-1"),
            "latin1.csv: file: encoding: is not UTF-8 (byte 0xe9",
        ),
        (
            "noprompt.csv",
            "title,topic,prompt,answer\nFine,Stats,A prompt,An answer\nEmpty,Stats,,An answer\n",
            "noprompt.csv: row 3 (question 'stats-empty'): prompt: is missing or empty",
        ),
        (
            "quote.csv",
            'title,topic,prompt,answer\nA,B,"unclosed,x\n',
            "quote.csv: row 2: csv: malformed CSV",
        ),
        (
            "followups.csv",
            'title,topic,prompt,answer,follow_ups\nA,B,C,D,[{"prompt": ""}]\n',
            "followups.csv: row 2 (question 'b-a'): follow_ups[0].prompt: is missing or empty",
        ),
        ("notes.txt", "hello", "notes.txt: file: format: is not a format we import"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error_and_nothing_is_written(
    tmp_path, name, content, expected
):
    make_question(slug="existing")
    before = rows()
    path = write(tmp_path, name, content)
    with pytest.raises(BankInvalid) as refused:
        reading.read_files([path])
    messages = [str(e).replace(f"{tmp_path}/", "") for e in refused.value.errors]
    assert any(m.startswith(expected) for m in messages), messages
    assert rows() == before


def test_an_xml_bomb_is_refused_before_it_expands():
    tracemalloc.start()
    errors = []
    assert moodle.parse(BOMB.encode(), "bomb.xml", errors) is None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 2**20  # a billion laughs expanded would be gigabytes
    assert "refused" in errors[0].message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setitem(reading.MAX_FILE_BYTES, "moodle", 100)
    path = write(tmp_path, "big.xml", MOODLE_SAMPLE)
    with pytest.raises(BankInvalid) as refused:
        reading.read_files([path])
    assert refused.value.errors[0].field == "size"
    assert "moodle files may be at most 100" in refused.value.errors[0].message
    assert not Question.objects.exists()


def test_one_bad_question_among_good_files_writes_nothing(tmp_path):
    good = write(tmp_path, "good.xml", MOODLE_SAMPLE)
    bad = write(tmp_path, "bad.csv", "title,topic,prompt,answer\nX,Y,,Z\n")
    with pytest.raises(BankInvalid):
        reading.read_files([good, bad])
    assert not Question.objects.exists() and not Topic.objects.exists()


def test_a_follow_up_without_its_question_is_an_error(tmp_path):
    make_bank()
    text = export_text(moodle).replace(
        "<idnumber>least-squares</idnumber>", "<idnumber>gone</idnumber>"
    )
    with pytest.raises(BankInvalid) as refused:
        reading.read_files([write(tmp_path, "bank.xml", text)])
    assert any(
        e.field == "idnumber" and "'least-squares', which is not in this file" in e.message
        for e in refused.value.errors
    )


def test_the_same_question_in_two_files_is_an_error(tmp_path):
    make_bank()
    xml = write(tmp_path, "bank.xml", export_text(moodle))
    table = write(tmp_path, "bank.csv", export_text(csvfile))
    with pytest.raises(BankInvalid) as refused:
        reading.read_files([xml, table])
    assert any("appears more than once" in e.message for e in refused.value.errors)


# The command ----------------------------------------------------------------------------------


def test_import_bank_reads_moodle_and_csv_with_a_dry_run_first(tmp_path):
    path = write(tmp_path, "ml101.xml", MOODLE_SAMPLE)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_bank", str(path), "--dry-run", stdout=out, stderr=err)
    assert "Dry run, nothing written" in out.getvalue()
    assert "+ model-evaluation-roc-vs-pr-curves" in out.getvalue()
    assert "Skipped: " in err.getvalue() and "multichoice" in err.getvalue()
    assert "image roc.png was not imported" in err.getvalue()
    assert not Question.objects.exists()
    call_command("import_bank", str(path), stdout=out, stderr=err)
    assert Question.objects.count() == 2


def test_import_bank_format_option_reads_a_file_whatever_its_name(tmp_path):
    path = write(tmp_path, "export.txt", "title,topic,prompt,answer\nA,Stats,Why?,Because.\n")
    call_command("import_bank", str(path), "--format", "csv", stdout=io.StringIO())
    assert Question.objects.get().slug == "stats-a"


def test_import_bank_lists_every_problem_and_imports_nothing(tmp_path):
    path = write(tmp_path, "noprompt.xml", ESSAY_WITHOUT_PROMPT)
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_bank", str(path), stdout=io.StringIO(), stderr=err)
    assert (
        "noprompt.xml: question 3 'No prompt': questiontext: is missing or empty" in err.getvalue()
    )
    assert not Question.objects.exists()


@pytest.mark.parametrize(("fmt", "suffix"), [("xml", "xml"), ("csv", "csv"), ("gift", "txt")])
def test_export_bank_writes_one_file_in_a_format_that_imports_unchanged(tmp_path, fmt, suffix):
    make_bank()
    target = tmp_path / f"bank.{suffix}"
    call_command("export_bank", str(target), "--format", fmt, stdout=io.StringIO())
    assert target.read_bytes().decode() == export_text(
        {"xml": moodle, "csv": csvfile, "gift": gift}[fmt]
    )
    if fmt != "gift":
        report, _ = import_files(target)
        assert not report.changed


def test_export_bank_writes_an_anki_deck(tmp_path):
    make_bank()
    target = tmp_path / "bank.apkg"
    call_command("export_bank", str(target), "--format", "apkg", stdout=io.StringIO())
    notes, _ = apkg_notes(target.read_bytes(), tmp_path)
    assert len(notes) == 3


# The admin import -----------------------------------------------------------------------------


def test_staff_import_a_moodle_file_in_admin_and_see_what_was_skipped(client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_staff

    client.force_login(make_staff())
    upload = SimpleUploadedFile("ml101.xml", MOODLE_SAMPLE.encode(), content_type="text/xml")
    response = client.post("/admin/questions/question/import/", {"files": [upload]}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Skipped: ml101.xml: question 3 &#x27;Pick the metric&#x27;: multichoice" in page
    assert (
        "ml101.xml: question 2 &#x27;ROC vs PR curves&#x27;: image roc.png was not imported" in page
    )
    assert Question.objects.count() == 2


def test_a_bad_csv_in_admin_is_listed_and_nothing_is_written(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_staff

    client.force_login(make_staff())
    upload = SimpleUploadedFile("bank.csv", b"title,topic,prompt,answer\nA,B,,D\n")
    response = client.post("/admin/questions/question/import/", {"files": [upload]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "<td>bank.csv</td><td>row 2 (question &#x27;b-a&#x27;)</td><td>prompt</td>" in page
    assert not Question.objects.exists()


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text_and_read_back_exactly(tmp_path):
    topic = make_topic(slug="t", name="T")
    make_question(
        topic=topic,
        slug="formulas",
        title='=HYPERLINK("http://evil")',
        prompt="- a list first\n- then more",
        answer="'=already quoted",
        key_points=["+1 for trying", "@mention"],
    )
    exported = export_text(csvfile)
    row = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"), newline="")))[1]
    assert row[1] == '\'=HYPERLINK("http://evil")'
    assert row[10] == "'- a list first\n- then more"
    assert row[11] == "''=already quoted"
    assert row[12] == "'+1 for trying\n@mention"
    report, _ = import_files(write(tmp_path, "bank.csv", exported))
    assert not report.changed
    assert export_text(csvfile) == exported
