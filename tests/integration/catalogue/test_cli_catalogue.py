"""`kpfeed validate` and `kpfeed schemas` as a user runs them.

Most tests drive the click command in-process (fast); one runs the real `kpfeed` entry point in
a subprocess to prove the commands are registered and exit codes reach the shell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.model import PackageManifest
from feed.source import write_package
from feed.synthetic import synthetic_records

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def kpfeed(*args: str | Path, cwd: Path | None = None) -> Run:
    """Run `kpfeed ARGS` in-process, in `cwd` if given."""
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(previous)
    return Run(result.exit_code, result.stdout, result.stderr)


def kpfeed_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "feed", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def package(tmp_path: Path) -> Path:
    manifest = PackageManifest(name="synthetic", title="Synthetic", publisher="kpfeed tests")
    folder = tmp_path / "synthetic"
    write_package(folder, manifest, synthetic_records(9))
    return folder


def test_validate_a_valid_package_prints_one_summary_line(package: Path) -> None:
    result = kpfeed("validate", package)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "valid: 9 records in package 'synthetic' (3 groups, 3 symbols, 3 manifestos)\n"
    )


def test_validate_json_describes_a_valid_package(package: Path) -> None:
    result = kpfeed("validate", "--json", package)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "valid": True,
        "package": "synthetic",
        "records": 9,
        "counts": {"group": 3, "symbol": 3, "manifesto": 3},
    }


def _break(package: Path) -> None:
    symbol = package / "symbols" / "synthetic-0000004.yaml"
    symbol.write_text(symbol.read_text().replace("https://", "http://"))
    group = package / "groups" / "synthetic-0000003.yaml"
    group.write_text(group.read_text() + "colour: red\n")
    (package / "manifestos" / "synthetic-0000005.yaml").write_bytes(b"name: Caf\xe9\n")


def test_validate_a_broken_package_lists_every_located_problem_and_exits_1(package: Path) -> None:
    _break(package)
    result = kpfeed_process("validate", package)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    colour_line = _line_of(package / "groups" / "synthetic-0000003.yaml", "colour: red")
    url_line = _line_of(package / "symbols" / "synthetic-0000004.yaml", "url: http://")
    assert lines[0] == "error: 3 problem(s) found:"
    assert lines[1].startswith(
        f"  {package}/groups/synthetic-0000003.yaml:group:synthetic-0000003 /colour: "
        f"line {colour_line}: unknown field 'colour' (allowed: id, uuid, name,"
    )
    assert lines[2:] == [
        f"  {package}/manifestos/synthetic-0000005.yaml /: not valid UTF-8: byte 0xe9 at byte "
        "offset 9 (line 1, column 10); save the file as UTF-8",
        f"  {package}/symbols/synthetic-0000004.yaml:symbol:synthetic-0000004 /sources/0/url: "
        f"line {url_line}: must be an https:// URL, not "
        "'http://example.org/synthetic/synthetic-0000004'",
    ]


def _line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def test_validate_json_lists_every_problem_for_machines(package: Path) -> None:
    _break(package)
    result = kpfeed("validate", package, "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert doc["error"] == "ValidationFailed"
    assert [(p["record_id"], p["pointer"]) for p in doc["problems"]] == [
        ("group:synthetic-0000003", "/colour"),
        (None, ""),
        ("symbol:synthetic-0000004", "/sources/0/url"),
    ]


def test_validate_a_single_unreadable_file(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n')
    result = kpfeed("validate", bomb)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: 1 problem(s) found:\n  {bomb} /a: line 1, column 4: anchors (&a) are not allowed\n"
    )


def test_validate_needs_a_path() -> None:
    result = kpfeed("validate")
    assert result.returncode == 2
    assert "Missing argument 'PATHS...'" in result.stderr


def test_schemas_check_passes_on_the_committed_schemas() -> None:
    result = kpfeed("schemas", "--check", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "schemas in schemas match the models\n"


def test_schemas_check_names_drifted_files_and_write_repairs_them(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", folder)
    (folder / "group.schema.json").write_text("{}\n")
    result = kpfeed("schemas", "--check", "--dir", folder)
    assert result.returncode == 1
    assert "  group.schema.json (differs from the models)\n" in result.stderr
    assert "run `kpfeed schemas --write`" in result.stderr
    written = kpfeed("schemas", "--write", "--dir", folder)
    assert written.returncode == 0
    assert f"wrote {folder}/group.schema.json\n" in written.stdout
    assert kpfeed("schemas", "--check", "--dir", folder).returncode == 0


def test_schemas_without_a_mode_is_a_usage_error() -> None:
    result = kpfeed("schemas")
    assert result.returncode == 2
    assert "give --write or --check" in result.stderr
