"""A release as two CSV files for spreadsheets: one row per record, one row per alias.

RFC 4180 (every field quoted, CRLF line ends), UTF-8 with a byte-order mark so that
spreadsheet programs read non-Latin aliases correctly. Moderators open these files in
spreadsheets, so a cell that a spreadsheet would run as a formula (it starts with `=`, `+`,
`-`, `@`, a tab or a line break) gets a leading apostrophe: `=HYPERLINK(...)` is written
`'=HYPERLINK(...)` and shows as text (OWASP "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from feed.export.common import english
from feed.model import PublishedPackage

__all__ = [
    "ALIAS_COLUMNS",
    "RECORD_COLUMNS",
    "aliases_csv",
    "records_csv",
    "spreadsheet_safe",
    "to_csv",
]

RECORD_COLUMNS = [
    "id",
    "type",
    "name",
    "status",
    "ambiguity",
    "ideologies",
    "regions",
    "tlp",
    "revision",
    "last_changed_in",
    "retired_in",
    "summary",
]
ALIAS_COLUMNS = ["record_id", "alias", "language", "script", "kind"]
#: Cells starting with one of these are formulas (or hide one) in Excel, LibreOffice, Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Several values in one cell (ideologies, regions) are joined with this.
LIST_SEPARATOR = "; "


def spreadsheet_safe(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate: a leading `'` before any trigger."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _table(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def records_csv(package: PublishedPackage) -> bytes:
    """One row per record (retired ones too: `retired_in` says so), in id order."""
    return _table(
        RECORD_COLUMNS,
        (
            [
                record.id,
                record.type,
                record.name,
                record.status.value,
                record.guidance.ambiguity.value,
                LIST_SEPARATOR.join(i.value for i in record.ideologies),
                LIST_SEPARATOR.join(record.regions),
                record.tlp.value,
                str(record.revision),
                record.last_changed_in or "",
                record.retired_in or "",
                english(record.summary),
            ]
            for record in package.records
        ),
    )


def aliases_csv(package: PublishedPackage) -> bytes:
    """One row per alias of every record, in record order then the record's own order."""
    return _table(
        ALIAS_COLUMNS,
        (
            [record.id, alias.value, alias.language, alias.script or "", alias.kind.value]
            for record in package.records
            for alias in record.aliases
        ),
    )


def to_csv(package: PublishedPackage) -> dict[str, bytes]:
    """`records.csv` and `aliases.csv`, by file name."""
    return {"records.csv": records_csv(package), "aliases.csv": aliases_csv(package)}
