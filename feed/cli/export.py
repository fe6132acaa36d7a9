"""`kpfeed export FORMAT`: write the mirrored release as STIX, MISP galaxy, CSV or keywords."""

from __future__ import annotations

import json
from pathlib import Path

import click

from feed.cli.app import main
from feed.export import ExportFormat, export

_WHAT = {
    ExportFormat.STIX: "STIX 2.1 bundle",
    ExportFormat.MISP: "MISP galaxy and cluster",
    ExportFormat.CSV: "CSV files (records, aliases)",
    ExportFormat.KEYWORDS: "keyword lists",
}


@main.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice([f.value for f in ExportFormat]))
@click.option(
    "--mirror",
    type=click.Path(path_type=Path, file_okay=False),
    help="Mirror folder that `kpfeed pull` keeps (reads its package.json).",
)
@click.option(
    "--package",
    "package_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A package.json to read instead of a mirror.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="stix: the bundle file to write. misp, csv, keywords: the folder to write "
    "(created, or replaced if an earlier export wrote it).",
)
@click.option(
    "--include-high-ambiguity",
    "include_high",
    is_flag=True,
    help="keywords only: also list records whose ambiguity is high (every match of those "
    "needs human review).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def export_command(
    fmt: str,
    mirror: Path | None,
    package_file: Path | None,
    out: Path,
    include_high: bool,
    as_json: bool,
) -> None:
    """Export the current release for moderation tools.

    FORMAT is one of: stix (a STIX 2.1 bundle), misp (a MISP galaxy and cluster),
    csv (records.csv and aliases.csv), keywords (one <language>.txt per language).
    """
    if (mirror is None) == (package_file is None):
        raise click.UsageError("give either --mirror DIR or --package FILE")
    export_format = ExportFormat(fmt)
    if include_high and export_format is not ExportFormat.KEYWORDS:
        raise click.UsageError(
            "--include-high-ambiguity applies to keywords only; the other formats carry "
            "every record with its ambiguity level"
        )
    result = export(
        export_format, out, mirror=mirror, package_file=package_file, include_high=include_high
    )
    if as_json:
        doc = {
            "format": result.format.value,
            "out": str(result.out),
            "version": result.version,
            "records": result.records,
            "files": result.files,
        }
        click.echo(json.dumps(doc, indent=2))
        return
    size = sum(result.files.values())
    click.echo(
        f"wrote {_WHAT[result.format]} of release {result.version} "
        f"({result.records} records, {len(result.files)} file(s), {size} bytes) to {result.out}"
    )
