from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankio import export_bank
from questions.formats import EXPORT_FORMATS, anki, csvfile, gift, moodle
from questions.formats.common import iter_questions
from questions.models import Question

WRITERS = {"xml": moodle.export, "gift": gift.export, "csv": csvfile.export}


class Command(BaseCommand):
    help = (
        "Export the question bank to DIR as one YAML file per topic (the import format), or "
        "with --format to one FILE as an Anki deck (apkg), Moodle XML (xml), GIFT or CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="a directory (YAML) or, with --format, a file")
        parser.add_argument("--format", choices=list(EXPORT_FORMATS), help="write one file")

    def handle(self, *args: object, **options: object) -> None:
        target = Path(str(options["target"]))
        fmt = options["format"]
        if not fmt:
            written = export_bank(target)
            self.stdout.write(f"Wrote {len(written)} file(s) to {target}")
            return
        if target.is_dir():
            raise CommandError(f"{target} is a directory; name the file to write.")
        questions = Question.objects.order_by("topic__position", "topic__slug", "position", "slug")
        count = questions.count()
        if fmt == "apkg":
            with target.open("wb") as out:
                anki.write(
                    iter_questions(questions, rendered=True),
                    out,
                    deck_name=anki.ROOT_DECK,
                    topic_decks=True,
                )
        else:
            with target.open("w", encoding="utf-8", newline="") as out:
                for chunk in WRITERS[str(fmt)](iter_questions(questions)):
                    out.write(chunk)
        self.stdout.write(f"Wrote {count} question(s) to {target}")
