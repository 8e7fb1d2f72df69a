"""The question bank in other tools' formats: Anki, Moodle XML, GIFT and CSV (see the modules).

`EXPORT_FORMATS` names each download: its key in URLs (`export.apkg`), its label, the file's
extension and content type. Reading Moodle XML and CSV (and the bank's own YAML) is in `reading`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    content_type: str
    description: str


EXPORT_FORMATS = {
    f.key: f
    for f in (
        ExportFormat(
            "apkg", "Anki", ".apkg", "application/octet-stream", "a deck to import into Anki"
        ),
        ExportFormat(
            "xml", "Moodle XML", ".xml", "application/xml; charset=utf-8", "essay questions"
        ),
        ExportFormat("gift", "GIFT", ".gift.txt", "text/plain; charset=utf-8", "for Moodle"),
        ExportFormat("csv", "CSV", ".csv", "text/csv; charset=utf-8", "for spreadsheets"),
    )
}
