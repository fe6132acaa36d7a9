"""The root `kpfeed` command group and how library errors reach the terminal."""

from __future__ import annotations

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


class KpfeedGroup(click.Group):
    """A click group that turns library errors into a message and exit code 1."""

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
