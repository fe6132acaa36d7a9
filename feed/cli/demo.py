"""`kpfeed demo`: build the demo workspace (or reuse it) and serve it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from feed.cli.app import main
from feed.config import get_settings

if TYPE_CHECKING:  # the library is imported inside the command: `kpfeed --help` stays quick
    from feed.demo import DemoWorkspace


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
    workspace = build_demo(root, settings=settings, now=datetime.now(UTC), progress=click.echo)
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
