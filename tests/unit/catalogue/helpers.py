"""Builders for catalogue tests: synthetic records with every optional field, source items."""

from __future__ import annotations

import copy
from typing import Any

from feed.model import AnyRecord, parse_record
from feed.source import SourceRecord, to_source_data
from feed.synthetic import synthetic_record_data

_HASH_A = "0" * 63 + "a"  # obviously not the hash of any real file
_HASH_B = "0" * 63 + "b"

# Texts that trip naive YAML handling: YAML 1.1 booleans and numbers, comment and flow markers,
# multi-line text with trailing spaces, leading/trailing whitespace, non-Latin scripts, emoji.
AWKWARD_TEXTS = [
    "yes",
    "No",
    "off",
    "1:20",
    "0o17",
    "1e3",
    "0088",
    "null",
    "~",
    "- starts like a list item",
    "# starts like a comment",
    "key: value inside text",
    "first line\nsecond line with trailing space \n\nfourth",
    "  leading and trailing spaces  ",
    "Синтетический текст",
    "合成テキスト 🙂",
    'quote " and backslash \\ and tab\there',
    "ends with a newline\n",
]


def full_record_data() -> list[dict[str, Any]]:
    """One synthetic group, symbol and manifesto, each with every optional field filled."""
    group, symbol, manifesto = (synthetic_record_data(n) for n in (6, 7, 8))
    for data in (group, symbol, manifesto):
        rid = data["id"]
        data["aliases"][0] |= {"script": "Latn", "first_seen": "2019-03"}
        data["aliases"].append(
            {"value": "SYNTH-ALIAS", "language": "sr-Latn", "kind": "abbreviation"}
        )
        data["description"] = {"en": "Synthetic description.", "de": "Synthetische Beschreibung."}
        data["regions"] = ["DE", "NO"]  # Norway: YAML 1.1 would read NO as false
        data["status"] = "inactive"
        data["designations"] = [
            {
                "authority": "Synthetic Ministry",
                "jurisdiction": "EU",
                "instrument": "Synthetic Regulation 1/2020",
                "listed": "2020-01-15",
                "ended": "2021-06-30",
                "citation": "https://example.org/synthetic/designation",
            }
        ]
        data["relations"] = [
            {"type": "associated-with", "target": "group:synthetic-0000006", "note": "Synthetic."}
        ]
        data["guidance"]["benign_uses"] = list(AWKWARD_TEXTS)
        data["indicators"] = {
            "text_patterns": [
                {
                    "value": "synth pattern",
                    "kind": "phrase",
                    "language": "en",
                    "normalization": {"casefold": False, "leetspeak": True},
                    "word_boundaries": False,
                }
            ],
            "numeric_codes": [{"value": "0088", "display": "00/88", "meaning": "Synthetic."}],
            "evasions": [{"value": "s y n t h", "technique": "spacing", "of": "synth"}],
            "file_hashes": [{"algorithm": "sha256", "value": _HASH_A, "description": "Synthetic."}],
            "perceptual_hashes": [
                {"algorithm": "pdq", "value": _HASH_B, "quality": 90, "description": "Synthetic."}
            ],
        }
        data["tlp"] = "GREEN"
        data["confidence"] = "high"
        data["uuid"] = None  # derived
        assert rid
    group["relations"] = [{"type": "uses-symbol", "target": "symbol:synthetic-0000007"}]
    group |= {
        "founded": "1994",
        "dissolved": "2012-05-01",
        "affiliates": ["group:synthetic-0000003"],
    }
    symbol |= {
        "visual_description": "A synthetic shape.\nSecond line.",
        "reference_images": [
            {
                "sha256": _HASH_A,
                "description": "Synthetic image.",
                "perceptual_hashes": [{"algorithm": "phash", "value": "f" * 16}],
            }
        ],
    }
    manifesto |= {
        "attack": {"date": "2019-03-15", "place": "Synthetic Town", "country": "NO"},
        "languages": ["en", "de"],
        "file_variants": [
            {
                "format": "PDF",
                "language": "en",
                "hashes": [{"algorithm": "sha256", "value": _HASH_B}],
                "description": "Synthetic variant.",
            }
        ],
        "derivatives": [
            {"kind": "translation", "language": "de", "description": "Synthetic derivative."}
        ],
    }
    for data in (group, symbol, manifesto):
        data.pop("uuid")
    return [group, symbol, manifesto]


def full_records() -> list[AnyRecord]:
    """The records of `full_record_data`, plus the ones their relations point at."""
    return [parse_record(d) for d in full_record_data()] + [
        parse_record(synthetic_record_data(n)) for n in range(6)
    ]


def item(data: dict[str, Any], file: str | None = None) -> SourceRecord:
    """A SourceRecord at the file its id implies (symbols/<slug>.yaml)."""
    if file is None:
        rtype, slug = str(data["id"]).split(":", 1)
        file = f"pkg/{rtype}s/{slug}.yaml"
    return SourceRecord(file, data)


def synthetic_items(*numbers: int) -> list[SourceRecord]:
    return [item(synthetic_record_data(n)) for n in numbers]


def editor_data(record: AnyRecord) -> dict[str, Any]:
    return copy.deepcopy(to_source_data(record))
