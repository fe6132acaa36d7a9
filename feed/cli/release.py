"""`kpfeed release ...`, `kpfeed publish` and `kpfeed refresh`: thin commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feed.cli.app import main
from feed.config import Settings, get_settings

if TYPE_CHECKING:  # the library is imported inside each command: `kpfeed --help` stays quick
    from feed.model import Change
    from feed.releasing import PublicationReport
    from feed.sign.keys import Keyring
    from feed.store import StoredRelease

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
user_option = click.option(
    "--as", "user", required=True, metavar="USER", help="Who does this (recorded in the audit log)."
)


def _now() -> datetime:
    return datetime.now(UTC)


def _echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def _release_doc(stored: StoredRelease) -> dict[str, Any]:
    return {
        "version": stored.version,
        "sequence": stored.sequence,
        "state": stored.state.value,
        "previous_version": stored.previous_version,
        "notes": stored.notes,
        "counts": stored.counts.model_dump(),
        "created_by": stored.created_by,
        "created_at": stored.created_at.isoformat(),
        "approved_by": stored.approved_by,
        "approved_at": stored.approved_at.isoformat() if stored.approved_at else None,
        "published_at": stored.published_at.isoformat() if stored.published_at else None,
    }


def _counts_line(stored: StoredRelease) -> str:
    c = stored.counts
    return f"{c.added} added, {c.changed} changed, {c.retired} retired, {c.total} in all"


def _keyring(settings: Settings) -> Keyring:
    from feed.sign.keys import keyring_is_encrypted, load_keyring

    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    if passphrase is None and keyring_is_encrypted(settings.key_dir):
        passphrase = click.prompt("Key passphrase", hide_input=True, err=True)
    return load_keyring(settings.key_dir, passphrase)


@main.group()
def release() -> None:
    """Releases: freeze the approved records, approve with a second pair of eyes, inspect."""


@release.command("create")
@click.argument("version")
@click.option("--notes", required=True, help="Release notes (Markdown).")
@user_option
@json_option
def create_command(version: str, notes: str, user: str, as_json: bool) -> None:
    """Freeze the approved records as draft release VERSION (YYYY.N)."""
    from feed.releasing import create_release
    from feed.store import engine_from_settings, transaction

    with transaction(engine_from_settings()) as session:
        created = create_release(session, version, notes=notes, created_by=user, now=_now())
    stored = created.release
    if as_json:
        _echo_json(_release_doc(stored))
        return
    click.echo(
        f"release {stored.version} (sequence {stored.sequence}) created by {stored.created_by}: "
        f"{_counts_line(stored)}"
    )
    click.echo(f"next: a second person runs `kpfeed release approve {version} --as USER`")


@release.command("approve")
@click.argument("version")
@user_option
@json_option
def approve_command(version: str, user: str, as_json: bool) -> None:
    """Approve draft release VERSION (four eyes: not by its creator)."""
    from feed.releasing import approve_release
    from feed.store import engine_from_settings, transaction

    with transaction(engine_from_settings()) as session:
        stored = approve_release(session, version, approver=user, now=_now())
    if as_json:
        _echo_json(_release_doc(stored))
        return
    click.echo(f"release {version} approved by {stored.approved_by}")
    click.echo(f"next: `kpfeed publish {version} --out DIR`")


@release.command("list")
@json_option
def list_command(as_json: bool) -> None:
    """Every release, oldest first."""
    from feed.store import engine_from_settings, list_releases, transaction

    with transaction(engine_from_settings()) as session:
        releases = list_releases(session)
    if as_json:
        _echo_json([_release_doc(r) for r in releases])
        return
    if not releases:
        click.echo("no releases yet; create one with `kpfeed release create VERSION ...`")
    for r in releases:
        when = r.published_at or r.approved_at or r.created_at
        click.echo(
            f"{r.version:<10} #{r.sequence:<4} {r.state.value:<10} {when:%Y-%m-%d %H:%M}  "
            f"{_counts_line(r)}"
        )


def _change_doc(change: Change) -> dict[str, Any]:
    return {"op": change.op, "id": change.id, "revision": change.revision, "fields": change.fields}


@release.command("show")
@click.argument("version")
@json_option
def show_command(version: str, as_json: bool) -> None:
    """Release VERSION: state, who created and approved it, notes and its changes."""
    from feed.releasing import release_changes
    from feed.store import engine_from_settings, get_release, transaction

    with transaction(engine_from_settings()) as session:
        stored = get_release(session, version)
        changes = release_changes(session, version)
    if as_json:
        _echo_json(_release_doc(stored) | {"changes": [_change_doc(c) for c in changes]})
        return
    click.echo(f"release {stored.version} (sequence {stored.sequence}): {stored.state.value}")
    click.echo(f"  follows    {stored.previous_version or '(first release)'}")
    click.echo(f"  created    {stored.created_at:%Y-%m-%d %H:%M} by {stored.created_by}")
    if stored.approved_by and stored.approved_at:
        click.echo(f"  approved   {stored.approved_at:%Y-%m-%d %H:%M} by {stored.approved_by}")
    if stored.published_at:
        click.echo(f"  published  {stored.published_at:%Y-%m-%d %H:%M}")
    click.echo(f"  counts     {_counts_line(stored)}")
    click.echo("  notes")
    for line in stored.notes.splitlines() or [""]:
        click.echo(f"    {line}")
    click.echo("  changes")
    for change in changes:
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        click.echo(f"    {change.op} {change.id} r{change.revision}{fields}")


def _report(report: PublicationReport, action: str, as_json: bool) -> None:
    if as_json:
        _echo_json(
            {
                "version": report.version,
                "sequence": report.sequence,
                "out_dir": str(report.out_dir),
                "generation": str(report.generation),
                "files": report.files,
                "written": report.written,
                "linked": report.linked,
                "tuf_versions": report.tuf_versions,
                "finished_interrupted": report.finished_interrupted,
            }
        )
        return
    if report.finished_interrupted:
        click.echo(f"finished the interrupted publication of release {report.version}")
    click.echo(
        f"{action} release {report.version} (sequence {report.sequence}) in {report.out_dir}: "
        f"{len(report.files)} files ({report.written} written, {report.linked} unchanged)"
    )
    if report.tuf_versions:
        versions = ", ".join(f"{k} v{v}" for k, v in sorted(report.tuf_versions.items()))
        click.echo(f"TUF metadata: {versions}")


out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Published directory (default KPFEED_PUBLIC_DIR).",
)


@main.command("publish")
@click.argument("version")
@out_option
@json_option
def publish_command(version: str, out_dir: Path | None, as_json: bool) -> None:
    """Render, validate, sign and atomically publish approved release VERSION."""
    from feed.releasing import PublishOptions, publish_release
    from feed.store import engine_from_settings

    settings = get_settings()
    report = publish_release(
        engine_from_settings(),
        version,
        out_dir or settings.public_dir,
        keyring=_keyring(settings),
        options=PublishOptions.from_settings(settings),
        now=_now(),
    )
    _report(report, "published", as_json)


@main.command("refresh")
@out_option
@json_option
def refresh_command(out_dir: Path | None, as_json: bool) -> None:
    """Re-sign TUF timestamp and snapshot (and aging signatures) of the current publication.

    Run it more often than the timestamp expires (KPFEED_TUF_TIMESTAMP_DAYS, 1 day by
    default), e.g. from a systemd timer or cron every 6 hours.
    """
    from feed.releasing import PublishOptions, refresh_publication

    settings = get_settings()
    report = refresh_publication(
        out_dir or settings.public_dir,
        keyring=_keyring(settings),
        options=PublishOptions.from_settings(settings),
        now=_now(),
    )
    _report(report, "refreshed", as_json)
