import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankio import BankInvalid, apply_bank
from questions.formats.reading import FORMATS, read_files
from questions.models import FollowUp, Question, Topic


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Import question-bank files: the bank's YAML, Moodle XML or CSV (by extension, or "
        "--format), or directories of them. Everything is validated first; then all is applied "
        "in one transaction, upserting by slug."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", help="files (.yaml, .xml, .csv) or directories of them"
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="read every file as this format (default: by extension; directories: *.yaml)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--totals",
            action="store_true",
            help="Then say how many topics, questions and follow-ups the bank holds.",
        )

    def handle(self, *args: object, **options: object) -> None:
        paths: list[str] = options["paths"]  # type: ignore[assignment]
        dry_run = bool(options["dry_run"])
        try:
            result = read_files(paths, chosen=options["format"])  # type: ignore[arg-type]
        except BankInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(invalid.errors)} problem(s) found; nothing was imported."
            ) from None

        def progress(done: int, total: int) -> None:
            if total >= 500 and sys.stderr.isatty():
                self.stderr.write(f"\r{done}/{total} questions", ending="")
            elif total >= 500:
                self.stderr.write(f"{done}/{total} questions")

        files = result.files
        for line in result.skipped:
            self.stderr.write(f"Skipped: {line}")
        for line in result.notices:
            self.stderr.write(f"Note: {line}")
        report = apply_bank(files, dry_run=dry_run, progress=progress)
        prefix = "Dry run, nothing written. Would change " if dry_run else "Imported "
        count = len({f.name for f in files})
        self.stdout.write(f"{prefix}{count} file(s): {report.summary()}")
        if options["totals"] and not dry_run:
            counts = [
                _plural(model.objects.count(), noun)
                for model, noun in (
                    (Topic, "topic"),
                    (Question, "question"),
                    (FollowUp, "follow-up"),
                )
            ]
            self.stdout.write(f"The bank holds {counts[0]}, {counts[1]} and {counts[2]}.")
        if dry_run or options["verbosity"] > 1:  # type: ignore[operator]
            for slug in report.created:
                self.stdout.write(f"  + {slug}")
            for slug in report.updated:
                self.stdout.write(f"  ~ {slug}")
