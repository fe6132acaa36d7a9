"""The read API's index over released revisions: filter columns and a normalized search key.

A revision's content never changes and a release's members are frozen, so each (record,
revision) is indexed once, the first time a published release holding it is read. Filters
(type, status, ambiguity, ideology, region) and the search over names, aliases and numeric
codes then run in the database on both SQLite and PostgreSQL, page by page, without loading
record bodies.

The search key of a text ignores case, accents and separators: `Sonnen-Rad`, `sonnenrad` and
`SÖNNEN RAD` all become `sonnenrad`. A record's key joins the keys of its name, aliases and
codes with `|`, which never occurs inside a key, so a search cannot match across two names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from feed.model import AnyRecord
from feed.store.bulk import bulk_insert
from feed.store.common import build_record, flush
from feed.store.tables import RecordRow, ReleaseMemberRow, ReleaseRow, RevisionRow

__all__ = [
    "MemberFilter",
    "RecordSearchRow",
    "index_release",
    "member_history",
    "revision_records",
    "search_key",
    "search_members",
    "unindexed_members",
]


class RecordSearchRow(SQLModel, table=True):
    """Filter and search columns of one record revision (derived; rebuildable at any time)."""

    __tablename__ = "record_search"

    record_id: str = Field(primary_key=True, max_length=200)
    revision: int = Field(primary_key=True)
    type: str = Field(max_length=16)
    status: str = Field(max_length=16)
    ambiguity: str = Field(max_length=16)
    ideologies: str = Field(sa_type=sa.Text, description="`|a|b|`: LIKE '%|a|%' finds a.")
    regions: str = Field(sa_type=sa.Text, description="`|DE|FR|`.")
    search_key: str = Field(sa_type=sa.Text, description="`|name|alias|...` keys.")


search_table = cast(sa.Table, RecordSearchRow.__table__)  # type: ignore[attr-defined]


def search_key(text: str) -> str:
    """`text` without case, accents or separators: letters and digits only, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in "".join(kept).casefold() if ch.isalnum())


def _joined(values: Iterable[str]) -> str:
    values = [v for v in values if v]
    return "|" + "|".join(values) + "|" if values else ""


def index_row(record_id: str, revision: int, body: dict[str, Any]) -> dict[str, Any]:
    """The index row of one revision, from its stored body (pure).

    What a moderator may type to find a record: its name, its aliases in any language, and
    its numeric codes (as written, and as displayed, e.g. `14/88`).
    """
    codes = body.get("indicators", {}).get("numeric_codes", [])
    names = [
        body.get("name", ""),
        *(a.get("value", "") for a in body.get("aliases", [])),
        *(c.get(key, "") for c in codes for key in ("value", "display")),
    ]
    return {
        "record_id": record_id,
        "revision": revision,
        "type": body.get("type", ""),
        "status": body.get("status", ""),
        "ambiguity": body.get("guidance", {}).get("ambiguity", ""),
        "ideologies": _joined(body.get("ideologies", [])),
        "regions": _joined(body.get("regions", [])),
        "search_key": _joined(dict.fromkeys(search_key(n) for n in names)),
    }


def unindexed_members(session: Session, version: str) -> int:
    """How many members of a release have no index row yet."""
    query = (
        select(sa.func.count())
        .select_from(ReleaseMemberRow)
        .join(
            RecordSearchRow,
            (col(RecordSearchRow.record_id) == col(ReleaseMemberRow.record_id))
            & (col(RecordSearchRow.revision) == col(ReleaseMemberRow.revision)),
            isouter=True,
        )
        .where(ReleaseMemberRow.release_version == version)
        .where(col(RecordSearchRow.record_id).is_(None))
    )
    return int(session.exec(query).one())


def index_release(session: Session, version: str) -> int:
    """Index the members of a release that are not indexed yet; returns how many were added.

    Two workers may do this at once: the loser's insert conflicts and raises ConflictError,
    after which the index is complete anyway (see `feed.api.catalogue`).
    """
    query = (
        select(RevisionRow.record_id, RevisionRow.revision, RevisionRow.body)
        .join(
            ReleaseMemberRow,
            (col(ReleaseMemberRow.record_id) == col(RevisionRow.record_id))
            & (col(ReleaseMemberRow.revision) == col(RevisionRow.revision)),
        )
        .join(
            RecordSearchRow,
            (col(RecordSearchRow.record_id) == col(RevisionRow.record_id))
            & (col(RecordSearchRow.revision) == col(RevisionRow.revision)),
            isouter=True,
        )
        .where(ReleaseMemberRow.release_version == version)
        .where(col(RecordSearchRow.record_id).is_(None))
    )
    rows = [index_row(rid, rev, dict(body)) for rid, rev, body in session.exec(query)]
    if rows:
        bulk_insert(session, search_table, rows)
        flush(session)
    return len(rows)


@dataclass(frozen=True)
class MemberFilter:
    """What a records query asks for; None means any."""

    type: str | None = None
    status: str | None = None
    ambiguity: str | None = None
    ideology: str | None = None
    region: str | None = None
    query: str | None = None


def search_members(
    session: Session, version: str, where: MemberFilter, *, after: str | None, limit: int
) -> list[tuple[str, int]]:
    """(record id, revision) of a release's members that match, by id, after `after`."""
    query = (
        select(ReleaseMemberRow.record_id, ReleaseMemberRow.revision)
        .join(
            RecordSearchRow,
            (col(RecordSearchRow.record_id) == col(ReleaseMemberRow.record_id))
            & (col(RecordSearchRow.revision) == col(ReleaseMemberRow.revision)),
        )
        .where(ReleaseMemberRow.release_version == version)
    )
    if where.type:
        query = query.where(RecordSearchRow.type == where.type)
    if where.status:
        query = query.where(RecordSearchRow.status == where.status)
    if where.ambiguity:
        query = query.where(RecordSearchRow.ambiguity == where.ambiguity)
    # Values are checked against the vocabularies before they get here, and search keys
    # hold letters and digits only, so none can carry a LIKE wildcard.
    if where.ideology:
        query = query.where(col(RecordSearchRow.ideologies).contains(f"|{where.ideology}|"))
    if where.region:
        query = query.where(col(RecordSearchRow.regions).contains(f"|{where.region}|"))
    if where.query:
        query = query.where(col(RecordSearchRow.search_key).contains(where.query))
    if after is not None:
        query = query.where(col(ReleaseMemberRow.record_id) > after)
    query = query.order_by(col(ReleaseMemberRow.record_id)).limit(limit)
    return [(rid, rev) for rid, rev in session.exec(query)]


def member_history(session: Session, record_id: str) -> list[tuple[str, int | None]]:
    """For each published release, oldest first: (version, the record's revision or None)."""
    releases = session.exec(
        select(ReleaseRow.version)
        .where(ReleaseRow.state == "published")
        .order_by(col(ReleaseRow.sequence))
    ).all()
    held = dict(
        session.exec(
            select(ReleaseMemberRow.release_version, ReleaseMemberRow.revision).where(
                ReleaseMemberRow.record_id == record_id
            )
        ).all()
    )
    return [(version, held.get(version)) for version in releases]


def revision_records(session: Session, keys: Sequence[tuple[str, int]]) -> list[AnyRecord]:
    """The records at the given (record id, revision) pairs, in the order given."""
    if not keys:
        return []
    wanted = set(keys)
    query = (
        select(RevisionRow, RecordRow.created)
        .join(RecordRow, col(RecordRow.id) == col(RevisionRow.record_id))
        .where(col(RevisionRow.record_id).in_(sorted({rid for rid, _ in keys})))
    )
    found = {
        (rev.record_id, rev.revision): build_record(
            rev.body, revision=rev.revision, created=created, modified=rev.created
        )
        for rev, created in session.exec(query)
        if (rev.record_id, rev.revision) in wanted
    }
    return [found[key] for key in keys if key in found]
