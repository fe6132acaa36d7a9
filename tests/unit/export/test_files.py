"""Writing exports: atomic, no stale files left, and never over someone else's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import feed.export
from feed.errors import ExportError
from feed.export import ExportFormat, render, write_export
from feed.export.files import MARKER
from tests.unit.export.common import package_of, synthetic


def test_a_new_export_replaces_the_old_one_without_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "keywords"
    write_export(ExportFormat.KEYWORDS, {"de.txt": b"alt\n", "en.txt": b"old\n"}, out)
    write_export(ExportFormat.KEYWORDS, {"en.txt": b"new\n"}, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "en.txt"]
    assert (out / "en.txt").read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keywords"]  # no staging left behind


def test_a_folder_not_written_by_export_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        write_export(ExportFormat.CSV, {"records.csv": b"x"}, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_current_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExportError, match="current folder"):
        write_export(ExportFormat.CSV, {"records.csv": b"x"}, Path("."))
    assert list(tmp_path.iterdir()) == []


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    write_export(ExportFormat.CSV, {"records.csv": b"x"}, tmp_path)
    assert (tmp_path / "records.csv").read_bytes() == b"x"


def test_stix_goes_to_a_file_and_refuses_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "bundle.json"
    write_export(ExportFormat.STIX, {"bundle.json": b"{}"}, out)
    assert out.read_bytes() == b"{}"
    with pytest.raises(ExportError, match="folder"):
        write_export(ExportFormat.STIX, {"bundle.json": b"{}"}, tmp_path)


def test_a_folder_format_refuses_a_file_path(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.write_text("a file")
    with pytest.raises(ExportError, match="is a file"):
        write_export(ExportFormat.MISP, {"galaxies/x.json": b"{}"}, out)


def test_misp_files_keep_the_misp_galaxy_layout(tmp_path: Path) -> None:
    package = package_of([synthetic(0)])
    write_export(ExportFormat.MISP, render(ExportFormat.MISP, package), tmp_path / "misp")
    assert (tmp_path / "misp" / "galaxies" / "euif-knowledge-package.json").is_file()
    assert (tmp_path / "misp" / "clusters" / "euif-knowledge-package.json").is_file()


def test_the_public_surface_is_explicit_and_resolves() -> None:
    assert feed.export.__all__ == sorted(feed.export.__all__)
    for name in feed.export.__all__:
        assert getattr(feed.export, name) is not None
    assert {"to_stix", "to_misp", "to_csv", "to_keywords", "load_mirror_package"} <= set(
        feed.export.__all__
    )
