"""Fixtures for the signing tests: a minisign key pair and a small unlocked key ring."""

from __future__ import annotations

from pathlib import Path

import pytest

from feed.sign.keys import Keyring, init_keys
from feed.sign.minisign import MinisignSecretKey, generate_keypair
from tests.unit.sign.common import FAST_KDF, NOW, PASSPHRASE


@pytest.fixture
def minisign_key() -> MinisignSecretKey:
    return generate_keypair()


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def keyring(key_dir: Path) -> Keyring:
    """A fresh key ring (one root key, threshold 1), passphrase-encrypted, root keys unlocked."""
    return init_keys(key_dir, passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
