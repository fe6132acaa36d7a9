"""Release rules as pure logic: version order, the snapshot, the diff, counts and four eyes.

Nothing here touches the store or the disk: the caller reads the approved records, the retired
ids and the previous release, hands them in, and stores or renders what comes back (the same
split as python-tuf's `TrustedMetadataSet` and `Updater`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feed.errors import (
    FourEyesError,
    ImmutableReleaseError,
    InputError,
    Problem,
    StateError,
    ValidationFailed,
    VersionOrderError,
)
from feed.model import (
    PACKAGE_FORMAT,
    AnyRecord,
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    parse_version,
    records_digest,
)
from feed.model.records import LIFECYCLE_FIELDS
from feed.model.vocab import Tlp

__all__ = [
    "ReleaseSnapshot",
    "build_changeset",
    "build_package",
    "build_snapshot",
    "changed_fields",
    "check_can_approve",
    "check_can_publish",
    "check_not_published",
    "check_references",
    "check_version",
    "diff_records",
    "highest_tlp",
    "next_sequence",
    "same_person",
]

#: Order of TLP markings from least to most restricted.
_TLP_ORDER = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2}


# -- versions ---------------------------------------------------------------------------------


def check_version(version: str) -> tuple[int, int]:
    """`2022.1` -> (2022, 1); anything that is not `YYYY.N` is refused with an InputError."""
    try:
        return parse_version(version)
    except ValueError as error:
        raise InputError(str(error)) from None


def next_sequence(
    version: str,
    previous_version: str | None,
    previous_sequence: int | None,
    *,
    sequence: int | None = None,
) -> int:
    """The sequence of a new release `version` following the previous release, checked.

    The version must be greater than the previous one in (year, N) order and the sequence is
    the previous sequence plus one. A caller that proposes a `sequence` (e.g. a restore) gets it
    checked against the same rule. Raises VersionOrderError naming both values.
    """
    key = check_version(version)
    if previous_version is None or previous_sequence is None:
        expected = 1
    else:
        previous_key = check_version(previous_version)
        if key <= previous_key:
            raise VersionOrderError(
                f"version {version} does not increase: the previous release is "
                f"{previous_version} (versions are YYYY.N and must grow in (year, N) order)"
            )
        expected = previous_sequence + 1
    if sequence is not None and sequence != expected:
        if previous_sequence is not None and sequence <= previous_sequence:
            raise VersionOrderError(
                f"sequence {sequence} does not increase: the previous release "
                f"{previous_version} has sequence {previous_sequence}"
            )
        raise VersionOrderError(
            f"sequence {sequence} is not the next one: the previous release "
            f"{previous_version} has sequence {previous_sequence}, so this must be {expected}"
        )
    return expected


# -- four eyes and immutability ---------------------------------------------------------------


def same_person(a: str, b: str) -> bool:
    """Whether two user names name the same person (`Alice` and ` alice` do)."""
    return a.strip().casefold() == b.strip().casefold()


def check_not_published(version: str, published: datetime | None) -> None:
    """A published release never changes: ImmutableReleaseError if it is published."""
    if published is not None:
        raise ImmutableReleaseError(
            f"release {version} was published {published.isoformat()} and can never change; "
            "publish a correction as a new release"
        )


def check_can_approve(
    version: str,
    *,
    created_by: str,
    approver: str,
    approved_by: str | None,
    published: datetime | None,
) -> None:
    """Four eyes: the approver must not be the creator, and only an unpublished release.

    Approving again by the same approver is allowed (idempotent); by someone else it is a
    StateError, so the record of who approved never silently changes.
    """
    check_not_published(version, published)
    if same_person(created_by, approver):
        raise FourEyesError(
            f"release {version} was created by {created_by}; a second person must approve it "
            f"(four eyes), not {approver}"
        )
    if approved_by is not None and not same_person(approved_by, approver):
        raise StateError(f"release {version} is already approved by {approved_by}")


def check_can_publish(version: str, *, approved_by: str | None, published: datetime | None) -> None:
    """Only an approved, not yet published release can be published."""
    check_not_published(version, published)
    if approved_by is None:
        raise StateError(
            f"release {version} is not approved; a second person must run "
            f"`kpfeed release approve {version} --as USER` first"
        )


# -- snapshot and diff ------------------------------------------------------------------------


def highest_tlp(records: Iterable[AnyRecord]) -> Tlp:
    """The most restrictive TLP marking among the records (CLEAR for none)."""
    highest = Tlp.CLEAR
    for record in records:
        if _TLP_ORDER[record.tlp] > _TLP_ORDER[highest]:
            highest = record.tlp
    return highest


def changed_fields(before: AnyRecord, after: AnyRecord) -> list[str]:
    """Top-level fields whose value differs, sorted.

    Lifecycle fields (revision, modified, last_changed_in...) change with every revision, so
    they are listed only when nothing else changed: the list then says why there is a MOD.
    """
    names = sorted(set(type(before).model_fields) | set(type(after).model_fields))
    differ = [n for n in names if getattr(before, n, None) != getattr(after, n, None)]
    content = [n for n in differ if n not in LIFECYCLE_FIELDS]
    return content or differ


def diff_records(previous: Iterable[AnyRecord], current: Iterable[AnyRecord]) -> list[Change]:
    """ADD / MOD / DEL entries that turn `previous` into `current`, sorted by id.

    Records are compared as published (lifecycle fields included), so applying the changes to
    the previous release gives exactly this release's records and `records_digest`.
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


def check_references(version: str, records: Sequence[AnyRecord]) -> None:
    """Every relation and affiliate must point at a record of the same release.

    A consumer follows these links inside the package; a link to a record that is retired
    or not yet approved would dangle. ValidationFailed lists every such link, located.
    """
    ids = {r.id for r in records}
    problems: list[Problem] = []
    for record in records:
        for i, relation in enumerate(record.relations):
            if relation.target not in ids:
                problems.append(
                    Problem(
                        file=None,
                        record_id=record.id,
                        pointer=f"/relations/{i}/target",
                        message=f"{relation.type} {relation.target}, which release {version} "
                        "would not hold (retired, or not approved)",
                    )
                )
        for i, affiliate in enumerate(getattr(record, "affiliates", [])):
            if affiliate not in ids:
                problems.append(
                    Problem(
                        file=None,
                        record_id=record.id,
                        pointer=f"/affiliates/{i}",
                        message=f"affiliate {affiliate}, which release {version} would not hold "
                        "(retired, or not approved)",
                    )
                )
    if problems:
        raise ValidationFailed(problems)


@dataclass(frozen=True)
class ReleaseSnapshot:
    """What a new release holds: its records (sorted, lifecycle filled) and how it differs."""

    version: str
    records: list[AnyRecord]
    changes: list[Change]
    counts: Counts
    records_digest: str
    base_digest: str | None


def _released(record: AnyRecord, **update: Any) -> AnyRecord:
    # model_copy skips validation; the fields set here are versions already checked.
    return record.model_copy(update=update)


def build_snapshot(
    version: str,
    approved: Iterable[AnyRecord],
    *,
    previous: Sequence[AnyRecord] | None = None,
    retired: Collection[str] = (),
) -> ReleaseSnapshot:
    """Freeze a release: the approved records at their current revisions, diffed.

    `previous` is the previous release's records (None for the first release), `retired` the
    ids retired since. A record of the previous release that is neither approved nor retired
    now (e.g. under review again) is carried over unchanged: only an explicit retirement takes
    a record out of the catalogue. Lifecycle fields filled here:
    `first_released_in` (first release holding the id) and `last_changed_in` (first release
    holding this revision), taken over from the previous release where they still hold.
    """
    check_version(version)
    retired_ids = set(retired)
    before = {r.id: r for r in previous or ()}
    current: dict[str, AnyRecord] = {}
    for record in approved:
        if record.id in retired_ids:
            continue
        if record.id in current:
            raise InputError(f"record {record.id} is approved twice; the snapshot needs one")
        old = before.get(record.id)
        if old is None:
            current[record.id] = _released(
                record, first_released_in=version, last_changed_in=version, retired_in=None
            )
            continue
        same_revision = _released(
            record,
            first_released_in=old.first_released_in or version,
            last_changed_in=old.last_changed_in or version,
            retired_in=None,
        )
        if old.revision == record.revision and same_revision == old:
            current[record.id] = old
        else:
            current[record.id] = _released(
                record,
                first_released_in=old.first_released_in or version,
                last_changed_in=version,
                retired_in=None,
            )
    for rid, old in before.items():
        if rid not in current and rid not in retired_ids:
            current[rid] = old
    records = [current[rid] for rid in sorted(current)]
    check_references(version, records)
    changes = diff_records(previous or (), records)
    counts = Counts(
        added=sum(c.op == "ADD" for c in changes),
        changed=sum(c.op == "MOD" for c in changes),
        retired=sum(c.op == "DEL" for c in changes),
        total=len(records),
    )
    return ReleaseSnapshot(
        version=version,
        records=records,
        changes=changes,
        counts=counts,
        records_digest=records_digest(records),
        base_digest=records_digest(previous) if previous is not None else None,
    )


# -- published documents ----------------------------------------------------------------------


def build_package(
    release: ReleaseInfo, records: Sequence[AnyRecord], digest: str
) -> PublishedPackage:
    """`package.json` of a release: its metadata and every record, sorted by id."""
    return PublishedPackage(
        format=PACKAGE_FORMAT,
        release=release,
        records_digest=digest,
        records=sorted(records, key=lambda r: r.id),
    )


def build_changeset(
    release: ReleaseInfo,
    changes: Sequence[Change],
    *,
    records_digest: str,
    base_digest: str | None,
    previous_sequence: int | None,
) -> ChangeSet:
    """`changes.json` of a release: how to turn the previous release into this one."""
    if (release.previous_version is None) != (previous_sequence is None):
        raise InputError("previous version and previous sequence must be given together")
    return ChangeSet(
        format=PACKAGE_FORMAT,
        catalogue=release.catalogue,
        version=release.version,
        sequence=release.sequence,
        previous_version=release.previous_version,
        previous_sequence=previous_sequence,
        base_digest=base_digest,
        records_digest=records_digest,
        changes=sorted(changes, key=lambda c: c.id),
    )
