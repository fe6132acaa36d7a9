"""The snapshot of a release and its diff against the previous one (pure logic)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from feed.errors import InputError
from feed.model import AnyRecord, Change, Counts
from feed.model.records import LIFECYCLE_FIELDS, content_of
from feed.release.references import check_references
from feed.release.rules import check_version

__all__ = [
    "LoadRecords",
    "Member",
    "MemberPlan",
    "ReleaseSnapshot",
    "build_snapshot",
    "changed_fields",
    "counts_of",
    "counts_of_ops",
    "diff_members",
    "diff_records",
    "member_changes",
    "members_of",
    "modified_before",
    "plan_members",
    "plan_snapshot",
    "walk_lifecycle",
    "with_lifecycle",
]


def changed_fields(before: AnyRecord, after: AnyRecord) -> list[str]:
    """Top-level fields whose value differs, sorted.

    Lifecycle fields (revision, modified, last_changed_in...) change with every revision, so
    they are listed only when nothing else changed: the list then says why there is a MOD.
    """
    names = sorted(set(type(before).model_fields) | set(type(after).model_fields))
    differ = [n for n in names if getattr(before, n, None) != getattr(after, n, None)]
    content = [n for n in differ if n not in LIFECYCLE_FIELDS]
    return content or differ


@dataclass(frozen=True)
class Member:
    """A record as one release holds it, named by revision (a revision's content never changes,
    the store's triggers see to that), with its release-derived lifecycle fields."""

    revision: int
    first_released_in: str
    last_changed_in: str


Op = Literal["ADD", "MOD", "DEL"]

#: Loads records of the previous release by (id, revision): the store's job, a dict in tests.
LoadRecords = Callable[[Collection[tuple[str, int]]], Iterable[AnyRecord]]


def members_of(records: Iterable[AnyRecord]) -> dict[str, Member]:
    """The members of a release, from its published records (lifecycle fields filled)."""
    members: dict[str, Member] = {}
    for record in records:
        if record.first_released_in is None or record.last_changed_in is None:
            raise InputError(f"{record.id} lacks its release lifecycle fields")
        members[record.id] = Member(
            record.revision, record.first_released_in, record.last_changed_in
        )
    return members


def walk_lifecycle(chain: Iterable[tuple[str, Mapping[str, int]]]) -> dict[str, Member]:
    """The members of the newest release of `chain` (oldest first: version, id -> revision).

    The same rule `build_snapshot` applies one release at a time: `first_released_in` is the
    first release in an unbroken run holding the id, `last_changed_in` the first holding its
    current revision.
    """
    members: dict[str, Member] = {}
    for version, revisions in chain:
        members = {
            rid: Member(revision, version, version)
            if (old := members.get(rid)) is None
            else Member(
                revision,
                old.first_released_in,
                old.last_changed_in if old.revision == revision else version,
            )
            for rid, revision in revisions.items()
        }
    return members


def with_lifecycle(record: AnyRecord, member: Member) -> AnyRecord:
    """`record` as a release publishes it: lifecycle fields filled from its membership."""
    # model_copy skips validation; the versions set here were checked when the release was made.
    return record.model_copy(
        update={
            "first_released_in": member.first_released_in,
            "last_changed_in": member.last_changed_in,
            "retired_in": None,
        }
    )


def member_changes(
    previous: Mapping[str, Member], current: Mapping[str, int]
) -> list[tuple[Op, str, int]]:
    """(op, id, revision) of every record that differs between two releases, sorted by id.

    `current` maps this release's ids to their revisions. ADD and MOD name the new revision,
    DEL the last released one. Records are told apart by revision (a revision's content never
    changes): the skeleton of `diff_members`, with no record loaded.
    """
    changes: list[tuple[Op, str, int]] = []
    for rid in sorted(previous.keys() | current.keys()):
        old, new = previous.get(rid), current.get(rid)
        if old is None and new is not None:
            changes.append(("ADD", rid, new))
        elif new is None and old is not None:
            changes.append(("DEL", rid, old.revision))
        elif old is not None and new is not None and old.revision != new:
            changes.append(("MOD", rid, new))
    return changes


def diff_members(
    previous: Mapping[str, Member],
    records: Sequence[AnyRecord],
    load_previous: LoadRecords,
) -> list[Change]:
    """ADD / MOD / DEL entries that turn the previous release into `records`, sorted by id.

    Records are told apart by revision; only changed records of the previous release are
    loaded, to name the fields that changed. Applying the entries to the previous release gives
    exactly this release's records and `records_digest`.
    """
    current = {r.id: r for r in records}
    skeleton = member_changes(previous, {rid: r.revision for rid, r in current.items()})
    before = modified_before(previous, skeleton, load_previous)
    changes: list[Change] = []
    for op, rid, revision in skeleton:
        if op == "DEL":
            changes.append(Change(op=op, id=rid, revision=revision))
        elif op == "ADD":
            changes.append(Change(op=op, id=rid, revision=revision, record=current[rid]))
        else:
            fields = changed_fields(before[rid], current[rid])
            changes.append(
                Change(op=op, id=rid, revision=revision, fields=fields, record=current[rid])
            )
    return changes


def modified_before(
    previous: Mapping[str, Member],
    changes: Iterable[tuple[Op, str, int]],
    load_previous: LoadRecords,
) -> dict[str, AnyRecord]:
    """The previous release's records of the MOD entries among `changes`, as it published
    them (lifecycle fields filled): what `changed_fields` compares the new revisions with."""
    modified = [(rid, previous[rid].revision) for op, rid, _ in changes if op == "MOD"]
    loaded = {r.id: with_lifecycle(r, previous[r.id]) for r in load_previous(modified) if modified}
    missing = [(rid, revision) for rid, revision in modified if rid not in loaded]
    if missing:
        rid, revision = missing[0]
        raise InputError(f"revision {revision} of {rid} could not be loaded")
    return loaded


def diff_records(previous: Iterable[AnyRecord], current: Iterable[AnyRecord]) -> list[Change]:
    """ADD / MOD / DEL entries between two full lists of published records, sorted by id.

    Compares whole records (lifecycle included), so it also catches content that changed
    without a new revision; `diff_members` is the store's cheaper path.
    """
    before = {r.id: r for r in previous}
    after = {r.id: r for r in current}
    changes: list[Change] = []
    for rid in sorted(before.keys() | after.keys()):
        old, new = before.get(rid), after.get(rid)
        if old is None and new is not None:
            changes.append(Change(op="ADD", id=rid, revision=new.revision, record=new))
        elif new is None and old is not None:
            changes.append(Change(op="DEL", id=rid, revision=old.revision))
        elif old is not None and new is not None and old != new:
            fields = changed_fields(old, new)
            changes.append(
                Change(op="MOD", id=rid, revision=new.revision, fields=fields, record=new)
            )
    return changes


def counts_of(changes: Iterable[Change], total: int) -> Counts:
    """How many records the changes add, change and retire."""
    return counts_of_ops([c.op for c in changes], total)


def counts_of_ops(ops: Sequence[str], total: int) -> Counts:
    """How many records changes with these operations (ADD, MOD, DEL) add, change, retire."""
    return Counts(
        added=ops.count("ADD"), changed=ops.count("MOD"), retired=ops.count("DEL"), total=total
    )


@dataclass(frozen=True)
class ReleaseSnapshot:
    """What a new release holds: its records (sorted, lifecycle filled) and how it differs."""

    version: str
    records: list[AnyRecord]
    members: dict[str, Member]
    changes: list[Change]
    counts: Counts


@dataclass(frozen=True)
class MemberPlan:
    """A new release decided on revisions alone: who is in it, and who must be loaded."""

    members: dict[str, Member]  # every member, sorted by id
    approved: list[str]  # ids taken at their approved revision, in the order given
    carried: list[tuple[str, int]]  # (id, revision) carried over from the previous release


def plan_members(
    version: str,
    approved: Iterable[tuple[str, int]],
    *,
    previous: Mapping[str, Member] | None,
    retired: Collection[str],
) -> MemberPlan:
    """The members of release `version` from the approved (id, revision) pairs: the rules of
    `plan_snapshot`, without any record's content."""
    check_version(version)
    retired_ids = set(retired)
    before = previous or {}
    members: dict[str, Member] = {}
    taken: list[str] = []
    for rid, revision in approved:
        if rid in retired_ids:
            continue
        if rid in members:
            raise InputError(f"record {rid} is approved twice; the snapshot needs one")
        old = before.get(rid)
        if old is None:
            member = Member(revision, version, version)
        elif old.revision == revision:
            member = old
        else:
            member = Member(revision, old.first_released_in, version)
        members[rid] = member
        taken.append(rid)
    carried = [
        (rid, old.revision)
        for rid, old in before.items()
        if rid not in members and rid not in retired_ids
    ]
    for rid, _ in carried:
        members[rid] = before[rid]
    return MemberPlan({rid: members[rid] for rid in sorted(members)}, taken, carried)


def plan_snapshot(
    version: str,
    approved: Iterable[AnyRecord],
    *,
    previous: Mapping[str, Member] | None,
    retired: Collection[str],
    load_previous: LoadRecords,
) -> ReleaseSnapshot:
    """Freeze a release: the approved records at their current revisions, diffed.

    `previous` is the previous release's members (None for the first release), `retired` the
    ids retired since, `load_previous` fetches previous records by (id, revision) when they are
    needed (carried over, or changed). A record of the previous release that is neither
    approved nor retired now (e.g. under review again) is carried over unchanged: only an
    explicit retirement takes a record out of the catalogue. Lifecycle fields:
    `first_released_in` (first release holding the id) and `last_changed_in` (first release
    holding this revision), taken over from the previous release where they still hold.
    """
    approved = list(approved)
    plan = plan_members(
        version, [(r.id, r.revision) for r in approved], previous=previous, retired=retired
    )
    before = previous or {}
    records: dict[str, AnyRecord] = {
        r.id: with_lifecycle(r, plan.members[r.id]) for r in approved if r.id in plan.members
    }
    for record in load_previous(plan.carried) if plan.carried else ():
        records[record.id] = with_lifecycle(record, before[record.id])
    missing = [rid for rid, _ in plan.carried if rid not in records]
    if missing:
        raise InputError(f"records of the previous release could not be loaded: {missing[:10]}")
    ordered = [records[rid] for rid in sorted(records)]
    check_references(version, ordered)
    changes = diff_members(before, ordered, load_previous)
    return ReleaseSnapshot(
        version=version,
        records=ordered,
        members=plan.members,
        changes=changes,
        counts=counts_of(changes, len(ordered)),
    )


def build_snapshot(
    version: str,
    approved: Iterable[AnyRecord],
    *,
    previous: Sequence[AnyRecord] | None = None,
    retired: Collection[str] = (),
) -> ReleaseSnapshot:
    """`plan_snapshot` over the previous release's full records (as in its package).

    With every record at hand it also refuses an approved record whose revision equals the
    released one but whose content differs: revisions never change, so that is corruption.
    """
    index = {r.id: r for r in previous or ()}
    approved = list(approved)
    for record in approved:
        old = index.get(record.id)
        same = old is not None and old.revision == record.revision
        if same and old is not None and content_of(old) != content_of(record):
            raise InputError(
                f"{record.id} revision {record.revision} differs from the released "
                "revision with the same number; revisions never change"
            )

    def load(keys: Collection[tuple[str, int]]) -> list[AnyRecord]:
        return [index[rid] for rid, _ in keys if rid in index]

    return plan_snapshot(
        version,
        approved,
        previous=members_of(index.values()) if previous is not None else None,
        retired=retired,
        load_previous=load,
    )
