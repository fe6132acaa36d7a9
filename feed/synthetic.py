"""Obviously synthetic records for tests and benchmarks: realistic sizes, no real content.

Every generated record is named `Synthetic ... NNNNNN`, cites `https://example.org/synthetic/`,
and carries hashes derived from its own id (sha256 of a label), so nothing here can be mistaken
for a real catalogue entry or a real file hash.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from typing import Any

from feed.model import AnyRecord, parse_record

__all__ = ["synthetic_record", "synthetic_record_data", "synthetic_records"]

_WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "zulu",
]
_LANGS = ["en", "de", "fr", "it", "es", "pl", "nl", "sv", "cs", "pt"]
_COUNTRIES = ["DE", "FR", "IT", "ES", "PL", "NL", "SE", "CZ", "PT", "AT", "BE", "FI"]
_IDEOLOGIES = ["neo-nazism", "white-supremacy", "accelerationism", "ethno-nationalism", "other"]
_CATEGORIES = ["numeric", "alphanumeric", "slogan", "hand-sign", "rune-or-glyph", "flag", "logo"]
_TYPES = ("group", "symbol", "manifesto")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _fake_hash(label: str, algorithm: str = "sha256") -> str:
    digest = hashlib.sha256(f"synthetic:{label}".encode()).hexdigest()
    return digest[:32] if algorithm == "md5" else digest


def synthetic_record_data(n: int, *, seed: int = 0, variant: int = 0) -> dict[str, Any]:
    """Plain data for synthetic record number `n`; `variant` > 0 gives a changed revision."""
    rng = random.Random(f"{seed}:{n}:{variant}")  # noqa: S311 (test data, not secrets)
    rtype = _TYPES[n % 3]
    slug = f"synthetic-{n:07d}"
    rid = f"{rtype}:{slug}"
    code = f"{n:07d}"
    data: dict[str, Any] = {
        "id": rid,
        "type": rtype,
        "name": f"Synthetic {rtype} {n:07d}",
        "aliases": [
            {
                "value": f"Synthetic alias {n:07d} {lang}",
                "language": lang,
                "kind": "translation",
            }
            for lang in rng.sample(_LANGS, 3)
        ],
        "summary": {"en": _sentence(rng, 25), "de": _sentence(rng, 25)},
        "description": {"en": " ".join(_sentence(rng, 18) for _ in range(6))},
        "ideologies": sorted(set(rng.sample(_IDEOLOGIES, 2))),
        "regions": sorted(set(rng.sample(_COUNTRIES, 2))),
        "status": "active",
        "guidance": {
            "signals": _sentence(rng, 30),
            "benign_uses": [_sentence(rng, 15)],
            "known_collisions": [_sentence(rng, 12)],
            "ambiguity": ["low", "medium", "high"][n % 3],
        },
        "indicators": {
            "text_patterns": [
                {"value": f"synthword{code}", "kind": "name"},
                {"value": f"synthetic slogan {code}", "kind": "slogan", "language": "en"},
            ],
            "numeric_codes": [{"value": f"9{n % 1000:03d}7", "meaning": "Synthetic number code."}],
        },
        "sources": [
            {
                "title": f"Synthetic source {n:07d}",
                "publisher": "kpfeed synthetic data",
                "url": f"https://example.org/synthetic/{slug}",
                "accessed": "2024-01-01",
            }
        ],
        "tlp": "CLEAR",
        "confidence": "medium",
    }
    if variant:
        data["summary"]["en"] = f"Changed (variant {variant}). " + data["summary"]["en"]
    if rtype == "group":
        data["kind"] = "network"
        data["founded"] = str(1990 + n % 30)
    elif rtype == "symbol":
        data["category"] = _CATEGORIES[n % len(_CATEGORIES)]
        data["visual_description"] = _sentence(rng, 20)
    else:
        data["title"] = f"Synthetic document {n:07d}"
        data["languages"] = ["en"]
        data["file_variants"] = [
            {
                "format": "PDF",
                "hashes": [
                    {"algorithm": "sha256", "value": _fake_hash(rid)},
                    {"algorithm": "md5", "value": _fake_hash(rid, "md5")},
                ],
                "description": "Synthetic file variant (hash of a label, not of a real file).",
            }
        ]
    if n > 3:
        target = n - 3  # same type, always exists when ids 0..count-1 are generated
        data["relations"] = [
            {"type": "associated-with", "target": f"{_TYPES[target % 3]}:synthetic-{target:07d}"}
        ]
    return data


def synthetic_record(n: int, *, seed: int = 0, variant: int = 0) -> AnyRecord:
    """Synthetic record number `n` as a model."""
    return parse_record(synthetic_record_data(n, seed=seed, variant=variant))


def synthetic_records(count: int, *, seed: int = 0) -> Iterator[AnyRecord]:
    """`count` synthetic records, ids 0..count-1; relations point only inside that range."""
    for n in range(count):
        yield synthetic_record(n, seed=seed)
