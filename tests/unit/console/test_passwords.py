"""Console passwords: argon2id hashes, refused when too short, the same cost when unknown."""

from __future__ import annotations

import pytest

from feed.errors import InputError
from feed.passwords import check_new_password, hash_password, needs_rehash, verify_password

PASSWORD = "a synthetic passphrase"


def test_a_password_verifies_against_its_hash_only() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)
    assert not needs_rehash(stored)


def test_two_hashes_of_one_password_differ() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "why"),
    [("short", "at least 12"), (" padded password ", "spaces"), ("x" * 1025, "at most")],
)
def test_weak_or_odd_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        check_new_password(password)


def test_an_oversized_attempt_is_refused_without_hashing() -> None:
    assert not verify_password(hash_password(PASSWORD), "x" * 100_000)
