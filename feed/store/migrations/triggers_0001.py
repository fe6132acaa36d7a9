"""Triggers of schema 0001 for SQLite and PostgreSQL: published releases and history never change.

The database itself refuses these changes, so no code path (nor a hand-typed SQL statement)
can rewrite a published release, a record revision or the audit log. Messages carry a mark
(`kpfeed-immutable-release`, `kpfeed-append-only`) that `feed.store.db.translate_errors` maps
to kpfeed's errors. Frozen with revision 0001: later changes go into a new migration.
"""

from __future__ import annotations

from alembic import op

__all__ = ["create_triggers", "drop_triggers"]

IMMUTABLE = "kpfeed-immutable-release"
APPEND_ONLY = "kpfeed-append-only"

#: (table, what is refused, message) for tables whose rows never change once written.
_APPEND_ONLY = [
    ("record_revisions", "UPDATE OR DELETE", f"{APPEND_ONLY}: record revisions never change"),
    ("record_notes", "UPDATE OR DELETE", f"{APPEND_ONLY}: editorial notes never change"),
    ("audit_log", "UPDATE OR DELETE", f"{APPEND_ONLY}: the audit log is append-only"),
    ("records", "DELETE", f"{APPEND_ONLY}: records are never deleted; retire them"),
    ("release_members", "UPDATE OR DELETE", f"{IMMUTABLE}: release members never change"),
]

# -- SQLite: one trigger per refused operation; RAISE(ABORT) rolls the statement back.

#: (name, event, condition or "", message) for the rules beyond plain append-only tables.
_SQLITE_RULES = [
    (
        "records_identity_frozen",
        "UPDATE ON records",
        "NEW.id IS NOT OLD.id OR NEW.type IS NOT OLD.type OR NEW.uuid IS NOT OLD.uuid"
        " OR NEW.created IS NOT OLD.created",
        f"{APPEND_ONLY}: a record keeps its id, type, uuid and creation time",
    ),
    (
        "release_members_draft_only",
        "INSERT ON release_members",
        "(SELECT state FROM releases WHERE version = NEW.release_version) IS NOT 'draft'",
        f"{IMMUTABLE}: members can only be added to a draft release",
    ),
    (
        "releases_born_draft",
        "INSERT ON releases",
        "NEW.state IS NOT 'draft'",
        f"{IMMUTABLE}: a release is created as a draft",
    ),
    (
        "releases_published_no_update",
        "UPDATE ON releases",
        "OLD.state = 'published'",
        f"{IMMUTABLE}: a published release never changes",
    ),
    (
        "releases_published_no_delete",
        "DELETE ON releases",
        "OLD.state = 'published'",
        f"{IMMUTABLE}: a published release is never deleted",
    ),
    (
        "releases_identity_frozen",
        "UPDATE ON releases",
        "NEW.version IS NOT OLD.version OR NEW.sequence IS NOT OLD.sequence"
        " OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at"
        " OR NEW.previous_version IS NOT OLD.previous_version",
        f"{IMMUTABLE}: a release keeps its version, sequence, creator and predecessor",
    ),
    (
        "releases_state_forward",
        "UPDATE ON releases",
        "NOT ((OLD.state = 'draft' AND NEW.state IN ('draft', 'approved'))"
        " OR (OLD.state = 'approved' AND NEW.state IN ('approved', 'published')))",
        f"{IMMUTABLE}: a release only moves from draft to approved to published",
    ),
    (
        "releases_approved_frozen",
        "UPDATE ON releases",
        "OLD.state = 'approved' AND (NEW.notes IS NOT OLD.notes OR NEW.counts IS NOT OLD.counts"
        " OR NEW.approved_by IS NOT OLD.approved_by OR NEW.approved_at IS NOT OLD.approved_at)",
        f"{IMMUTABLE}: an approved release can only be published",
    ),
]


def _sqlite_rules() -> list[tuple[str, str, str, str]]:
    rules = [
        (f"{table}_no_{operation.lower()}", f"{operation} ON {table}", "", message)
        for table, operations, message in _APPEND_ONLY
        for operation in operations.split(" OR ")
    ]
    return rules + _SQLITE_RULES


def _sqlite_statements() -> list[str]:
    return [
        f"CREATE TRIGGER {name} BEFORE {event}"
        + (f" WHEN {condition}" if condition else "")
        + f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
        for name, event, condition, message in _sqlite_rules()
    ]


# -- PostgreSQL: plpgsql functions; TRUNCATE is refused too (it skips row triggers).

_PG_FUNCTIONS = [
    """CREATE FUNCTION kpfeed_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '%', TG_ARGV[0];
    END $$""",
    f"""CREATE FUNCTION kpfeed_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id IS DISTINCT FROM OLD.id OR NEW.type IS DISTINCT FROM OLD.type
         OR NEW.uuid IS DISTINCT FROM OLD.uuid OR NEW.created IS DISTINCT FROM OLD.created THEN
        RAISE EXCEPTION '{APPEND_ONLY}: a record keeps its id, type, uuid and creation time';
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE FUNCTION kpfeed_release_members_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      current_state text;
    BEGIN
      -- FOR SHARE: an approval waiting on this release sees the members we add, or none.
      SELECT state INTO current_state FROM releases
        WHERE version = NEW.release_version FOR SHARE;
      IF current_state IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION '{IMMUTABLE}: members can only be added to a draft release (% is %)',
          NEW.release_version, coalesce(current_state, 'missing');
      END IF;
      RETURN NEW;
    END $$""",  # noqa: S608 (constant text, no input)
    f"""CREATE FUNCTION kpfeed_releases_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.state IS DISTINCT FROM 'draft' THEN
          RAISE EXCEPTION '{IMMUTABLE}: a release is created as a draft';
        END IF;
        RETURN NEW;
      END IF;
      IF OLD.state = 'published' THEN
        RAISE EXCEPTION '{IMMUTABLE}: release % is published and never changes', OLD.version;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      IF NEW.version IS DISTINCT FROM OLD.version OR NEW.sequence IS DISTINCT FROM OLD.sequence
         OR NEW.created_by IS DISTINCT FROM OLD.created_by
         OR NEW.created_at IS DISTINCT FROM OLD.created_at
         OR NEW.previous_version IS DISTINCT FROM OLD.previous_version THEN
        RAISE EXCEPTION
          '{IMMUTABLE}: release % keeps its version, sequence, creator and predecessor',
          OLD.version;
      END IF;
      IF NOT ((OLD.state = 'draft' AND NEW.state IN ('draft', 'approved'))
              OR (OLD.state = 'approved' AND NEW.state IN ('approved', 'published'))) THEN
        RAISE EXCEPTION
          '{IMMUTABLE}: release % only moves from draft to approved to published (% -> %)',
          OLD.version, OLD.state, NEW.state;
      END IF;
      IF OLD.state = 'approved' AND (NEW.notes IS DISTINCT FROM OLD.notes
          OR NEW.counts::text IS DISTINCT FROM OLD.counts::text
          OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
          OR NEW.approved_at IS DISTINCT FROM OLD.approved_at) THEN
        RAISE EXCEPTION '{IMMUTABLE}: release % is approved and can only be published',
          OLD.version;
      END IF;
      RETURN NEW;
    END $$""",
]


def _pg_statements() -> list[str]:
    statements = list(_PG_FUNCTIONS)
    for table, operations, message in _APPEND_ONLY:
        statements.append(
            f"CREATE TRIGGER {table}_refuse_change BEFORE {operations} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION kpfeed_refuse('{message}')"
        )
        statements.append(
            f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kpfeed_refuse('{message}')"
        )
    statements += [
        "CREATE TRIGGER records_guard BEFORE UPDATE ON records "
        "FOR EACH ROW EXECUTE FUNCTION kpfeed_records_guard()",
        "CREATE TRIGGER release_members_guard BEFORE INSERT ON release_members "
        "FOR EACH ROW EXECUTE FUNCTION kpfeed_release_members_guard()",
        "CREATE TRIGGER releases_guard BEFORE INSERT OR UPDATE OR DELETE ON releases "
        "FOR EACH ROW EXECUTE FUNCTION kpfeed_releases_guard()",
        "CREATE TRIGGER releases_refuse_truncate BEFORE TRUNCATE ON releases "
        f"FOR EACH STATEMENT EXECUTE FUNCTION kpfeed_refuse('{IMMUTABLE}: releases are never "
        "truncated')",
    ]
    return statements


def create_triggers(dialect: str) -> None:
    """Create the immutability triggers for this dialect."""
    if dialect == "sqlite":
        statements = _sqlite_statements()
    elif dialect == "postgresql":
        statements = _pg_statements()
    else:  # pragma: no cover - make_engine refuses other databases
        raise RuntimeError(f"no immutability triggers for {dialect}")
    for statement in statements:
        op.execute(statement)


def drop_triggers(dialect: str) -> None:
    """Drop what `create_triggers` made (tables are dropped right after)."""
    if dialect == "sqlite":
        for name, _, _, _ in _sqlite_rules():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name in (
        "kpfeed_refuse",
        "kpfeed_records_guard",
        "kpfeed_release_members_guard",
        "kpfeed_releases_guard",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
