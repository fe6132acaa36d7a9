"""The root `kpfeed` command group and how library errors reach the terminal."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from feed import __version__
from feed.errors import KpfeedError, SourceFormatError, ValidationFailed


def report_error(error: KpfeedError, *, as_json: bool = False) -> None:
    """Print a library error for a person (or as JSON), located where possible."""
    problems = []
    if isinstance(error, ValidationFailed):
        problems = error.problems
    elif isinstance(error, SourceFormatError):
        problems = [error.problem]
    if as_json:
        doc: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
        if problems:
            doc["problems"] = [p.to_dict() for p in problems]
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if problems:
        click.echo(f"error: {len(problems)} problem(s) found:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    else:
        click.echo(f"error: {error}", err=True)


#: The module that registers each top-level command. A command's module (and what it imports:
#: the store, the server, the signer...) is loaded only when that command runs, so `kpfeed
#: validate` does not pay for SQLAlchemy and Alembic. A test checks this table against the
#: commands the modules really register.
COMMAND_MODULES: dict[str, str] = {
    "demo": "feed.cli.demo",
    "docs": "feed.cli.docs",
    "export": "feed.cli.export",
    "export-source": "feed.cli.store",
    "import": "feed.cli.store",
    "init": "feed.cli.store",
    "keys": "feed.cli.keys",
    "match": "feed.cli.match",
    "orgs": "feed.cli.accounts",
    "publish": "feed.cli.release",
    "pull": "feed.cli.client",
    "records": "feed.cli.store",
    "refresh": "feed.cli.release",
    "release": "feed.cli.release",
    "schemas": "feed.cli.catalogue",
    "serve": "feed.cli.serve",
    "tokens": "feed.cli.accounts",
    "users": "feed.cli.accounts",
    "validate": "feed.cli.catalogue",
    "verify": "feed.cli.client",
}


class KpfeedGroup(click.Group):
    """A click group that loads commands on demand and turns library errors into exit code 1."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_all_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KpfeedError as error:
            as_json = "--json" in sys.argv[1:]
            report_error(error, as_json=as_json)
            ctx.exit(1)


@click.group(cls=KpfeedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpfeed")
def main() -> None:
    """kpfeed: keep, release, sign, publish and consume the EUIF Knowledge Package.

    Settings come from KPFEED_* environment variables (see `docs/reference/settings.md`).
    """


def load_all_commands() -> None:
    """Import every command module, so `main.commands` holds the whole command line."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(module)
