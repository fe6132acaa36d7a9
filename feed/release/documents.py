"""The published documents of a release: `package.json` and `changes.json` as models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from feed.errors import InputError
from feed.model import PACKAGE_FORMAT, AnyRecord, Change, ChangeSet, PublishedPackage, ReleaseInfo
from feed.model.vocab import Tlp

__all__ = ["build_changeset", "build_package", "highest_marking", "highest_tlp"]

#: Order of TLP markings from least to most restricted.
_TLP_ORDER = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2}


def highest_tlp(records: Iterable[AnyRecord]) -> Tlp:
    """The most restrictive TLP marking among the records (CLEAR for none)."""
    return highest_marking(record.tlp for record in records)


def highest_marking(markings: Iterable[str]) -> Tlp:
    """The most restrictive of these TLP markings (`CLEAR`, `GREEN`, `AMBER`; CLEAR for none)."""
    highest = Tlp.CLEAR
    for marking in markings:
        if _TLP_ORDER[Tlp(marking)] > _TLP_ORDER[highest]:
            highest = Tlp(marking)
    return highest


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
