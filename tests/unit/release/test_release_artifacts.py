"""The files of a publication: what is rendered, checked against the schemas, and signed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feed.errors import ImmutableReleaseError, PublishError, ValidationFailed
from feed.model import PublishedPackage, ReleaseInfo, records_digest
from feed.model.vocab import Tlp
from feed.release import build_changeset, build_package, build_snapshot
from feed.releasing.artifacts import (
    release_content,
    signed_paths,
    split_published,
)
from feed.releasing.checks import EmbeddedRecords, check_json_artifacts
from feed.render import FeedLinks
from feed.render.package import record_json
from feed.synthetic import synthetic_records

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
LINKS = FeedLinks("https://feeds.example.org/kp/", "https://api.example.org/v1/")


def _files() -> dict[str, bytes]:
    snapshot = build_snapshot("2022.1", synthetic_records(6))
    info = ReleaseInfo(
        catalogue="synthetic",
        title="Synthetic catalogue",
        publisher="kpfeed tests",
        version="2022.1",
        sequence=1,
        created=NOW,
        published=NOW,
        notes="First.",
        counts=snapshot.counts,
        tlp=Tlp.CLEAR,
    )
    digest = records_digest(snapshot.records)
    package = build_package(info, snapshot.records, digest)
    changes = build_changeset(
        info,
        snapshot.changes,
        records_digest=digest,
        base_digest=None,
        previous_sequence=None,
    )
    return release_content(package, changes, [info], LINKS, page_size=20)


def test_a_release_renders_current_files_its_archive_copy_and_the_schemas() -> None:
    files = _files()
    for path in ("feed.json", "feed.atom", "package.json", "releases.json", "releases.atom"):
        assert path in files
    for name in ("package.json", "changes.json", "feed.json", "feed.atom"):
        assert f"releases/2022.1/{name}" in files
    assert any(p.startswith("schemas/") and p.endswith(".json") for p in files)
    # Rendered once: the current document and its archived copy are the same object.
    assert files["package.json"] is files["releases/2022.1/package.json"]


def test_rendered_artifacts_pass_the_schema_checks() -> None:
    check_json_artifacts(_files())


def test_a_record_that_breaks_the_schema_is_named_with_file_and_pointer() -> None:
    files = _files()
    files["package.json"] = files["package.json"].replace(b'"status":"active"', b'"status":"x"', 1)
    with pytest.raises(ValidationFailed) as info:
        check_json_artifacts(files)
    [problem] = info.value.problems
    assert problem.file == "package.json"
    assert "status" in problem.pointer


def test_a_changes_file_that_does_not_parse_is_refused() -> None:
    files = _files()
    files["releases/2022.1/changes.json"] = files["releases/2022.1/changes.json"][:-10]
    with pytest.raises(PublishError, match=r"changes\.json is not valid JSON"):
        check_json_artifacts(files)


def test_already_published_release_files_are_kept_not_rewritten() -> None:
    files = {"feed.json": b"new", "releases/2022.1/package.json": b"same"}
    fresh = split_published(files, {"releases/2022.1/package.json": b"same"})
    assert fresh == {"feed.json": b"new"}


def test_a_published_release_file_that_would_change_is_refused() -> None:
    with pytest.raises(ImmutableReleaseError, match=r"releases/2022\.1/package\.json"):
        split_published(
            {"releases/2022.1/package.json": b"other"}, {"releases/2022.1/package.json": b"old"}
        )


def test_every_file_but_tuf_signatures_and_the_key_is_signed() -> None:
    paths = ["feed.json", "feed.json.minisig", "minisign.pub", "tuf/metadata/1.root.json", "a/b"]
    assert signed_paths(paths) == ["a/b", "feed.json"]


def _embedded(files: dict[str, bytes]) -> EmbeddedRecords:
    package = PublishedPackage.model_validate_json(files["package.json"])
    return EmbeddedRecords(
        json={r.id: record_json(r) for r in package.records},
        package=[r.id for r in package.records],
        changes=[r.id for r in package.records],  # the first release adds every record
    )


def test_checked_in_pieces_a_bad_record_is_located_like_a_whole_parse() -> None:
    files = _files()
    embedded = _embedded(files)
    bad_id = embedded.package[2]
    bad = embedded.json[bad_id].replace(b'"status":"active"', b'"status":"x"', 1)
    for name in ("package.json", "releases/2022.1/changes.json"):
        files[name] = files[name].replace(embedded.json[bad_id], bad, 1)
    with pytest.raises(ValidationFailed) as whole:
        check_json_artifacts(files)
    embedded = EmbeddedRecords({**embedded.json, bad_id: bad}, embedded.package, embedded.changes)
    with pytest.raises(ValidationFailed) as pieces:
        check_json_artifacts(files, embedded)
    located = {(p.file, p.pointer) for p in pieces.value.problems}
    assert located == {(p.file, p.pointer) for p in whole.value.problems}
    assert ("package.json", "/records/2/status") in located
    assert ("releases/2022.1/changes.json", "/changes/2/record/status") in located
    assert all(p.record_id == bad_id for p in pieces.value.problems)


def test_checked_in_pieces_a_bad_skeleton_is_found_too() -> None:
    files = _files()
    files["package.json"] = files["package.json"].replace(b'"format":"kpfeed/1"', b'"format":"x"')
    with pytest.raises(ValidationFailed) as info:
        check_json_artifacts(files, _embedded(_files()))
    assert [(p.file, p.pointer) for p in info.value.problems] == [("package.json", "/format")]


def test_records_missing_from_a_document_fall_back_to_a_whole_parse() -> None:
    files = _files()
    embedded = _embedded(files)
    # A record the caller expects but the package lacks: checked whole, and still valid.
    first = embedded.package[0]
    other = EmbeddedRecords({**embedded.json, first: b'{"no":"such record"}'}, embedded.package, [])
    check_json_artifacts(files, other)
