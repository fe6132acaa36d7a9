"""Release rules: version order, four eyes, and that a published release never changes."""

from __future__ import annotations

from datetime import datetime

from feed.errors import (
    FourEyesError,
    ImmutableReleaseError,
    InputError,
    StateError,
    VersionOrderError,
)
from feed.model import parse_version

__all__ = [
    "check_can_approve",
    "check_can_publish",
    "check_not_published",
    "check_version",
    "next_sequence",
    "same_person",
]


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
