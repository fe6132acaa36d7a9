"""A store with three releases of synthetic records: two published, one still a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from feed.model import Counts, parse_record
from feed.store.db import make_engine, transaction
from feed.store.records import save_revision
from feed.store.releases import insert_release, set_release_approved, set_release_published
from feed.synthetic import synthetic_record, synthetic_record_data

#: A record whose name and aliases exercise the search: accents, case and separators.
SEARCHABLE = 30


def searchable_record() -> Any:
    data = synthetic_record_data(SEARCHABLE)
    data["name"] = "Synthétique Ràd-Wheel 0000030"
    data["aliases"] = [
        {"value": "ZYNTH ÖRB 30", "language": "de", "kind": "translation"},
        {"value": "zynth.orb.thirty", "language": "en", "kind": "coded-form"},
    ]
    data["regions"] = ["MT"]
    data.pop("relations", None)
    return parse_record(data)


@dataclass
class Catalogue:
    """What the fixture stored: member revisions per release."""

    releases: dict[str, dict[str, int]] = field(default_factory=dict)


def build_catalogue(url: str, *, comment: str = "") -> Catalogue:
    """2024.1: records 0-19. 2024.2: record 1 changed, record 2 gone, 20-24 and the searchable
    record added. 2024.3: a draft adding record 25 (never visible to the read API)."""
    engine = make_engine(url)
    out = Catalogue()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    try:
        with transaction(engine) as session:
            revisions: dict[str, int] = {}
            for n in range(26):
                record = synthetic_record(n)
                revisions[record.id] = save_revision(
                    session, record, author="synthetic-editor", comment=comment
                )
            first = {rid: rev for rid, rev in revisions.items() if int(rid[-7:]) < 20}
            changed = synthetic_record(1, variant=1)
            revisions[changed.id] = save_revision(
                session, changed, author="synthetic-editor", comment=comment
            )
            special = searchable_record()
            revisions[special.id] = save_revision(
                session, special, author="synthetic-editor", comment=comment
            )
            second = {rid: rev for rid, rev in revisions.items() if int(rid[-7:]) < 25}
            second.pop(synthetic_record(2).id)
            second[special.id] = revisions[special.id]
            third = dict(second)
            third[synthetic_record(25).id] = revisions[synthetic_record(25).id]
            chain: list[tuple[str, dict[str, int], bool]] = [
                ("2024.1", first, True),
                ("2024.2", second, True),
                ("2024.3", third, False),
            ]
            previous: str | None = None
            for i, (version, members, publish) in enumerate(chain):
                at = start + timedelta(days=30 * i)
                insert_release(
                    session,
                    version=version,
                    sequence=i + 1,
                    notes=f"Synthetic release {version}.",
                    created_by="synthetic-editor",
                    created=at,
                    counts=Counts(added=0, changed=0, retired=0, total=len(members)),
                    previous_version=previous,
                    members=sorted(members.items()),
                )
                if publish:
                    set_release_approved(session, version, approver="synthetic-publisher", at=at)
                    set_release_published(session, version, at=at + timedelta(hours=1))
                out.releases[version] = members
                previous = version
    finally:
        engine.dispose()
    return out
