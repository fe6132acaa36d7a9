"""Release logic, pure (no store, no I/O): version rules, four eyes, snapshot, diff, documents.

The caller reads the approved records, the retired ids and the previous release, hands them
in, and stores or renders what comes back (the split of python-tuf's `TrustedMetadataSet` and
`Updater`): `feed.releasing` is that caller.
"""

from feed.release.documents import build_changeset, build_package, highest_marking, highest_tlp
from feed.release.references import RecordLinks, check_links, check_references
from feed.release.rules import (
    check_can_approve,
    check_can_publish,
    check_not_published,
    check_version,
    next_sequence,
    same_person,
)
from feed.release.snapshot import (
    LoadRecords,
    Member,
    MemberPlan,
    ReleaseSnapshot,
    build_snapshot,
    changed_fields,
    counts_of,
    counts_of_ops,
    diff_members,
    diff_records,
    member_changes,
    members_of,
    modified_before,
    plan_members,
    plan_snapshot,
    walk_lifecycle,
    with_lifecycle,
)

__all__ = [
    "LoadRecords",
    "Member",
    "MemberPlan",
    "RecordLinks",
    "ReleaseSnapshot",
    "build_changeset",
    "build_package",
    "build_snapshot",
    "changed_fields",
    "check_can_approve",
    "check_can_publish",
    "check_links",
    "check_not_published",
    "check_references",
    "check_version",
    "counts_of",
    "counts_of_ops",
    "diff_members",
    "diff_records",
    "highest_marking",
    "highest_tlp",
    "member_changes",
    "members_of",
    "modified_before",
    "next_sequence",
    "plan_members",
    "plan_snapshot",
    "same_person",
    "walk_lifecycle",
    "with_lifecycle",
]
