from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankio import BankInvalid
from questions.bankreport import build


class Command(BaseCommand):
    help = (
        "Write docs/bank-report.md: the bank's counts by topic, level and kind, and how many "
        "questions have red flags, weighted key points, chained follow-ups and code blocks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="YAML files or directories of *.yaml (default: fixtures/bank)"
        )
        parser.add_argument("--output", default="docs/bank-report.md", help="Where to write it.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the file differs from what would be written.",
        )

    def handle(self, *args: object, **options: object) -> None:
        base = Path(settings.BASE_DIR)
        names: list[str] = options["paths"] or ["fixtures/bank"]  # type: ignore[assignment]
        paths = [Path(n) if Path(n).is_absolute() else base / n for n in names]
        output = Path(str(options["output"]))
        output = output if output.is_absolute() else base / output
        try:
            text = build(paths, source=", ".join(names))
        except BankInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(invalid.errors)} problem(s) in the bank files.") from None
        if options["check"]:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(f"{output} is out of date: run manage.py bank_report.")
            self.stdout.write(f"{output} is up to date.")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {output}.")
