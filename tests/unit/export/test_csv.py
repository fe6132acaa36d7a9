"""The CSV export: RFC 4180, one row per record and per alias, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from feed.export import aliases_csv, records_csv, spreadsheet_safe, to_csv
from feed.export.csv import ALIAS_COLUMNS, RECORD_COLUMNS
from feed.model import PublishedPackage
from tests.unit.export.common import package_of, synthetic


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("https://example.org","x")', '\'=HYPERLINK("https://example.org","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("1488", "1488"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_evaluate_get_a_leading_apostrophe(
    value: str, expected: str
) -> None:
    assert spreadsheet_safe(value) == expected


def test_record_named_like_a_formula_is_written_as_text() -> None:
    name = '=HYPERLINK("https://example.org/synthetic","click")'
    record = synthetic(
        0,
        name=name,
        aliases=[{"value": "@cmd|' /C calc'!A0", "language": "en", "kind": "translation"}],
    )
    package = package_of([record])
    (row,) = _rows(records_csv(package))
    assert row["name"] == "'" + name
    (alias,) = _rows(aliases_csv(package))
    assert alias["alias"] == "'@cmd|' /C calc'!A0"
    raw = records_csv(package).decode("utf-8-sig")
    assert '"\'=HYPERLINK(""https://example.org/synthetic"",""click"")"' in raw


def test_rfc_4180_quoting_and_crlf_line_ends_round_trip() -> None:
    summary = 'Says "quoted", has a comma,\nand a second line.'
    record = synthetic(0, summary={"en": summary})
    data = records_csv(package_of([record]))
    text = data.decode("utf-8-sig")
    assert text.splitlines(keepends=True)[0].endswith("\r\n")
    assert text.startswith('"id","type","name"')
    (row,) = _rows(data)
    assert row["summary"] == summary


def test_one_row_per_record_with_the_documented_columns(sample: PublishedPackage) -> None:
    rows = _rows(records_csv(sample))
    assert list(rows[0]) == RECORD_COLUMNS
    assert [r["id"] for r in rows] == [r.id for r in sample.records]
    record = sample.records[0]
    assert rows[0]["ideologies"] == "; ".join(i.value for i in record.ideologies)
    assert rows[0]["ambiguity"] == record.guidance.ambiguity.value
    assert rows[0]["summary"] == record.summary["en"]


def test_one_row_per_alias_with_language_script_and_kind(sample: PublishedPackage) -> None:
    rows = _rows(aliases_csv(sample))
    assert list(rows[0]) == ALIAS_COLUMNS
    expected = [
        (r.id, a.value, a.language, a.script or "", a.kind.value)
        for r in sample.records
        for a in r.aliases
    ]
    assert [(r["record_id"], r["alias"], r["language"], r["script"], r["kind"]) for r in rows] == [
        (i, spreadsheet_safe(v), lang, s, k) for i, v, lang, s, k in expected
    ]


def test_retired_records_say_so() -> None:
    rows = _rows(records_csv(package_of([synthetic(0, retired_in="2026.3")])))
    assert rows[0]["retired_in"] == "2026.3"


def test_1000_records_give_1000_rows_and_the_same_bytes_twice(
    synthetic_1k: PublishedPackage,
) -> None:
    files = to_csv(synthetic_1k)
    assert len(_rows(files["records.csv"])) == 1000
    assert len(_rows(files["aliases.csv"])) == sum(len(r.aliases) for r in synthetic_1k.records)
    assert to_csv(synthetic_1k) == files
