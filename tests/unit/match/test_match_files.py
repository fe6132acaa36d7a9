"""Files are recognised by SHA-256, MD5 (and SHA-1 when records use it), read in chunks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from feed.match import Action, Matcher
from feed.match.files import CHUNK_BYTES, hash_file
from tests.unit.match.catalogue import record


def _digest(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data, usedforsecurity=False).hexdigest()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Temporary files with synthetic content; their hashes are computed by the tests."""
    contents = {
        "variant.pdf": b"%PDF synthetic test file, not a real document\n" * 10,
        "listed.bin": os.urandom(4096),
        "other.txt": b"an unrelated synthetic file\n",
        "big.bin": os.urandom(CHUNK_BYTES * 2 + 12345),
    }
    paths = {}
    for name, data in contents.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name] = path
    return paths


def test_files_match_by_sha256_and_md5_of_variants_and_listed_hashes(
    files: dict[str, Path],
) -> None:
    variant = files["variant.pdf"].read_bytes()
    listed = files["listed.bin"].read_bytes()
    manifesto = record(
        2,
        ambiguity="low",
        file_variants=[
            {
                "format": "PDF",
                "language": "en",
                "hashes": [{"algorithm": "sha256", "value": _digest("sha256", variant)}],
                "description": "synthetic variant",
            }
        ],
    )
    symbol = record(
        1,
        ambiguity="medium",
        file_hashes=[{"algorithm": "md5", "value": _digest("md5", listed)}],
    )
    matcher = Matcher.from_records([manifesto, symbol])

    report = matcher.match_file(files["variant.pdf"])
    (found,) = report.matches
    assert (found.record_id, found.algorithm, found.variant) == (
        "manifesto:synthetic-0000002",
        "sha256",
        "PDF en synthetic variant",
    )
    assert found.action is Action.AUTOMATIC
    assert report.digests == {"sha256": _digest("sha256", variant), "md5": _digest("md5", variant)}
    assert report.size == len(variant)

    (found,) = matcher.match_file(files["listed.bin"]).matches
    assert (found.record_id, found.algorithm, found.action) == (
        "symbol:synthetic-0000001",
        "md5",
        Action.CONTEXT,
    )
    assert matcher.match_file(files["other.txt"]).matches == []


def test_sha1_is_computed_only_when_a_record_uses_it(files: dict[str, Path]) -> None:
    data = files["other.txt"].read_bytes()
    with_sha1 = Matcher.from_records(
        [record(1, file_hashes=[{"algorithm": "sha1", "value": _digest("sha1", data)}])]
    )
    report = with_sha1.match_file(files["other.txt"])
    assert set(report.digests) == {"sha256", "md5", "sha1"}
    assert [m.algorithm for m in report.matches] == ["sha1"]
    assert report.matches[0].action is Action.REVIEW  # high ambiguity, even for a file
    without = Matcher.from_records([record(1)])
    assert set(without.match_file(files["other.txt"]).digests) == {"sha256", "md5"}


def test_files_larger_than_a_read_hash_the_same_as_in_one_piece(files: dict[str, Path]) -> None:
    data = files["big.bin"].read_bytes()
    size, digests = hash_file(files["big.bin"], ["sha256", "md5"])
    assert size == len(data) > CHUNK_BYTES
    assert digests == {"sha256": _digest("sha256", data), "md5": _digest("md5", data)}


def test_directories_are_walked_and_unreadable_files_reported(
    files: dict[str, Path], tmp_path: Path
) -> None:
    nested = tmp_path / "sub" / "deeper"
    nested.mkdir(parents=True)
    (nested / "copy.pdf").write_bytes(files["variant.pdf"].read_bytes())
    (tmp_path / "sub" / "link.pdf").symlink_to(files["variant.pdf"])
    variant = files["variant.pdf"].read_bytes()
    matcher = Matcher.from_records(
        [record(1, file_hashes=[{"algorithm": "md5", "value": _digest("md5", variant)}])]
    )
    reports = list(matcher.match_files([tmp_path / "sub", tmp_path / "missing.bin"]))
    assert [r.path for r in reports] == [
        str(nested / "copy.pdf"),
        str(tmp_path / "missing.bin"),
    ]
    assert [len(r.matches) for r in reports] == [1, 0]
    assert reports[1].error == "No such file or directory"
    assert reports[1].digests == {}
