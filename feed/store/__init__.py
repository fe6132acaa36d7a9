"""The store: records with full revision history, editorial state, audit log and releases.

SQLite by default, PostgreSQL in production, through the same sqlmodel code. Every function
takes a Session and never commits: the caller owns the transaction (see `transaction`).
"""

from feed.store.audit import AuditEntry, list_audit, record_audit, stamp_token
from feed.store.common import StoredContent
from feed.store.db import (
    check_ready,
    display_url,
    engine_from_settings,
    head_revision,
    init_store,
    make_engine,
    migrate,
    schema_revision,
    transaction,
)
from feed.store.importing import ImportResult, import_records
from feed.store.meta import get_manifest, set_manifest
from feed.store.notes import Note, add_note, list_notes
from feed.store.records import (
    ApprovedLinks,
    RecordSummary,
    RevisionInfo,
    approve_record,
    approved_links,
    approved_records,
    current_records,
    get_record,
    get_summary,
    history,
    list_records,
    record_ids,
    reject_record,
    retire_record,
    retired_ids,
    save_revision,
    submit_for_review,
)
from feed.store.releases import (
    StoredRelease,
    get_release,
    insert_release,
    latest_release,
    list_releases,
    release_member_contents,
    release_member_revisions,
    release_members,
    set_release_approved,
    set_release_published,
)
from feed.store.tables import EditorialState, NoteKind, ReleaseState

__all__ = [
    "ApprovedLinks",
    "AuditEntry",
    "EditorialState",
    "ImportResult",
    "Note",
    "NoteKind",
    "RecordSummary",
    "ReleaseState",
    "RevisionInfo",
    "StoredContent",
    "StoredRelease",
    "add_note",
    "approve_record",
    "approved_links",
    "approved_records",
    "check_ready",
    "current_records",
    "display_url",
    "engine_from_settings",
    "get_manifest",
    "get_record",
    "get_release",
    "get_summary",
    "head_revision",
    "history",
    "import_records",
    "init_store",
    "insert_release",
    "latest_release",
    "list_audit",
    "list_notes",
    "list_records",
    "list_releases",
    "make_engine",
    "migrate",
    "record_audit",
    "record_ids",
    "reject_record",
    "release_member_contents",
    "release_member_revisions",
    "release_members",
    "retire_record",
    "retired_ids",
    "save_revision",
    "schema_revision",
    "set_manifest",
    "set_release_approved",
    "set_release_published",
    "stamp_token",
    "submit_for_review",
    "transaction",
]
