import json
from pathlib import Path
from typing import Any

from questions.bankio import read_bank
from questions.management.generated import GeneratedFileCommand
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


class Command(GeneratedFileCommand):
    help = (
        "Write questions/suggest/idf.json: how many of the bank's key points and model-answer "
        "sentences use each word, the IDF of the BM25 key-point matcher."
    )
    documents = 0

    def generate(self, paths: list[Path], names: list[str], options: dict[str, Any]) -> str:
        documents = bank_documents(paths)
        self.documents = len(documents)
        return json.dumps(lexical.idf_data(documents), indent=0, sort_keys=True) + "\n"

    def output(self, options: dict[str, Any]) -> Path:
        return lexical.IDF_PATH

    def written(self) -> str:
        return f" from {self.documents} documents"
