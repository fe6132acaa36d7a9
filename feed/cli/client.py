"""`kpfeed pull` and `kpfeed verify`: the consumer's commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from feed.cli.app import main
from feed.client import CatalogueClient, verify_directory
from feed.errors import ConfigError
from feed.sign import parse_public_key


@main.command()
@click.argument("url")
@click.option(
    "--into",
    "mirror",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Mirror folder; `package.json` in it is the verified current release.",
)
@click.option(
    "--trusted-root",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TUF root metadata pinned out of band (`root.json`); needed for the first pull.",
)
@click.option(
    "--token", default=None, help="Bearer token for a restricted feed (or KPFEED_FEED_TOKEN)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def pull(
    url: str, mirror: Path, trusted_root: Path | None, token: str | None, as_json: bool
) -> None:
    """Pull the current release from URL into a local mirror, verified with TUF.

    Applies the release's changes when the mirror is behind, else downloads the full package;
    the mirror changes only when everything verified.
    """
    with CatalogueClient(url, mirror, trusted_root, token=token) as client:
        result = client.pull()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        for line in result.describe():
            click.echo(line)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--pubkey",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The minisign public key pinned out of band (`minisign.pub`).",
)
@click.option(
    "--min-sequence",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse a release older than this sequence (the newest one you trusted before).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verified files as JSON.")
def verify(directory: Path, pubkey: Path, min_sequence: int | None, as_json: bool) -> None:
    """Check files downloaded by hand into DIRECTORY against their .minisig signatures.

    Current files must be of one release, unexpired and not older than what you trusted;
    files under releases/ are immutable archives and checked without expiry.
    """
    try:
        key = parse_public_key(pubkey.read_bytes())
    except OSError as error:
        raise ConfigError(f"cannot read {pubkey}: {error.strerror}") from None
    files = verify_directory(directory, key, now=datetime.now(UTC), min_sequence=min_sequence)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "path": f.path,
                        "catalogue": f.catalogue,
                        "version": f.version,
                        "sequence": f.sequence,
                        "expires": f.expires.isoformat(),
                        "archived": f.archived,
                    }
                    for f in files
                ],
                indent=2,
            )
        )
        return
    for f in files:
        note = "archived, no expiry" if f.archived else f"expires {f.expires:%Y-%m-%d %H:%M}Z"
        click.echo(f"ok  {f.path}  (release {f.version}, sequence {f.sequence}, {note})")
    click.echo(f"{len(files)} file(s) verified with key {key.key_id_hex}")
