"""`kpfeed export FORMAT`: from a mirror folder to files the independent tools accept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from stix2validator import ValidationOptions, validate_file

from feed.cli import main
from feed.export.stix_schema import SCHEMA_DIR
from tests.unit.export.common import sample_package


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mirror folder as `kpfeed pull` leaves it: the verified package.json of the sample."""
    folder = tmp_path_factory.mktemp("mirror")
    (folder / "package.json").write_bytes(sample_package().model_dump_json().encode())
    return folder


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_stix_export_from_a_mirror_passes_the_oasis_validator(mirror: Path, tmp_path: Path) -> None:
    out = tmp_path / "catalogue.stix.json"
    code, stdout, _ = _run("export", "stix", "--mirror", str(mirror), "--out", str(out))
    assert code == 0
    assert "STIX 2.1 bundle of release 2026.1" in stdout
    result = validate_file(str(out), ValidationOptions(schema_dir=str(SCHEMA_DIR)))
    assert result.is_valid
    assert [str(e) for o in result.object_results for e in o.errors] == []


def test_every_format_writes_its_files_and_reports_them_as_json(
    mirror: Path, tmp_path: Path
) -> None:
    expected = {
        "misp": {"galaxies/euif-knowledge-package.json", "clusters/euif-knowledge-package.json"},
        "csv": {"records.csv", "aliases.csv"},
        "keywords": {"de.txt", "en.txt", "und.txt"},
    }
    for fmt, names in expected.items():
        out = tmp_path / fmt
        code, stdout, _ = _run("export", fmt, "--mirror", str(mirror), "--out", str(out), "--json")
        assert code == 0, stdout
        report = json.loads(stdout)
        assert report["records"] == len(sample_package().records)
        assert names <= set(report["files"]), fmt
        for name in report["files"]:
            assert (out / name).stat().st_size == report["files"][name]


def test_keywords_include_high_ambiguity_only_when_asked(mirror: Path, tmp_path: Path) -> None:
    _run("export", "keywords", "--mirror", str(mirror), "--out", str(tmp_path / "default"))
    _run(
        "export",
        "keywords",
        "--package",
        str(mirror / "package.json"),
        "--out",
        str(tmp_path / "all"),
        "--include-high-ambiguity",
    )
    default = (tmp_path / "default" / "und.txt").read_text().splitlines()
    everything = (tmp_path / "all" / "und.txt").read_text().splitlines()
    assert "1488" not in default
    assert "1488" in everything


def test_a_folder_that_is_no_mirror_fails_with_a_message(tmp_path: Path) -> None:
    code, _, stderr = _run("export", "csv", "--mirror", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 1
    assert "no package.json" in stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["export", "csv", "--out", "x"],
        ["export", "csv", "--mirror", "m", "--package", "p", "--out", "x"],
        ["export", "stix", "--mirror", "m", "--out", "x", "--include-high-ambiguity"],
        ["export", "pdf", "--mirror", "m", "--out", "x"],
    ],
)
def test_wrong_usage_is_refused_before_anything_is_read(args: list[str]) -> None:
    code, _, _ = _run(*args)
    assert code == 2
