from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from questions.bankreport import build
from questions.management.generated import GeneratedFileCommand


class Command(GeneratedFileCommand):
    help = (
        "Write docs/bank-report.md: the bank's counts by topic, level and kind, and how many "
        "questions have red flags, weighted key points, chained follow-ups and code blocks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--output", default="docs/bank-report.md", help="Where to write it.")

    def generate(self, paths: list[Path], names: list[str], options: dict[str, Any]) -> str:
        return build(paths, source=", ".join(names))

    def output(self, options: dict[str, Any]) -> Path:
        output = Path(str(options["output"]))
        return output if output.is_absolute() else Path(settings.BASE_DIR) / output
