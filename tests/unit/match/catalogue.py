"""Synthetic records with chosen indicators, the evasion catalogue, and packages of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from feed.model import AnyRecord, dump_record, parse_record, records_digest
from feed.synthetic import synthetic_record_data


def record(
    n: int,
    *,
    ambiguity: str = "high",
    text_patterns: list[dict[str, Any]] | None = None,
    numeric_codes: list[dict[str, Any]] | None = None,
    evasions: list[dict[str, Any]] | None = None,
    file_hashes: list[dict[str, Any]] | None = None,
    file_variants: list[dict[str, Any]] | None = None,
    retired_in: str | None = None,
) -> AnyRecord:
    """Synthetic record number `n` (its type is `n % 3`: group, symbol, manifesto) carrying
    exactly the indicators given."""
    data = synthetic_record_data(n)
    data["guidance"]["ambiguity"] = ambiguity
    data["indicators"] = {
        "text_patterns": text_patterns or [],
        "numeric_codes": numeric_codes or [],
        "evasions": evasions or [],
        "file_hashes": file_hashes or [],
    }
    if data["type"] == "manifesto":
        data["file_variants"] = file_variants or []
    if retired_in:
        data["retired_in"] = retired_in
    return parse_record(data)


#: Record ids of the evasion catalogue, by what they stand for.
CODE_1488 = "symbol:synthetic-0000001"
CODE_88 = "symbol:synthetic-0000004"
NAME = "group:synthetic-0000003"
SLOGAN = "group:synthetic-0000006"
WORD = "symbol:synthetic-0000007"
EMOJI = "symbol:synthetic-0000010"
CYRILLIC = "group:synthetic-0000009"


def evasion_catalogue() -> list[AnyRecord]:
    """A small catalogue of obviously synthetic indicators with realistic shapes."""
    loose = {"ignore_separators": True, "leetspeak": True}
    return [
        record(
            1,
            ambiguity="medium",
            numeric_codes=[{"value": "1488", "display": "14/88", "meaning": "Synthetic A."}],
        ),
        record(4, ambiguity="high", numeric_codes=[{"value": "88", "meaning": "Synthetic B."}]),
        record(
            3,
            ambiguity="low",
            text_patterns=[
                {"value": "Vorbrax Legion", "kind": "name"},
                {"value": "#VorbraxLegion", "kind": "hashtag"},
            ],
            evasions=[{"value": "v0rbr4x", "technique": "leetspeak", "of": "Vorbrax"}],
        ),
        record(
            6,
            ambiguity="medium",
            text_patterns=[
                {"value": "kelmar tides rise", "kind": "slogan", "normalization": loose}
            ],
        ),
        record(7, ambiguity="high", text_patterns=[{"value": "tide", "kind": "name"}]),
        record(10, ambiguity="low", text_patterns=[{"value": "🦩🌵", "kind": "emoji-sequence"}]),
        record(9, ambiguity="low", text_patterns=[{"value": "Ворбракс", "kind": "name"}]),
    ]


def package_data(records: list[AnyRecord]) -> dict[str, Any]:
    """A published `package.json` of the records, as plain data."""
    records = sorted(records, key=lambda r: r.id)
    return {
        "format": "kpfeed/1",
        "release": {
            "catalogue": "euif-knowledge-package",
            "title": "Synthetic catalogue",
            "publisher": "kpfeed tests",
            "version": "2024.1",
            "sequence": 1,
            "created": "2024-01-01T00:00:00Z",
            "notes": "Synthetic release for tests.",
            "counts": {"added": len(records), "changed": 0, "retired": 0, "total": len(records)},
            "tlp": "CLEAR",
        },
        "records_digest": records_digest(records),
        "records": [dump_record(r) for r in records],
    }


def write_package(path: Path, data: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps(data))
    return path
