"""`kpfeed match` end to end: a package or mirror on disk, text and files in, matches out."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feed.cli import main
from tests.unit.match.catalogue import evasion_catalogue, package_data, record, write_package

POSTS = "hello there\nwe are 14 88 today\nthe VORBRAX legion at €14.88\n"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A consumer mirror holding a verified package of the evasion catalogue."""
    path = tmp_path / "mirror"
    path.mkdir()
    write_package(path / "package.json", package_data(evasion_catalogue()))
    return path


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    path = tmp_path / "posts.txt"
    path.write_text(POSTS, encoding="utf-8")
    return path


def test_lines_are_documents_and_matches_come_grouped_with_guidance(
    mirror: Path, posts: Path
) -> None:
    result = CliRunner().invoke(main, ["match", "--mirror", str(mirror), "--lines", str(posts)])
    assert result.exit_code == 3, result.output
    out = result.output
    assert f"{posts}:2\n" in out
    assert f"{posts}:3\n" in out
    assert f"{posts}:1\n" not in out
    assert "CONTEXT    symbol:synthetic-0000001" in out  # 14 88: medium ambiguity
    assert "AUTOMATIC  group:synthetic-0000003" in out  # the name: low ambiguity
    assert "[looks like: price]" in out
    assert "signals: " in out
    assert out.rstrip().endswith("2 of 3 document(s) matched (release 2024.1)")


def test_a_whole_file_is_one_document_with_offsets_from_its_start(
    mirror: Path, posts: Path
) -> None:
    result = CliRunner().invoke(main, ["match", "--mirror", str(mirror), "--json", str(posts)])
    assert result.exit_code == 3, result.output
    (line,) = result.output.splitlines()
    doc = json.loads(line)
    assert doc["source"] == str(posts)
    assert doc["line"] is None
    spans = {(m["text"], m["start"]) for r in doc["records"] for m in r["matches"]}
    assert spans == {
        ("14 88", POSTS.index("14 88")),
        ("VORBRAX legion", POSTS.index("VORBRAX")),
        ("14.88", POSTS.index("14.88")),
    }
    review = [m for r in doc["records"] for m in r["matches"] if m["action"] == "review"]
    assert [m["collision"] for m in review] == ["price"]


def test_nothing_matched_exits_zero(mirror: Path) -> None:
    result = CliRunner().invoke(
        main, ["match", "--mirror", str(mirror), "-"], input="nothing to see, born 1988\n"
    )
    assert result.exit_code == 0, result.output
    assert "0 of 1 document(s) matched" in result.output


def test_files_are_matched_by_hash(tmp_path: Path) -> None:
    data = b"synthetic file content for a hash test\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.bin").write_bytes(data)
    (tmp_path / "in" / "b.bin").write_bytes(b"something else")
    sha256 = hashlib.sha256(data).hexdigest()
    manifesto = record(
        2,
        ambiguity="low",
        file_variants=[{"format": "PDF", "hashes": [{"algorithm": "sha256", "value": sha256}]}],
    )
    package = write_package(tmp_path / "package.json", package_data([manifesto]))
    result = CliRunner().invoke(
        main, ["match", "--package", str(package), "--files", "--json", str(tmp_path / "in")]
    )
    assert result.exit_code == 3, result.output
    reports = [json.loads(line) for line in result.output.splitlines()]
    assert [Path(r["path"]).name for r in reports] == ["a.bin", "b.bin"]
    assert reports[0]["digests"]["sha256"] == sha256
    assert [m["record_id"] for m in reports[0]["matches"]] == [manifesto.id]
    assert reports[1]["matches"] == []


def test_an_unreadable_file_is_an_error_after_the_others_are_reported(
    mirror: Path, tmp_path: Path
) -> None:
    (tmp_path / "ok.bin").write_bytes(b"x")
    result = CliRunner().invoke(
        main,
        ["match", "--mirror", str(mirror), "--files", str(tmp_path / "ok.bin"), "nope.bin"],
    )
    assert result.exit_code == 1
    assert "ok.bin" in result.output
    assert "nope.bin: cannot read: No such file or directory" in result.output


def test_usage_mistakes_are_refused(mirror: Path, posts: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(main, ["match", "--mirror", str(mirror), "--package", str(posts)])
    assert both.exit_code == 2
    assert "not both" in both.output
    lines_with_files = runner.invoke(main, ["match", "--files", "--lines", str(posts)])
    assert lines_with_files.exit_code == 2
    no_files = runner.invoke(main, ["match", "--mirror", str(mirror), "--files"])
    assert no_files.exit_code == 2


def test_a_missing_mirror_is_explained(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["match", "--mirror", str(tmp_path / "none"), "-"])
    assert result.exit_code == 1
    assert "no package at" in result.output


def test_the_installed_command_reads_stdin_and_sets_its_exit_status(mirror: Path) -> None:
    """The real process: entry point, stdin decoding (bad bytes replaced) and exit status."""
    proc = subprocess.run(
        [sys.executable, "-m", "feed", "match", "--mirror", str(mirror), "--lines", "--json"],
        input="fine\n\xff\xfe bad bytes, then 1 4 8 8\n".encode("latin-1"),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    (line,) = proc.stdout.decode().splitlines()
    doc = json.loads(line)
    assert doc["line"] == 2
    (found,) = doc["records"]
    assert found["matches"][0]["text"] == "1 4 8 8"
    assert found["matches"][0]["start"] == len("\ufffd\ufffd bad bytes, then ")
