"""`kpfeed match`: find the catalogue's indicators in text, or known files by hash."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import click

from feed.cli.app import main
from feed.config import get_settings
from feed.match import Action, FileReport, Matcher, RecordMatches
from feed.model import Guidance

#: Exit status when something matched (0: nothing matched, 1: error, 2: usage error).
EXIT_MATCHED = 3

_LABEL = {Action.AUTOMATIC: "AUTOMATIC", Action.CONTEXT: "CONTEXT", Action.REVIEW: "REVIEW"}


def _load(mirror: Path | None, package: Path | None) -> Matcher:
    if mirror is not None and package is not None:
        raise click.UsageError("give --mirror or --package, not both")
    if package is not None:
        matcher = Matcher.from_package(package)
    else:
        matcher = Matcher.from_mirror(mirror or get_settings().mirror_dir)
    for problem in matcher.skipped:
        click.echo(f"warning: {problem}", err=True)
    return matcher


@contextmanager
def _text(source: Path) -> Iterator[TextIO]:
    """A text stream over a file or stdin: UTF-8, bad bytes replaced, line ends kept as is."""
    raw: BinaryIO
    if str(source) == "-":
        raw = sys.stdin.buffer
    else:
        try:
            raw = source.open("rb")
        except OSError as error:
            raise click.FileError(str(source), error.strerror) from None
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
    try:
        yield stream
    finally:
        stream.detach()
        if raw is not sys.stdin.buffer:
            raw.close()


def _name(source: Path) -> str:
    return "<stdin>" if str(source) == "-" else str(source)


def _guidance_lines(guidance: Guidance) -> Iterator[str]:
    yield f"signals: {guidance.signals}"
    if guidance.benign_uses:
        yield "benign uses: " + " | ".join(guidance.benign_uses)
    if guidance.known_collisions:
        yield "known collisions: " + " | ".join(guidance.known_collisions)


def _print_records(where: str, records: list[RecordMatches]) -> None:
    click.echo(where)
    for record in records:
        label = _LABEL[record.action]
        click.echo(
            f"  {label:<9}  {record.record_id}  {record.name}  (ambiguity {record.ambiguity})"
        )
        for m in record.matches:
            note = f": {m.note}" if m.note else ""
            looks = f"  [looks like: {m.collision}]" if m.collision else ""
            click.echo(
                f"      {m.text!r} at {m.start}-{m.end}  {m.indicator} {m.pattern!r}{note}{looks}"
            )
        for line in _guidance_lines(record.guidance):
            click.echo(f"      {line}")


def _print_file(report: FileReport) -> None:
    if report.error:
        click.echo(f"{report.path}: cannot read: {report.error}")
        return
    digests = "  ".join(f"{name} {value}" for name, value in sorted(report.digests.items()))
    click.echo(f"{report.path}  {digests}")
    if not report.matches:
        click.echo("  no match")
    for m in report.matches:
        variant = f"  {m.variant}" if m.variant else ""
        click.echo(
            f"  {_LABEL[m.action]:<9}  {m.record_id}  {m.name}  (ambiguity {m.ambiguity})  "
            f"{m.algorithm}{variant}"
        )
        for line in _guidance_lines(m.guidance):
            click.echo(f"      {line}")


def _emit(doc: dict[str, Any]) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False))


def _match_text(
    matcher: Matcher, sources: list[Path], *, lines: bool, as_json: bool
) -> tuple[int, int]:
    """Print the matches of each document; (documents searched, documents matched)."""
    searched = matched = 0
    for source in sources:
        name = _name(source)
        with _text(source) as stream:
            if lines:
                texts = (line.rstrip("\r\n") for line in stream)
                results: Iterator[tuple[int | None, list[RecordMatches]]] = (
                    (n, found) for n, found in enumerate(matcher.match_many(texts), 1)
                )
            else:
                results = iter([(None, matcher.scan(stream))])
            for line, records in results:
                searched += 1
                if not records:
                    continue
                matched += 1
                if as_json:
                    _emit(
                        {
                            "source": name,
                            "line": line,
                            "records": [r.model_dump(mode="json") for r in records],
                        }
                    )
                else:
                    _print_records(name if line is None else f"{name}:{line}", records)
    return searched, matched


@main.command("match")
@click.option(
    "--mirror",
    type=click.Path(file_okay=False, path_type=Path),
    help="Consumer mirror to read the current package from (default: KPFEED_MIRROR_DIR).",
)
@click.option(
    "--package",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A published package.json to match against instead of a mirror.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output, for machines.")
@click.option("--lines", is_flag=True, help="Each line of the input is a document of its own.")
@click.option("--files", "files", is_flag=True, help="Match files by hash (SHA-256, MD5).")
@click.argument(
    "inputs", nargs=-1, metavar="[FILE|-|PATH]...", type=click.Path(path_type=Path, allow_dash=True)
)
@click.pass_context
def match(
    ctx: click.Context,
    mirror: Path | None,
    package: Path | None,
    as_json: bool,
    lines: bool,
    files: bool,
    inputs: tuple[Path, ...],
) -> None:
    """Find the catalogue's indicators in text (FILE..., or - for stdin, the default) or, with
    --files, find known files by hash (directories are walked).

    Text matches are grouped per record with the record's guidance; AUTOMATIC, CONTEXT and
    REVIEW say what the guidance allows (REVIEW: a person must look, never act automatically).
    With --json, one JSON object per line: per matching document ({source, line, records}),
    or per file with --files.

    Exit status: 0 nothing matched, 3 something matched, 1 error (an unreadable file included),
    2 usage error.
    """
    if files and lines:
        raise click.UsageError("--lines applies to text, not to --files")
    if files and not inputs:
        raise click.UsageError("--files needs at least one PATH")
    matcher = _load(mirror, package)
    if files:
        matched = failed = 0
        for report in matcher.match_files(list(inputs)):
            matched += bool(report.matches)
            failed += report.error is not None
            if as_json:
                _emit(report.model_dump(mode="json"))
            else:
                _print_file(report)
        if failed:
            ctx.exit(1)
        ctx.exit(EXIT_MATCHED if matched else 0)
    searched, matched = _match_text(
        matcher, list(inputs) or [Path("-")], lines=lines, as_json=as_json
    )
    if not as_json:
        release = f" (release {matcher.release.version})" if matcher.release else ""
        click.echo(f"{matched} of {searched} document(s) matched{release}")
    ctx.exit(EXIT_MATCHED if matched else 0)
