"""The read API's view of published releases: pages of records, one record, diffs (no HTTP).

Only published releases are visible. A published release never changes, which is what makes
the per-process caches here safe: its members' lifecycle fields and the fact that its members
are indexed are computed once per process and kept.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.errors import ConflictError, InputError, NotFoundError
from feed.model import AnyRecord, dump_record
from feed.release import Member, changed_fields, walk_lifecycle, with_lifecycle
from feed.store.db import transaction
from feed.store.releases import StoredRelease, list_releases, release_member_revisions
from feed.store.search import (
    MemberFilter,
    index_release,
    member_history,
    revision_records,
    search_key,
    search_members,
)
from feed.store.tables import ReleaseState

__all__ = ["ReadModel", "decode_cursor", "encode_cursor"]


def encode_cursor(release: str, after: str) -> str:
    """An opaque cursor: the release it pages through (pinned) and the last id seen."""
    return base64.urlsafe_b64encode(orjson.dumps({"r": release, "a": after})).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """(release, last id) of a cursor; InputError when it was not made by `encode_cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        release, after = data["r"], data["a"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise InputError("the cursor is not one this API handed out") from None
    if not isinstance(release, str) or not isinstance(after, str):
        raise InputError("the cursor is not one this API handed out")
    return release, after


def _release_out(stored: StoredRelease) -> dict[str, Any]:
    return {
        "version": stored.version,
        "sequence": stored.sequence,
        "previous_version": stored.previous_version,
        "created": stored.created_at,
        "published": stored.published_at,
        "notes": stored.notes,
        "counts": stored.counts.model_dump(mode="json"),
    }


class ReadModel:
    """Published releases as the read API shows them; one per process, shared by requests."""

    def __init__(self, lifecycle_cache: int = 8) -> None:
        self._lock = threading.Lock()
        self._indexed: set[str] = set()
        self._lifecycle: OrderedDict[str, dict[str, Member]] = OrderedDict()
        self._lifecycle_cache = lifecycle_cache

    # -- releases

    def published(self, session: Session) -> list[StoredRelease]:
        """Published releases, oldest first."""
        return [r for r in list_releases(session) if r.state == ReleaseState.PUBLISHED]

    def release(self, session: Session, version: str | None) -> StoredRelease:
        """A published release, or the newest one when `version` is None."""
        published = self.published(session)
        if not published:
            raise NotFoundError("no release has been published yet")
        if version is None:
            return published[-1]
        for stored in published:
            if stored.version == version:
                return stored
        raise NotFoundError(f"no published release {version!r}")

    def releases(self, engine: Engine) -> dict[str, Any]:
        """Every published release, newest first."""
        with transaction(engine) as session:
            return {"items": [_release_out(r) for r in reversed(self.published(session))]}

    def release_doc(self, engine: Engine, version: str) -> dict[str, Any]:
        """One published release."""
        with transaction(engine) as session:
            return _release_out(self.release(session, version))

    # -- records

    def _members(self, session: Session, version: str) -> dict[str, Member]:
        with self._lock:
            cached = self._lifecycle.get(version)
            if cached is not None:
                self._lifecycle.move_to_end(version)
                return cached
        chain: list[tuple[str, dict[str, int]]] = []
        for stored in self.published(session):
            chain.append((stored.version, release_member_revisions(session, stored.version)))
            if stored.version == version:
                break
        members = walk_lifecycle(chain)
        with self._lock:
            self._lifecycle[version] = members
            while len(self._lifecycle) > self._lifecycle_cache:
                self._lifecycle.popitem(last=False)
        return members

    def prepare(self, engine: Engine, version: str | None) -> str:
        """The published release to read (newest when None), its members indexed.

        Runs in a transaction of its own that commits before the reading one starts: on
        SQLite a transaction reads from the snapshot of its first query, so rows indexed
        inside the reading transaction's lifetime by another would not be seen.
        """
        if version is not None and version in self._indexed:
            return version
        with transaction(engine) as session:
            resolved = self.release(session, version).version
        if resolved not in self._indexed:
            try:
                with transaction(engine) as session:
                    index_release(session, resolved)
            except ConflictError:
                pass  # another worker indexed the same revisions at the same moment
            self._indexed.add(resolved)
        return resolved

    def _published_records(
        self, session: Session, version: str, keys: list[tuple[str, int]]
    ) -> list[AnyRecord]:
        members = self._members(session, version)
        return [with_lifecycle(r, members[r.id]) for r in revision_records(session, keys)]

    def records_page(
        self,
        engine: Engine,
        *,
        release: str | None,
        cursor: str | None,
        where: MemberFilter,
        limit: int,
    ) -> dict[str, Any]:
        after: str | None = None
        if cursor is not None:
            pinned, after = decode_cursor(cursor)
            if release is not None and release != pinned:
                raise InputError(f"the cursor pages through release {pinned}, not {release}")
            release = pinned
        if where.query is not None:
            key = search_key(where.query)
            if not key:
                raise InputError("the search text has no letters or digits")
            where = replace(where, query=key)
        version = self.prepare(engine, release)
        with transaction(engine) as session:
            keys = search_members(session, version, where, after=after, limit=limit + 1)
            more = len(keys) > limit
            keys = keys[:limit]
            records = self._published_records(session, version, keys)
        return {
            "release": version,
            "items": [dump_record(r) for r in records],
            "next_cursor": encode_cursor(version, keys[-1][0]) if more else None,
        }

    def record_detail(self, engine: Engine, record_id: str, release: str | None) -> dict[str, Any]:
        """One record as a release published it, and what each release did to it."""
        with transaction(engine) as session:
            return self._record_detail(session, record_id, release)

    def _record_detail(
        self, session: Session, record_id: str, release: str | None
    ) -> dict[str, Any]:
        stored = self.release(session, release)
        revisions = release_member_revisions(session, stored.version)
        revision = revisions.get(record_id)
        if revision is None:
            raise NotFoundError(f"release {stored.version} holds no record {record_id!r}")
        (record,) = self._published_records(session, stored.version, [(record_id, revision)])
        history: list[dict[str, Any]] = []
        previous: int | None = None
        for version, held in member_history(session, record_id):
            if held is not None and previous is None:
                history.append({"version": version, "op": "ADD", "revision": held})
            elif held is not None and held != previous:
                history.append({"version": version, "op": "MOD", "revision": held})
            elif held is None and previous is not None:
                history.append({"version": version, "op": "DEL", "revision": None})
            previous = held
        return {"release": stored.version, "record": dump_record(record), "history": history}

    # -- diffs

    def diff_page(
        self, engine: Engine, *, from_version: str, to_version: str, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        """One page of the records that differ between two published releases, by id."""
        with transaction(engine) as session:
            return self._diff_page(session, from_version, to_version, cursor, limit)

    def _diff_page(
        self, session: Session, from_version: str, to_version: str, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        old = self.release(session, from_version)
        new = self.release(session, to_version)
        after = None
        if cursor is not None:
            pinned, after = decode_cursor(cursor)
            if pinned != f"{old.version}..{new.version}":
                raise InputError(f"the cursor pages through {pinned}, not this diff")
        before = release_member_revisions(session, old.version)
        now = release_member_revisions(session, new.version)
        ids = sorted(
            rid
            for rid in before.keys() | now.keys()
            if before.get(rid) != now.get(rid) and (after is None or rid > after)
        )
        page, more = ids[:limit], len(ids) > limit
        changed = [rid for rid in page if rid in before and rid in now]
        old_records = {
            r.id: r for r in revision_records(session, [(rid, before[rid]) for rid in changed])
        }
        new_records = {
            r.id: r for r in revision_records(session, [(rid, now[rid]) for rid in changed])
        }
        items = []
        for rid in page:
            op = "ADD" if rid not in before else "DEL" if rid not in now else "MOD"
            fields = (
                changed_fields(old_records[rid], new_records[rid])
                if op == "MOD" and rid in old_records and rid in new_records
                else []
            )
            items.append(
                {
                    "op": op,
                    "id": rid,
                    "from_revision": before.get(rid),
                    "to_revision": now.get(rid),
                    "fields": fields,
                }
            )
        return {
            "from": old.version,
            "to": new.version,
            "items": items,
            "next_cursor": encode_cursor(f"{old.version}..{new.version}", page[-1])
            if more
            else None,
        }
