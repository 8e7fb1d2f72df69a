"""A management command that writes a file generated from the bank's YAML files, or, with
`--check`, writes nothing and fails when the file differs from what it would write (CI uses that
to keep a generated file in step with the bank). Used by `bank_report` and `build_suggestion_idf`.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankio import BankInvalid


class GeneratedFileCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="YAML files or directories of *.yaml (default: fixtures/bank)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the file differs from what would be written.",
        )

    def generate(self, paths: list[Path], names: list[str], options: dict[str, Any]) -> str:
        """The file's text, from the bank files at `paths` (as given: `names`)."""
        raise NotImplementedError

    def output(self, options: dict[str, Any]) -> Path:
        raise NotImplementedError

    def written(self) -> str:
        """What follows "Wrote <file>" once it is written."""
        return ""

    def handle(self, *args: object, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        names: list[str] = options["paths"] or ["fixtures/bank"]
        try:
            text = self.generate([base / name for name in names], names, options)
        except BankInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(invalid.errors)} problem(s) in the bank files.") from None
        output = self.output(options)
        if options["check"]:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                name = type(self).__module__.rsplit(".", 1)[-1]  # the command's own name
                raise CommandError(f"{output} is out of date: run manage.py {name}.")
            self.stdout.write(f"{output} is up to date.")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {output}{self.written()}.")
