"""Helpers the feedback tests share: an open cycle, submissions of every kind, a client."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from feed.feedback import create_cycle, open_cycle
from feed.store.db import make_engine, transaction
from feed.synthetic import synthetic_record, synthetic_record_data

#: A record in both published releases of `tests.integration.api.catalogue` (2024.1, 2024.2).
RECORD = synthetic_record(3).id
#: Only in 2024.1 (2024.2 dropped it).
DROPPED = synthetic_record(2).id
#: Only in the draft release 2024.3, never published.
UNRELEASED = synthetic_record(25).id
RELEASE = "2024.2"


def open_a_cycle(url: str, name: str = "2024", *, days_left: int = 30) -> None:
    """A cycle whose window began yesterday, opened by an editor."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            create_cycle(
                session,
                name,
                window_start=now - timedelta(days=1),
                window_end=now + timedelta(days=days_left),
                release_target="autumn (2024.3)",
                actor="synthetic-editor",
            )
            open_cycle(session, name, actor="synthetic-editor")
    finally:
        engine.dispose()


def new_record_body(slug: str = "synthetic-proposal") -> dict[str, Any]:
    """A valid proposed record in the editor file format (content only)."""
    data = synthetic_record_data(900)
    data["id"] = f"{data['type']}:{slug}"
    data.pop("uuid", None)
    data.pop("relations", None)
    for name in ("revision", "created", "modified", "first_released_in", "last_changed_in"):
        data.pop(name, None)
    return data


def every_kind(record: str = RECORD, release: str = RELEASE) -> dict[str, dict[str, Any]]:
    """One valid submission of each kind except retraction (which needs an earlier one)."""
    about = {"release": release, "record": record}
    return {
        "true-positive": {"kind": "true-positive", **about},
        "false-positive": {
            "kind": "false-positive",
            **about,
            "reason": "counter-speech",
            "comment": "Used by a counter-speech account quoting it.",
        },
        "inconclusive": {"kind": "inconclusive", **about},
        "sighting": {
            "kind": "sighting",
            **about,
            "count": 17,
            "period": {"start": "2024-01-01", "end": "2024-01-31"},
            "regions": ["DE"],
        },
        "label-dispute": {
            "kind": "label-dispute",
            **about,
            "field": "/guidance/ambiguity",
            "argument": "A common hobby symbol too; the ambiguity is high.",
        },
        "correction": {
            "kind": "correction",
            **about,
            "field": "/aliases/-",
            "proposed_value": {"value": "synthetic-alias", "language": "en", "kind": "coded-form"},
            "evidence": "https://example.org/synthetic-evidence",
        },
        "suggestion-alias": {
            "kind": "suggestion",
            **about,
            "proposal": {
                "what": "alias",
                "alias": {"value": "synth alias", "language": "de", "kind": "translation"},
            },
        },
        "suggestion-variant": {
            "kind": "suggestion",
            **about,
            "proposal": {"what": "variant", "value": "5ynth", "description": "Digit for S."},
        },
        "suggestion-evasion": {
            "kind": "suggestion",
            **about,
            "proposal": {
                "what": "evasion",
                "evasion": {"value": "s y n t h", "technique": "spacing"},
            },
        },
        "suggestion-new-record": {
            "kind": "suggestion",
            "release": release,
            "proposal": {"what": "new-record", "record": new_record_body()},
        },
        "usage-report": {
            "kind": "usage-report",
            "release": release,
            "period": {"start": "2024-01-01", "end": "2024-03-31"},
            "integration": "mixed",
            "records_in_use": 120,
            "matches": 3400,
            "actions": 310,
        },
    }


def clear_of_minute_boundary() -> None:
    """Rate counters are per clock minute: start a burst well inside one."""
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
