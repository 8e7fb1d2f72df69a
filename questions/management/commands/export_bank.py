from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from questions.bankio import export_bank


class Command(BaseCommand):
    help = "Export the question bank to DIR as one YAML file per topic (the import format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")

    def handle(self, *args: object, **options: object) -> None:
        written = export_bank(Path(str(options["directory"])))
        self.stdout.write(f"Wrote {len(written)} file(s) to {options['directory']}")
