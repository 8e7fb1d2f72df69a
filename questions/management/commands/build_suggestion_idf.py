import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questions.bankio import BankInvalid, read_bank
from questions.suggest import lexical
from questions.suggest.text import sentences


def bank_documents(paths: list[Path]) -> list[str]:
    """Every key point, and every sentence of every model answer, of the bank files."""
    documents: list[str] = []

    def add(item: dict) -> None:
        documents.extend(item.get("key_points", []))
        documents.extend(sentences(item.get("answer", "")))
        for follow_up in item.get("follow_ups", []):
            add(follow_up)

    for bank_file in read_bank(paths):
        for question in bank_file.questions:
            add(question)
    return documents


class Command(BaseCommand):
    help = (
        "Write questions/suggest/idf.json: how many of the bank's key points and model-answer "
        "sentences use each word, the IDF of the BM25 key-point matcher."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="YAML files or directories of *.yaml (default: fixtures/bank)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the file differs from what would be written.",
        )

    def handle(self, *args: object, **options: object) -> None:
        base = Path(settings.BASE_DIR)
        names: list[str] = options["paths"] or ["fixtures/bank"]  # type: ignore[assignment]
        try:
            documents = bank_documents([base / n for n in names])
        except BankInvalid as invalid:
            raise CommandError(f"{len(invalid.errors)} problem(s) in the bank files.") from None
        text = json.dumps(lexical.idf_data(documents), indent=0, sort_keys=True) + "\n"
        if options["check"]:
            current = lexical.IDF_PATH.read_text("utf-8") if lexical.IDF_PATH.exists() else ""
            if current != text:
                raise CommandError(
                    f"{lexical.IDF_PATH} is out of date: run manage.py build_suggestion_idf."
                )
            self.stdout.write(f"{lexical.IDF_PATH} is up to date.")
            return
        lexical.IDF_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {lexical.IDF_PATH} from {len(documents)} documents.")
