"""`kpfeed release ...`, `kpfeed publish`, `kpfeed refresh` and `kpfeed demo`: thin commands."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feed.cli.app import main
from feed.config import Settings, get_settings

if TYPE_CHECKING:  # the library is imported inside each command: `kpfeed --help` stays quick
    from feed.demo import DemoWorkspace
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


def _print_demo(workspace: DemoWorkspace) -> None:
    verb = "reused" if workspace.reused else "built"
    click.echo(f"kpfeed demo workspace {verb} in {workspace.root}")
    click.echo(f"  records      {workspace.source}")
    click.echo(f"  store        {workspace.database_url}")
    click.echo(f"  keys         {workspace.key_dir} (demo keys, not encrypted: no passphrase)")
    click.echo(f"  published    {workspace.public_dir}  (releases {', '.join(workspace.releases)})")
    click.echo(f"  feedback     cycle {workspace.cycle} is open")
    click.echo("  a consumer pins")
    click.echo(f"    TUF root       {workspace.root_metadata}")
    click.echo(f"    minisign key   {workspace.minisign_pub}")
    click.echo(f"                   {workspace.minisign_key}")
    click.echo(
        f"  demo accounts and their tokens, also in {workspace.tokens_file} (DEMO ONLY: "
        "anyone who can read that file can act as these accounts)"
    )
    for token in workspace.tokens:
        account = token.account
        click.echo(
            f"    {account.handle:<12} {account.role.value:<12} {account.name:<26} {token.token}"
        )
    click.echo("  every other kpfeed command works on this workspace with:")
    for name, value in workspace.environment().items():
        click.echo(f"    export {name}={value}")
    click.echo("  try")
    feed = workspace.public_dir / "feed.json"
    click.echo(f"    minisign -Vm {feed} -p {workspace.minisign_pub}")
    click.echo("    kpfeed release list")
    company = f"$(jq -r .tokens.company.token {workspace.tokens_file})"
    click.echo(f'    curl -H "Authorization: Bearer {company}" {workspace.api_base_url}me')


def _check_port_free(host: str, port: int) -> None:
    """Refuse before building anything when the port is taken (say, by another demo)."""
    import socket

    from feed.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise ConfigError(f"cannot serve on {host!r}: {error}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError(
                f"cannot serve on {host}:{port}: {error.strerror} (is another kpfeed demo or "
                "server running there?): stop it, or choose another port with --port"
            ) from None


def _served_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 (a comparison)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


@main.command("demo")
@click.option(
    "--dir",
    "root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="Workspace folder: store, keys, tokens and the published directory.",
)
@click.option("--serve/--no-serve", default=True, help="Serve the workspace afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to serve on.",
)
def demo_command(root: Path, serve: bool, host: str, port: int) -> None:
    """Build a complete demo from nothing and serve it: the sample imported and approved,
    releases 2022.1 and 2022.2 published, a feedback cycle open, demo organisations and users
    whose tokens it prints (and keeps in DIR/tokens.json: a demo only).

    Feeds link to the server at --host/--port (unless KPFEED_BASE_URL and KPFEED_API_BASE_URL
    say otherwise). Running it again on the same folder reuses the workspace with everything
    done in it since, re-issuing any demo token that no longer works and opening a new cycle
    when the last one ended; a folder holding anything else is refused.
    """
    from feed.demo import build_demo

    if serve:
        _check_port_free(host, port)
    settings = get_settings()
    served = _served_url(host, port)
    links = {
        "base_url": f"{served}/feed/",
        "api_base_url": f"{served}/api/v1/",
    }
    settings = settings.model_copy(
        update={k: v for k, v in links.items() if k not in settings.model_fields_set}
    )
    workspace = build_demo(root, settings=settings, now=_now(), progress=click.echo)
    _print_demo(workspace)
    if serve:
        import os

        from feed.api.server import serve as run_server

        if not workspace.base_url.startswith(f"{served}/"):
            click.echo(
                f"note: this workspace's feeds link to {workspace.base_url} (set when it was "
                f"built), not to {served}/"
            )
        # The server (and any worker it spawns) reads its settings from the environment.
        os.environ.update(workspace.environment())
        get_settings.cache_clear()
        click.echo(f"serving the feed on {served}/feed/ and the API under {served}/api/v1/")
        sys.stdout.flush()  # the tokens must show now, also when the output goes to a file
        run_server(host=host, port=port, workers=1, run_migrations=True)
