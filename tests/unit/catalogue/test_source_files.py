"""Reading and writing package source directories: whole files refused, never half-read."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from feed.errors import ExportError, Problem, SourceFormatError, ValidationFailed
from feed.model import PackageManifest, parse_record
from feed.source import read_sources, to_source_data, write_package
from feed.source_parse import Limits
from feed.synthetic import synthetic_record, synthetic_record_data, synthetic_records
from feed.validate import load_and_validate, validate_items

from .helpers import full_records

WriteRecord = Callable[..., Path]


def refusal(paths: list[Path], limits: Limits | None = None) -> list[Problem]:
    with pytest.raises((SourceFormatError, ValidationFailed)) as caught:
        read_sources(paths, limits=limits)
    error = caught.value
    if isinstance(error, SourceFormatError):
        return [error.problem]
    assert isinstance(error, ValidationFailed)
    return error.problems


def test_a_package_directory_reads_manifest_and_every_record(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(7))
    (tmp_path / "pkg" / "README.md").write_text("editors' notes are left alone")
    (tmp_path / "pkg" / "symbols" / ".swp").write_text("editor swap file")
    tree = read_sources([tmp_path / "pkg"])
    assert tree.manifest == manifest
    assert sorted(item.file for item in tree.items) == sorted(
        f"{tmp_path}/pkg/{r.type}s/{r.slug}.yaml" for r in synthetic_records(7)
    )


def test_single_files_and_record_directories_can_be_given(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(6))
    one = tmp_path / "pkg" / "groups" / "synthetic-0000000.yaml"
    tree = read_sources([one, tmp_path / "pkg" / "symbols", one])
    assert tree.manifest is None
    assert [item.file for item in tree.items] == [
        str(one),
        f"{tmp_path}/pkg/symbols/synthetic-0000001.yaml",
        f"{tmp_path}/pkg/symbols/synthetic-0000004.yaml",
    ]


def test_invalid_utf8_is_refused_with_its_byte_offset(write_record: WriteRecord) -> None:
    path = write_record("bad.yaml", b"id: symbol:bad\nname: Caf\xe9\n")
    [problem] = refusal([path])
    assert problem == Problem(
        str(path),
        None,
        "",
        "not valid UTF-8: byte 0xe9 at byte offset 24 (line 2, column 10); save the file as UTF-8",
    )


def test_a_utf8_byte_order_mark_is_tolerated(write_record: WriteRecord) -> None:
    path = write_record("bom.json", b'\xef\xbb\xbf{"id": "symbol:bom"}')
    assert read_sources([path]).items[0].data == {"id": "symbol:bom"}


def test_a_10_mb_file_is_refused_before_it_is_parsed(write_record: WriteRecord) -> None:
    path = write_record("huge.yaml", "summary:\n  en: " + "x" * 10_000_000 + "\n")
    [problem] = refusal([path])
    assert problem == Problem(
        str(path), None, "", "the file is 9.5 MiB, more than the limit of 1.0 MiB"
    )


def test_a_10_mb_string_under_a_larger_file_cap_is_refused_by_the_string_cap(
    write_record: WriteRecord,
) -> None:
    path = write_record("huge.json", '{"summary": {"en": "' + "x" * 10_000_000 + '"}}')
    [problem] = refusal([path], Limits(max_file_bytes=20_000_000))
    assert problem == Problem(
        str(path),
        None,
        "/summary/en",
        "a text of 10,000,000 characters is longer than the limit of 20,000",
    )


def test_malformed_files_are_reported_with_file_and_line(write_record: WriteRecord) -> None:
    path = write_record("broken.yaml", "id: symbol:broken\nname: [oops\n")
    [problem] = refusal([path])
    assert problem.file == str(path)
    assert problem.message.startswith("line 3, column 1: invalid YAML: did not find expected")


def test_every_unreadable_file_is_reported_in_one_run(
    tmp_path: Path, write_record: WriteRecord
) -> None:
    (tmp_path / "pkg" / "package.yaml").parent.mkdir(parents=True)
    (tmp_path / "pkg" / "package.yaml").write_text("name: Not A Slug\ntitle: t\npublisher: p\n")
    write_record("a.yaml", "a: &x 1\n")
    write_record("b.json", '{"a": NaN}')
    write_record("c.yaml", b"\xff")
    write_record("d.yaml", "name: !!python/object:os.system x\n", folder="groups")
    write_record("notes.txt", "not a record")
    write_record("stray.yaml", "id: symbol:stray\n", folder=".")
    (tmp_path / "pkg" / "symbol").mkdir()
    problems = refusal([tmp_path / "pkg", tmp_path / "missing"])
    pkg = f"{tmp_path}/pkg"
    assert [(p.file, p.pointer, p.message) for p in problems] == [
        (f"{tmp_path}/missing", "", "no such file or directory"),
        (f"{pkg}/groups/d.yaml", "/name", "line 1, column 7: the tag "
         "!!python/object:os.system is not allowed (plain data only)"),
        (f"{pkg}/package.yaml", "/name", "'Not A Slug' must be lowercase letters and digits "
         "joined by single hyphens (e.g. sample)"),
        (f"{pkg}/stray.yaml", "", "unexpected file: record files go in groups/, symbols/ or "
         "manifestos/, and the package description in package.yaml"),
        (f"{pkg}/symbol", "", "unexpected directory: records go in groups/, symbols/, manifestos/"),
        (f"{pkg}/symbols/a.yaml", "/a", "line 1, column 4: anchors (&x) are not allowed"),
        (f"{pkg}/symbols/b.json", "", "line 1, column 7: NaN is not allowed: numbers must be "
         "finite"),
        (f"{pkg}/symbols/c.yaml", "", "not valid UTF-8: byte 0xff at byte offset 0 (line 1, "
         "column 1); save the file as UTF-8"),
        (f"{pkg}/symbols/notes.txt", "", "not a record file: expected .yaml, .yml or .json"),
    ]  # fmt: skip


def test_a_directory_that_is_not_a_package_is_refused(tmp_path: Path) -> None:
    [problem] = refusal([tmp_path])
    assert problem.message.startswith("not a package source: no package.yaml here")


def test_two_different_packages_at_once_are_refused(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "a", manifest, [])
    write_package(tmp_path / "b", manifest.model_copy(update={"name": "other"}), [])
    [problem] = refusal([tmp_path / "a", tmp_path / "b"])
    assert problem.file == f"{tmp_path}/b/package.yaml"
    assert "give one package at a time" in problem.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    [problem] = refusal([fifo])
    assert problem.message == "not a regular file or directory"


def test_round_trip_gives_identical_records_for_every_type_and_optional_field(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    records = full_records()
    for fmt in ("yaml", "json"):
        folder = tmp_path / fmt
        write_package(folder, manifest, records, fmt=fmt)
        loaded = load_and_validate([folder])
        assert loaded.manifest == manifest
        assert sorted(loaded.records, key=lambda r: r.id) == sorted(records, key=lambda r: r.id)


def test_round_trip_keeps_content_and_drops_lifecycle_fields(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    stored = synthetic_record(4).model_copy(
        update={"revision": 3, "first_released_in": "2024.1", "last_changed_in": "2024.2"}
    )
    write_package(tmp_path / "pkg", manifest, [stored, *synthetic_records(4)])
    text = (tmp_path / "pkg" / "symbols" / "synthetic-0000004.yaml").read_text()
    assert "revision" not in text
    assert "uuid" not in text
    assert "released" not in text
    records, problems = validate_items(read_sources([tmp_path / "pkg"]).items)
    assert problems == []
    [again] = [r for r in records if r.id == stored.id]
    assert to_source_data(again) == to_source_data(stored)
    assert again.uuid == stored.uuid
    assert again.revision == 1


def test_export_is_byte_for_byte_deterministic(tmp_path: Path, manifest: PackageManifest) -> None:
    records = full_records()
    write_package(tmp_path / "a", manifest, records)
    write_package(tmp_path / "b", manifest, reversed(records))
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b
    assert len(files_a) == len(records) + 1
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_editor_files_start_with_id_and_type_and_omit_empty_defaults() -> None:
    data = to_source_data(parse_record(synthetic_record_data(2) | {"relations": []}))
    assert list(data)[:3] == ["id", "type", "name"]
    assert "relations" not in data
    assert "designations" not in data
    assert "uuid" not in data
    assert "normalization" not in data["indicators"]["text_patterns"][0]
    assert data["tlp"] == "CLEAR"  # markings are always written out


def test_re_export_removes_record_files_of_records_no_longer_exported(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    folder = tmp_path / "pkg"
    write_package(folder, manifest, synthetic_records(6), fmt="json")
    written = write_package(folder, manifest, list(synthetic_records(6))[:3])
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.*")) == sorted(
        p.relative_to(folder).as_posix() for p in written
    )
    assert len(read_sources([folder]).items) == 3


def test_export_refuses_a_non_empty_directory_that_is_not_a_package(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    (tmp_path / "important.txt").write_text("keep me")
    with pytest.raises(ExportError, match=r"not empty and holds no package\.yaml"):
        write_package(tmp_path, manifest, synthetic_records(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["important.txt"]


def test_export_refuses_duplicate_ids(tmp_path: Path, manifest: PackageManifest) -> None:
    with pytest.raises(ValidationFailed) as caught:
        write_package(tmp_path / "pkg", manifest, [synthetic_record(1), synthetic_record(1)])
    assert caught.value.problems == [
        Problem(None, "symbol:synthetic-0000001", "/id", "the export holds this id twice")
    ]
    assert not (tmp_path / "pkg").exists()


def test_export_leaves_no_temporary_files(tmp_path: Path, manifest: PackageManifest) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(5))
    assert [p for p in (tmp_path / "pkg").rglob("*") if p.name.startswith(".")] == []
