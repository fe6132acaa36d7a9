"""`kpfeed docs generate`: write (or check) the reference pages generated from the code."""

from __future__ import annotations

from pathlib import Path

import click

from feed.cli.app import main
from feed.docsgen import (
    default_sources,
    find_undocumented,
    generate_pages,
    stale_pages,
    write_pages,
)


@main.group()
def docs() -> None:
    """The documentation site's reference pages, generated from the code (for contributors)."""


@docs.command("generate")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/reference"),
    show_default=True,
    help="Folder the pages are written into.",
)
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder of the published JSON Schemas the schema page is made from.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if a page is out of date or something is undocumented.",
)
@click.pass_context
def generate(ctx: click.Context, out_dir: Path, schemas_dir: Path, check: bool) -> None:
    """Write cli.md, settings.md, record-schema.md and http-api.md from the code.

    The pages come from the command tree, `feed.config.Settings`, the schema files and the
    server's OpenAPI document. Commit the result; the test suite fails when they drift.
    """
    sources = default_sources(schemas_dir)
    pages = generate_pages(sources)
    undocumented = find_undocumented(sources, pages)
    for message in undocumented:
        click.echo(f"undocumented: {message}", err=True)
    if check:
        stale = stale_pages(out_dir, pages)
        for name in stale:
            click.echo(f"out of date: {out_dir / name}", err=True)
        if stale:
            click.echo("run `kpfeed docs generate` and commit the result", err=True)
        if stale or undocumented:
            ctx.exit(1)
        click.echo(f"reference pages in {out_dir} are up to date")
        return
    for path in write_pages(out_dir, pages):
        click.echo(f"wrote {path}")
    if undocumented:
        ctx.exit(1)
