"""Downloads of questions in other tools' formats (Anki, Moodle XML, GIFT, CSV): the published
bank or a search of it (the question browser's filters, a topic among them), a kit (its owner
and staff), and a candidate's own review queue.

Text formats stream: questions are read in chunks and written as they come, so memory does not
grow with the bank. An Anki deck is a zipped SQLite file: it is built on disk, then streamed.
Every download counts against the `export` rate limit; private ones are never cached (the
middleware marks every signed-in response `no-store`).
"""

import tempfile
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Min, QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from interviewprep.http import AuthenticatedHttpRequest
from interviewprep.throttling import rate_limit
from questions.formats import EXPORT_FORMATS, ExportFormat, anki, csvfile, gift, moodle
from questions.formats.common import iter_questions
from questions.forms import QuestionFilterForm
from questions.models import Question, Topic
from questions.views.kits import get_kit_for_user

WRITERS = {"xml": moodle.export, "gift": gift.export, "csv": csvfile.export}
CHUNK_BYTES = 64 * 1024


class ExportFormatConverter:
    """The format part of `export.<format>`: anything else is a 404 before the view runs."""

    regex = "|".join(EXPORT_FORMATS)

    def to_python(self, value: str) -> ExportFormat:
        return EXPORT_FORMATS[value]

    def to_url(self, value: ExportFormat | str) -> str:
        return value.key if isinstance(value, ExportFormat) else value


def _buffered(chunks: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 in pieces of about CHUNK_BYTES: a piece per question would mean many tiny writes."""
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        pending.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def download(
    questions: QuerySet[Question],
    fmt: ExportFormat,
    *,
    filename: str,
    deck_name: str,
    topic_decks: bool,
) -> FileResponse | StreamingHttpResponse:
    """The questions (in the queryset's order) as a download in `fmt`."""
    name = f"{filename}{fmt.extension}"
    if fmt.key == "apkg":
        # Deleted when the response closes it (so no `with`).
        file = tempfile.TemporaryFile(prefix="interviewprep-")  # noqa: SIM115
        anki.write(
            iter_questions(questions, rendered=True),
            file,
            deck_name=deck_name,
            topic_decks=topic_decks,
        )
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=name, content_type=fmt.content_type)
    response = StreamingHttpResponse(
        _buffered(WRITERS[fmt.key](iter_questions(questions))), content_type=fmt.content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _in_bank_order(questions: QuerySet[Question]) -> QuerySet[Question]:
    return questions.order_by("topic__position", "topic__slug", "position", "slug")


@require_GET
@rate_limit("export", methods=("GET",))
def bank_export(request: HttpRequest, fmt: ExportFormat) -> FileResponse | StreamingHttpResponse:
    """The published questions matching the question browser's filters (none: the whole bank)."""
    topics = list(Topic.objects.only("slug", "name"))
    form = QuestionFilterForm(request.GET, topics=topics)
    if notices := form.notices():
        raise BadRequest(" ".join(notices))
    criteria = form.criteria()
    # The browser's own read, every field back (it loads only what a list shows).
    questions = Question.objects.browse(**criteria).defer(None)
    topic = criteria["topic"]
    if not form.active:
        filename = "interviewprep-bank"
    elif topic and not (criteria["q"].strip() or criteria["level"] or criteria["kind"]):
        filename = f"interviewprep-{topic.slug}"
        if criteria["role"] or criteria["tag"]:
            filename += "-selection"
    else:
        filename = "interviewprep-search"
    return download(
        _in_bank_order(questions),
        fmt,
        filename=filename,
        deck_name=anki.ROOT_DECK,
        topic_decks=True,
    )


@login_required
@require_GET
@rate_limit("export", methods=("GET",))
def kit_export(
    request: AuthenticatedHttpRequest, kit_id: int, fmt: ExportFormat
) -> FileResponse | StreamingHttpResponse:
    """A kit's questions in the kit's order (its owner and staff; 404 for other interviewers)."""
    kit = get_kit_for_user(request, kit_id)
    questions = Question.objects.filter(kit_items__kit=kit).order_by("kit_items__position")
    return download(
        questions,
        fmt,
        filename=slugify(kit.title) or "kit",
        deck_name=f"{anki.ROOT_DECK}::{kit.title}",
        topic_decks=False,
    )


@login_required
@require_GET
@rate_limit("export", methods=("GET",))
def review_export(
    request: AuthenticatedHttpRequest, fmt: ExportFormat
) -> FileResponse | StreamingHttpResponse:
    """The questions of the signed-in candidate's review cards, the soonest due first."""
    questions = (
        Question.objects.published()
        .filter(review_cards__owner=request.user)
        .annotate(next_due=Min("review_cards__due"))
        .order_by("next_due", "slug")
    )
    return download(
        questions,
        fmt,
        filename="interviewprep-review",
        deck_name=f"{anki.ROOT_DECK}::Review",
        topic_decks=False,
    )
