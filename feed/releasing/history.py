"""A release's records as published: frozen members plus the release-derived lifecycle fields.

The store keeps each release's members as (record id, revision). `first_released_in` and
`last_changed_in` are not stored: `feed.release.walk_lifecycle` derives them from the chain of
releases, with the rule `plan_snapshot` applies one release at a time. Only member revisions
are read for that (no record bodies), so it stays cheap however long the chain grows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import orjson
from sqlmodel import Session

from feed.errors import PublishError, StateError
from feed.model import AnyRecord, ReleaseInfo
from feed.model.vocab import Tlp
from feed.release import (
    LoadRecords,
    Member,
    highest_marking,
    highest_tlp,
    walk_lifecycle,
    with_lifecycle,
)
from feed.render.sources import PublishedRecord
from feed.store import (
    StoredRelease,
    get_manifest,
    get_record,
    list_releases,
    release_member_contents,
    release_member_revisions,
    release_members,
)

__all__ = [
    "chain_until",
    "memberships",
    "published_records",
    "record_loader",
    "release_info",
    "released_records",
]

#: Above this many records, load a whole release at once rather than record by record.
_BULK = 200


def chain_until(session: Session, version: str) -> list[StoredRelease]:
    """Every release up to and including `version`, oldest first."""
    chain: list[StoredRelease] = []
    for stored in list_releases(session):
        chain.append(stored)
        if stored.version == version:
            return chain
    raise StateError(f"release {version} is not in the store")


def memberships(session: Session, version: str) -> tuple[dict[str, Member], dict[str, Member]]:
    """The members of the release before `version` (empty for the first) and of `version`."""
    chain = [
        (s.version, release_member_revisions(session, s.version))
        for s in chain_until(session, version)
    ]
    previous = walk_lifecycle(chain[:-1])
    return previous, walk_lifecycle(chain)


def released_records(
    session: Session, version: str, members: dict[str, Member] | None = None
) -> list[AnyRecord]:
    """The records of release `version` at their frozen revisions, lifecycle fields filled."""
    if members is None:
        members = memberships(session, version)[1]
    return [with_lifecycle(r, members[r.id]) for r in release_members(session, version)]


def published_records(
    session: Session, version: str, members: Mapping[str, Member]
) -> tuple[list[PublishedRecord], Tlp]:
    """The records of release `version` as it publishes them, straight from the stored
    content, and the highest TLP marking among them.

    Each stored body (the record's content, validated when it was stored) gets its lifecycle
    fields and is written as canonical JSON: the same bytes `record_json` gives for
    `released_records`' models (a test keeps them equal), at a fraction of the cost.
    """
    out: list[PublishedRecord] = []
    markings: set[str] = set()
    for member in release_member_contents(session, version):
        lifecycle = members[member.id]
        data = member.content
        data["revision"] = member.revision
        data["created"] = member.created
        data["modified"] = member.modified
        data["first_released_in"] = lifecycle.first_released_in
        data["last_changed_in"] = lifecycle.last_changed_in
        data.pop("retired_in", None)
        markings.add(data["tlp"])
        try:
            encoded = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)
        except orjson.JSONEncodeError as error:
            raise PublishError(f"record {member.id}: cannot be written as JSON: {error}") from None
        out.append(PublishedRecord(member.id, encoded))
    return out, highest_marking(markings)


def record_loader(session: Session, version: str | None) -> LoadRecords:
    """Loads records of release `version` by (id, revision), for `feed.release`'s planning."""

    def load(keys: Collection[tuple[str, int]]) -> list[AnyRecord]:
        if version is None or not keys:
            return []
        if len(keys) > _BULK:
            wanted = set(keys)
            return [r for r in release_members(session, version) if (r.id, r.revision) in wanted]
        return [get_record(session, rid, revision) for rid, revision in keys]

    return load


def release_info(
    session: Session, stored: StoredRelease, records: list[AnyRecord], *, tlp: Tlp | None = None
) -> ReleaseInfo:
    """The metadata of a stored release as it would be published now.

    Catalogue name, title and publisher come from the package manifest as it is now; once a
    release is published, its own `releases/<version>/package.json` holds the metadata it was
    published with, and that is what the release index repeats.
    """
    manifest = get_manifest(session)
    if manifest is None:
        raise StateError(
            "the store has no package manifest (catalogue name, title, publisher): "
            "import a knowledge package first"
        )
    return ReleaseInfo(
        catalogue=manifest.catalogue,
        title=manifest.title,
        publisher=manifest.publisher,
        version=stored.version,
        sequence=stored.sequence,
        created=stored.created_at,
        published=stored.published_at,
        notes=stored.notes,
        previous_version=stored.previous_version,
        counts=stored.counts,
        tlp=tlp if tlp is not None else highest_tlp(records),
    )
