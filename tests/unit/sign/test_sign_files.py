"""Signatures for a release's files in one call, checking one file, and the public surface."""

from __future__ import annotations

from datetime import timedelta

import pytest

import feed.sign
from feed.errors import ExpiredError, MixAndMatchError, RollbackError
from feed.sign import sign_files, verify_file
from feed.sign.minisign import MinisignSecretKey
from tests.unit.sign.common import NOW

FILES = {"package.json": b'{"synthetic": 1}', "releases/2026.1/changes.json": b"[]"}


def _signatures(key: MinisignSecretKey) -> dict[str, bytes]:
    return sign_files(
        FILES,
        key,
        catalogue="euif-knowledge-package",
        version="2026.1",
        sequence=4,
        expires=NOW + timedelta(days=30),
    )


def test_each_file_gets_a_signature_naming_itself(minisign_key: MinisignSecretKey) -> None:
    signatures = _signatures(minisign_key)
    assert sorted(signatures) == ["package.json.minisig", "releases/2026.1/changes.json.minisig"]
    for name, data in FILES.items():
        comment = verify_file(
            data, signatures[f"{name}.minisig"], minisign_key.public, file_name=name, now=NOW
        )
        assert (comment.file, comment.version, comment.sequence) == (name, "2026.1", 4)


def test_signature_moved_onto_another_file_name_is_mix_and_match(
    minisign_key: MinisignSecretKey,
) -> None:
    """Same bytes published under two names: the signature still says which one it is for."""
    signatures = sign_files(
        {"package.json": b"same", "releases/2026.1/package.json": b"same"},
        minisign_key,
        catalogue="euif-knowledge-package",
        version="2026.1",
        sequence=1,
        expires=NOW + timedelta(days=1),
    )
    with pytest.raises(MixAndMatchError):
        verify_file(
            b"same",
            signatures["releases/2026.1/package.json.minisig"],
            minisign_key.public,
            file_name="package.json",
            now=NOW,
        )


def test_verify_file_applies_rollback_and_expiry_checks(minisign_key: MinisignSecretKey) -> None:
    signature = _signatures(minisign_key)["package.json.minisig"]
    data, key = FILES["package.json"], minisign_key.public
    with pytest.raises(RollbackError):
        verify_file(data, signature, key, file_name="package.json", now=NOW, min_sequence=5)
    with pytest.raises(ExpiredError):
        verify_file(data, signature, key, file_name="package.json", now=NOW + timedelta(days=31))


def test_public_surface_is_explicit_and_importable() -> None:
    assert sorted(feed.sign.__all__) == sorted(set(feed.sign.__all__))
    for name in feed.sign.__all__:
        assert getattr(feed.sign, name) is not None, name
