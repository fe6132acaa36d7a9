"""`kpfeed keys ...`: create, rotate, renew and export the signing keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from feed.cli.app import main
from feed.config import Settings, get_settings
from feed.errors import KeyStoreError
from feed.sign.keys import (
    ROTATABLE_ROLES,
    TUF_ROLES,
    PublicKeys,
    export_public,
    init_keys,
    keyring_is_encrypted,
    read_public,
    renew_root,
    rotate,
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@main.group()
def keys() -> None:
    """Signing keys: TUF roles (root, targets, snapshot, timestamp) and minisign.

    The key folder is KPFEED_KEY_DIR; the passphrase comes from KPFEED_KEY_PASSPHRASE or a
    prompt.
    """


@keys.command("init")
@click.option(
    "--root-keys",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Number of root keys (e.g. 3 in production, kept offline).",
)
@click.option(
    "--root-threshold",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Root keys needed to sign a new root (e.g. 2 of 3).",
)
@click.option(
    "--insecure-no-passphrase",
    is_flag=True,
    help="Leave the private keys unencrypted. For a throwaway demo only.",
)
@json_option
def init_command(
    root_keys: int, root_threshold: int, insecure_no_passphrase: bool, as_json: bool
) -> None:
    """Create every key and the first root metadata in the key folder."""
    settings = get_settings()
    if insecure_no_passphrase and settings.key_passphrase is not None:
        raise click.UsageError("--insecure-no-passphrase conflicts with KPFEED_KEY_PASSPHRASE")
    passphrase = None if insecure_no_passphrase else _passphrase(settings, confirm=True)
    keyring = init_keys(
        settings.key_dir,
        passphrase=passphrase,
        root_keys=root_keys,
        root_threshold=root_threshold,
        now=datetime.now(UTC),
        root_days=settings.tuf_root_days,
        scrypt_log_n=settings.key_scrypt_log_n,
    )
    public = PublicKeys(roots=keyring.roots, minisign=keyring.minisign)
    _print_summary(settings, public, encrypted=passphrase is not None, as_json=as_json)
    if not as_json:
        click.echo(
            "\nNext: `kpfeed keys export-public --out DIR` writes the root.json and "
            "minisign.pub that consumers pin."
        )


@keys.command("rotate")
@click.option("--role", type=click.Choice(ROTATABLE_ROLES), required=True, help="Role to rotate.")
@json_option
def rotate_command(role: str, as_json: bool) -> None:
    """Replace the keys of one role (a TUF role gets a new root version naming them)."""
    settings = get_settings()
    rotation = rotate(
        settings.key_dir,
        role,
        passphrase=_unlock_passphrase(settings),
        now=datetime.now(UTC),
        root_days=settings.tuf_root_days,
        scrypt_log_n=settings.key_scrypt_log_n,
    )
    if as_json:
        click.echo(json.dumps(rotation.__dict__, indent=2))
        return
    click.echo(f"rotated {role}: {', '.join(rotation.old_key_ids)}")
    click.echo(f"     -> {', '.join(rotation.new_key_ids)}")
    if rotation.root_version is not None:
        click.echo(
            f"root v{rotation.root_version} written; the next publish or refresh publishes it."
        )
    else:
        click.echo("consumers must pin the new minisign.pub (`kpfeed keys export-public`).")


@keys.command("renew-root")
@json_option
def renew_root_command(as_json: bool) -> None:
    """Sign a new root version with the same keys and a fresh expiry (needs the root keys)."""
    settings = get_settings()
    version = renew_root(
        settings.key_dir,
        passphrase=_unlock_passphrase(settings),
        now=datetime.now(UTC),
        root_days=settings.tuf_root_days,
    )
    click.echo(json.dumps({"root_version": version}) if as_json else f"root v{version} written.")


@keys.command("export-public")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write root.json and minisign.pub into.",
)
def export_public_command(out_dir: Path) -> None:
    """Write what consumers pin out of band: the newest root.json and minisign.pub."""
    for path in export_public(get_settings().key_dir, out_dir):
        click.echo(str(path))


@keys.command("show")
@json_option
def show_command(as_json: bool) -> None:
    """Show the public side of the key ring: root version, keys per role, minisign key id."""
    settings = get_settings()
    public = read_public(settings.key_dir)
    _print_summary(
        settings, public, encrypted=keyring_is_encrypted(settings.key_dir), as_json=as_json
    )


def _print_summary(
    settings: Settings, public: PublicKeys, *, encrypted: bool, as_json: bool
) -> None:
    root = public.root.signed
    summary: dict[str, Any] = {
        "key_dir": str(settings.key_dir),
        "encrypted": encrypted,
        "root_version": root.version,
        "root_expires": root.expires.isoformat(),
        "roles": {
            role: {"threshold": root.roles[role].threshold, "keys": root.roles[role].keyids}
            for role in TUF_ROLES
        },
        "minisign_key_id": public.minisign.key_id_hex,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"key folder   {summary['key_dir']}")
    click.echo(f"encrypted    {'yes' if encrypted else 'NO (demo keys)'}")
    click.echo(f"root         v{root.version}, expires {summary['root_expires']}")
    for role in TUF_ROLES:
        info = summary["roles"][role]
        click.echo(
            f"{role:<12} {info['threshold']} of {len(info['keys'])}: {', '.join(info['keys'])}"
        )
    click.echo(f"minisign     {summary['minisign_key_id']}")


def _passphrase(settings: Settings, *, confirm: bool) -> str:
    if settings.key_passphrase is not None:
        value = settings.key_passphrase.get_secret_value()
    else:
        value = click.prompt(
            "Key passphrase", hide_input=True, confirmation_prompt=confirm, err=True
        )
    if not value:
        raise KeyStoreError("the key passphrase is empty")
    return str(value)


def _unlock_passphrase(settings: Settings) -> str | None:
    """The passphrase when the key ring is encrypted, else None (demo keys)."""
    if settings.key_passphrase is None and not keyring_is_encrypted(settings.key_dir):
        return None
    return _passphrase(settings, confirm=False)
