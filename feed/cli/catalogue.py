"""`kpfeed validate` and `kpfeed schemas`: check editor files, keep schemas/ in step."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from feed.cli.app import main, report_error
from feed.errors import InputError, SourceFormatError, ValidationFailed
from feed.schemagen import check_schemas, write_schemas
from feed.validate import load_and_validate


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable JSON document.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check package sources and record files; list every problem, located.

    PATHS are package directories (with package.yaml), groups/, symbols/ or manifestos/
    directories, or single record files. Exit 0 when valid, 1 with the problems.
    """
    try:
        result = load_and_validate(list(paths))
    except InputError as error:
        if as_json:
            click.echo(json.dumps(_failure(error), indent=2, ensure_ascii=False))
        else:
            report_error(error)
        ctx.exit(1)
    counts = Counter(record.type for record in result.encoded)
    package = result.manifest.name if result.manifest else None
    if as_json:
        doc: dict[str, object] = {
            "valid": True,
            "package": package,
            "records": len(result.encoded),
            "counts": {t: counts[t] for t in ("group", "symbol", "manifesto")},
        }
        click.echo(json.dumps(doc, indent=2))
        return
    parts = ", ".join(f"{counts[t]} {t}s" for t in ("group", "symbol", "manifesto") if counts[t])
    where = f" in package '{package}'" if package else ""
    click.echo(f"valid: {len(result.encoded)} records{where} ({parts or 'none'})")


def _failure(error: InputError) -> dict[str, object]:
    problems = []
    if isinstance(error, ValidationFailed):
        problems = error.problems
    elif isinstance(error, SourceFormatError):
        problems = [error.problem]
    return {
        "valid": False,
        "error": type(error).__name__,
        "message": str(error),
        "problems": [problem.to_dict() for problem in problems],
    }


@main.command()
@click.option("--write", "mode", flag_value="write", help="Write the schemas from the models.")
@click.option("--check", "mode", flag_value="check", help="Exit 1 if the files differ.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder of the schema files.",
)
@click.pass_context
def schemas(ctx: click.Context, mode: str | None, directory: Path) -> None:
    """Write (--write) or check (--check) the published JSON Schemas in schemas/."""
    if mode == "write":
        for path in write_schemas(directory):
            click.echo(f"wrote {path}")
        return
    if mode == "check":
        drifted = check_schemas(directory)
        if drifted:
            click.echo(f"error: schemas in {directory} are out of date:", err=True)
            for name in drifted:
                click.echo(f"  {name}", err=True)
            click.echo("run `kpfeed schemas --write` and commit the result", err=True)
            ctx.exit(1)
        click.echo(f"schemas in {directory} match the models")
        return
    raise click.UsageError("give --write or --check")
