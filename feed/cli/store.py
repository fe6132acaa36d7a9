"""`kpfeed init`, `import`, `export-source`, `records ...`: the store from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

import click
import yaml
from sqlalchemy.engine import Engine

from feed.catalogue import export_sources, import_sources
from feed.cli.app import main
from feed.config import get_settings
from feed.model import dump_record
from feed.store import (
    EditorialState,
    RecordSummary,
    approve_record,
    check_ready,
    display_url,
    engine_from_settings,
    get_record,
    get_summary,
    history,
    init_store,
    list_records,
    reject_record,
    retire_record,
    submit_for_review,
    transaction,
)

TYPES = ("group", "symbol", "manifesto")
#: Imports at least this big get a progress bar (on stderr, so stdout stays clean).
PROGRESS_FROM = 2000
STATES = [state.value for state in EditorialState]


@contextmanager
def ready_engine() -> Iterator[Engine]:
    """The configured store, checked to be reachable and migrated; disposed afterwards."""
    engine = engine_from_settings()
    try:
        check_ready(engine)
        yield engine
    finally:
        engine.dispose()


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@main.command()
def init() -> None:
    """Create the workspace folder and the store, and bring its schema up to date.

    Safe to run again: an up-to-date store is left as it is. The store is
    KPFEED_DATABASE_URL (default: SQLite under ./var/).
    """
    settings = get_settings()
    revision = init_store(settings.database_url, settings.data_dir)
    click.echo(f"store ready at {display_url(settings.database_url)} (schema {revision})")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "author", required=True, help="Who is importing (the revisions' author).")
@click.option(
    "--approve",
    is_flag=True,
    help="Approve every imported record at once, without a second reviewer "
    "(an explicit bulk approval, recorded in the audit log).",
)
@click.option("--comment", default="", help="Comment stored with every new revision.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def import_command(
    paths: tuple[Path, ...], author: str, approve: bool, comment: str, as_json: bool
) -> None:
    """Validate PATHS, then store their records in one transaction: all or nothing.

    PATHS are package directories (with package.yaml), record folders or record files.
    Any problem is listed, located, and nothing is stored. Unchanged records get no new
    revision.
    """
    with ExitStack() as stack:
        bar: Any = None

        def validated(total: int) -> None:
            nonlocal bar
            if as_json:
                return
            click.echo(f"{total} records valid; storing", err=True)
            if total >= PROGRESS_FROM:
                bar = stack.enter_context(
                    click.progressbar(length=total, label="importing", file=sys.stderr)
                )

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(done - bar.pos)

        engine = stack.enter_context(ready_engine())
        result = import_sources(
            engine,
            list(paths),
            author=author,
            comment=comment,
            approve=approve,
            progress=progress,
            on_validated=validated,
        )
    if as_json:
        _echo_json(
            {
                "added": result.added,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "approved": result.approved,
            }
        )
        return
    approved = f", {result.approved} approved by {author}" if approve else ""
    click.echo(
        f"imported: {result.added} added, {result.changed} changed, "
        f"{result.unchanged} unchanged{approved}"
    )


@main.command("export-source")
@click.option(
    "--out",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Package source folder to write (created; an existing package source is updated).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="File format of the record files.",
)
def export_command(directory: Path, fmt: str) -> None:
    """Write the store's current records (not retired) as editor files: package.yaml + records.

    Importing the result again changes nothing.
    """
    with ready_engine() as engine:
        result = export_sources(engine, directory, fmt=cast(Literal["yaml", "json"], fmt))
    if not result.manifest_stored:
        click.echo("note: no package.yaml was ever imported; wrote a default one", err=True)
    click.echo(f"exported {result.records} records to {directory}")


@main.group()
def records() -> None:
    """List, show and move records through the editorial workflow."""


def _summary_doc(summary: RecordSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "type": summary.type,
        "name": summary.name,
        "state": summary.state.value,
        "revision": summary.revision,
        "approved_revision": summary.approved_revision,
        "approved_by": summary.approved_by,
        "created": _when(summary.created),
        "modified": _when(summary.modified),
    }


@records.command("list")
@click.option("--type", "record_type", type=click.Choice(TYPES), help="Only this record type.")
@click.option("--state", type=click.Choice(STATES), help="Only records in this editorial state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_command(record_type: str | None, state: str | None, as_json: bool) -> None:
    """List records with their editorial state and revision, sorted by id."""
    with ready_engine() as engine, transaction(engine) as session:
        rows = list_records(
            session, type=record_type, state=EditorialState(state) if state else None
        )
    if as_json:
        _echo_json([_summary_doc(row) for row in rows])
        return
    if not rows:
        click.echo("no records")
        return
    width = max(len(row.id) for row in rows)
    click.echo(f"{'ID':<{width}}  {'STATE':<9}  {'REV':>4}  {'APPR':>4}  NAME")
    for row in rows:
        approved = "-" if row.approved_revision is None else str(row.approved_revision)
        click.echo(
            f"{row.id:<{width}}  {row.state.value:<9}  {row.revision:>4}  {approved:>4}  {row.name}"
        )
    click.echo(f"{len(rows)} record{'s' if len(rows) != 1 else ''}")


@records.command("show")
@click.argument("record_id")
@click.option("--revision", type=click.IntRange(min=1), help="Show this revision.")
@click.option("--history", "show_history", is_flag=True, help="List the revisions instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(record_id: str, revision: int | None, show_history: bool, as_json: bool) -> None:
    """Show a record (current revision unless --revision), or its --history."""
    with ready_engine() as engine, transaction(engine) as session:
        summary = get_summary(session, record_id)
        if show_history:
            revisions = history(session, record_id)
        else:
            record = get_record(session, record_id, revision)
    if show_history:
        if as_json:
            _echo_json(
                [
                    {
                        "revision": r.revision,
                        "author": r.author,
                        "created": _when(r.created),
                        "comment": r.comment,
                        "content_hash": r.content_hash,
                    }
                    for r in revisions
                ]
            )
            return
        for r in revisions:
            marks = " (approved)" if r.revision == summary.approved_revision else ""
            comment = f"  {r.comment}" if r.comment else ""
            click.echo(f"r{r.revision}  {_when(r.created)}  {r.author}{marks}{comment}")
        return
    data = dump_record(record)
    if as_json:
        _echo_json(data)
        return
    approved = (
        f", approved revision {summary.approved_revision}"
        if summary.approved_revision is not None
        else ""
    )
    click.echo(
        f"# {record_id}: revision {record.revision} of {summary.revision}, "
        f"{summary.state.value}{approved}"
    )
    click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), nl=False)


@records.command("submit")
@click.argument("record_id")
@click.option("--as", "actor", required=True, help="Who submits it.")
def submit_command(record_id: str, actor: str) -> None:
    """Submit a draft for review by a second editor."""
    with ready_engine() as engine, transaction(engine) as session:
        submit_for_review(session, record_id, actor=actor)
    click.echo(f"{record_id} is in review")


@records.command("approve")
@click.argument("record_id")
@click.option("--as", "approver", required=True, help="Who approves (not the author).")
@click.option("--comment", help="Reviewer comment, kept in the store only.")
def approve_command(record_id: str, approver: str, comment: str | None) -> None:
    """Approve a record in review (four eyes: not by the author of the revision)."""
    with ready_engine() as engine, transaction(engine) as session:
        revision = approve_record(session, record_id, approver=approver, comment=comment)
    click.echo(f"{record_id} revision {revision} approved by {approver}")


@records.command("reject")
@click.argument("record_id")
@click.option("--as", "reviewer", required=True, help="Who reviewed it.")
@click.option("--comment", required=True, help="What needs to change.")
def reject_command(record_id: str, reviewer: str, comment: str) -> None:
    """Send a record in review back to draft with a comment."""
    with ready_engine() as engine, transaction(engine) as session:
        reject_record(session, record_id, reviewer=reviewer, comment=comment)
    click.echo(f"{record_id} is back in draft")


@records.command("retire")
@click.argument("record_id")
@click.option("--as", "actor", required=True, help="Who retires it.")
@click.option("--comment", default="", help="Why.")
def retire_command(record_id: str, actor: str, comment: str) -> None:
    """Retire a record: the next release drops it; its history stays as a tombstone."""
    with ready_engine() as engine, transaction(engine) as session:
        retire_record(session, record_id, actor=actor, comment=comment)
    click.echo(f"{record_id} is retired")
