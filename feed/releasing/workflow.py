"""Creating and approving releases in the store, with `feed.release`'s rules applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from feed.errors import InputError, StateError
from feed.gcpause import gc_paused
from feed.model import Change
from feed.release import (
    Member,
    RecordLinks,
    ReleaseSnapshot,
    check_can_approve,
    check_links,
    counts_of_ops,
    diff_members,
    member_changes,
    next_sequence,
    plan_members,
    plan_snapshot,
)
from feed.releasing.history import memberships, record_loader, released_records
from feed.store import (
    ReleaseState,
    StoredRelease,
    approved_links,
    approved_records,
    get_release,
    insert_release,
    latest_release,
    record_audit,
    retired_ids,
    set_release_approved,
)

__all__ = [
    "CreatedRelease",
    "approve_release",
    "create_release",
    "plan_release",
    "release_changes",
]


@dataclass(frozen=True)
class CreatedRelease:
    """A new draft release and what it holds: its members (lifecycle fields) by id."""

    release: StoredRelease
    members: dict[str, Member]


def _user(name: str, option: str = "--as") -> str:
    if not name.strip():
        raise InputError(f"a user name is required ({option} USER)")
    return name.strip()


def plan_release(session: Session, version: str) -> tuple[StoredRelease | None, ReleaseSnapshot]:
    """What release `version` would hold if it were created now: (the release it would follow,
    its snapshot, every record built as a model and every change with its changed fields).
    Nothing is stored. The console's release builder previews with it; `create_release` decides
    the same members on revisions and links alone, without building records (a test checks
    the two agree).

    The previous release must be published first: releases form one chain, and each one's
    changes file applies to the release before it.
    """
    latest = latest_release(session)
    if latest is not None and latest.state != ReleaseState.PUBLISHED:
        raise StateError(
            f"release {latest.version} is {latest.state.value}, not published: publish it "
            f"before creating {version} (each release's changes apply to the one before)"
        )
    next_sequence(
        version,
        latest.version if latest else None,
        latest.sequence if latest else None,
    )
    previous = memberships(session, latest.version)[1] if latest else None
    snapshot = plan_snapshot(
        version,
        approved_records(session),
        previous=previous,
        retired=retired_ids(session),
        load_previous=record_loader(session, latest.version if latest else None),
    )
    if not snapshot.records:
        raise StateError("no approved records: a release needs at least one")
    if latest is not None and not snapshot.changes:
        raise StateError(
            f"nothing changed since release {latest.version}: approve or retire records first "
            "(to keep signatures fresh for an unchanged release, run `kpfeed refresh`)"
        )
    return latest, snapshot


@gc_paused()
def create_release(
    session: Session, version: str, *, notes: str, created_by: str, now: datetime
) -> CreatedRelease:
    """Freeze the approved records as draft release `version` (the next in sequence).

    The previous release must be published first: releases form one chain, and each one's
    changes file applies to the release before it.
    """
    created_by = _user(created_by)
    latest = latest_release(session)
    if latest is not None and latest.state != ReleaseState.PUBLISHED:
        raise StateError(
            f"release {latest.version} is {latest.state.value}, not published: publish it "
            f"before creating {version} (each release's changes apply to the one before)"
        )
    sequence = next_sequence(
        version,
        latest.version if latest else None,
        latest.sequence if latest else None,
    )
    previous = memberships(session, latest.version)[1] if latest else None
    # Decided on revisions and links alone: no record is built as a model (only those carried
    # over from the previous release, which are few), however large the catalogue.
    approved = approved_links(session)
    plan = plan_members(
        version,
        [(row.id, row.revision) for row in approved],
        previous=previous,
        retired=retired_ids(session),
    )
    links = {
        row.id: RecordLinks.of_data(row.relations, row.affiliates)
        for row in approved
        if row.id in plan.members
    }
    del approved
    if plan.carried:
        load = record_loader(session, latest.version if latest else None)
        links |= {record.id: RecordLinks.of(record) for record in load(plan.carried)}
        missing = [rid for rid, _ in plan.carried if rid not in links]
        if missing:
            raise InputError(f"records of the previous release could not be loaded: {missing[:10]}")
    check_links(version, {rid: links[rid] for rid in plan.members})
    if not plan.members:
        raise StateError("no approved records: a release needs at least one")
    changes = member_changes(
        previous or {}, {rid: member.revision for rid, member in plan.members.items()}
    )
    if latest is not None and not changes:
        raise StateError(
            f"nothing changed since release {latest.version}: approve or retire records first "
            "(to keep signatures fresh for an unchanged release, run `kpfeed refresh`)"
        )
    counts = counts_of_ops([op for op, _, _ in changes], len(plan.members))
    stored = insert_release(
        session,
        version=version,
        sequence=sequence,
        notes=notes,
        created_by=created_by,
        created=now,
        counts=counts,
        previous_version=latest.version if latest else None,
        members=[(rid, member.revision) for rid, member in plan.members.items()],
    )
    record_audit(
        session,
        actor=created_by,
        action="release.create",
        target=version,
        detail={"sequence": sequence, "counts": counts.model_dump()},
        at=now,
    )
    return CreatedRelease(release=stored, members=plan.members)


def approve_release(
    session: Session, version: str, *, approver: str, now: datetime
) -> StoredRelease:
    """Record the second pair of eyes on a draft release (never its creator)."""
    approver = _user(approver)
    stored = get_release(session, version)
    check_can_approve(
        version,
        created_by=stored.created_by,
        approver=approver,
        approved_by=stored.approved_by,
        published=stored.published_at,
    )
    if stored.approved_by is not None:
        return stored  # the same approver again: nothing to change
    approved = set_release_approved(session, version, approver=approver, at=now)
    record_audit(session, actor=approver, action="release.approve", target=version, at=now)
    return approved


def release_changes(session: Session, version: str) -> list[Change]:
    """The ADD/MOD/DEL entries of a stored release against the one before it."""
    stored = get_release(session, version)
    previous, members = memberships(session, version)
    records = released_records(session, version, members)
    return diff_members(previous, records, record_loader(session, stored.previous_version))
