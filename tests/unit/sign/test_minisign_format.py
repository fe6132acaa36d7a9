"""minisign signatures and keys made and read by our code (stock-tool checks are in integration)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from feed.errors import BadSignatureError, KeyStoreError, PublishError, UnknownKeyError
from feed.sign.minisign import (
    MinisignSecretKey,
    _ScryptCost,
    generate_keypair,
    is_encrypted_secret_key,
    load_secret_key,
    parse_public_key,
    public_key_text,
    secret_key_text,
    sign,
    verify,
)

DATA = b'{"synthetic": "release file"}\n'
COMMENT = "catalogue:test version:2026.1 sequence:1 file:package.json expires:2026-04-01T00:00:00Z"


def _signed(key: MinisignSecretKey, data: bytes = DATA) -> bytes:
    return sign(data, key, trusted_comment=COMMENT)


def test_verify_returns_the_trusted_comment_of_a_good_signature(
    minisign_key: MinisignSecretKey,
) -> None:
    assert verify(DATA, _signed(minisign_key), minisign_key.public) == COMMENT


def test_signature_file_has_minisigns_four_lines_and_prehashed_algorithm(
    minisign_key: MinisignSecretKey,
) -> None:
    lines = _signed(minisign_key).decode().splitlines()
    assert len(lines) == 4
    assert (
        lines[0]
        == f"untrusted comment: signature from kpfeed minisign key {minisign_key.key_id_hex}"
    )
    raw = base64.b64decode(lines[1])
    assert raw[:2] == b"ED"
    assert raw[2:10] == minisign_key.key_id
    assert lines[2] == f"trusted comment: {COMMENT}"
    assert len(base64.b64decode(lines[3])) == 64


def test_changed_file_is_refused(minisign_key: MinisignSecretKey) -> None:
    with pytest.raises(BadSignatureError, match="does not match the file"):
        verify(DATA + b" ", _signed(minisign_key), minisign_key.public)


def test_signature_of_another_file_is_refused(minisign_key: MinisignSecretKey) -> None:
    other = _signed(minisign_key, b"another file")
    with pytest.raises(BadSignatureError, match="does not match the file"):
        verify(DATA, other, minisign_key.public)


def test_changed_trusted_comment_is_refused(minisign_key: MinisignSecretKey) -> None:
    forged = _signed(minisign_key).replace(b"sequence:1 ", b"sequence:9 ")
    with pytest.raises(BadSignatureError, match="trusted comment was changed"):
        verify(DATA, forged, minisign_key.public)


def test_trusted_comment_taken_from_another_signature_is_refused(
    minisign_key: MinisignSecretKey,
) -> None:
    """Splice the (trusted comment, global signature) of another file's signature onto ours."""
    ours = _signed(minisign_key).splitlines(keepends=True)
    other_comment = COMMENT.replace("package.json", "feed.json")
    theirs = sign(b"other bytes", minisign_key, trusted_comment=other_comment)
    spliced = b"".join(ours[:2] + theirs.splitlines(keepends=True)[2:])
    with pytest.raises(BadSignatureError, match="trusted comment was changed"):
        verify(DATA, spliced, minisign_key.public)


def test_signature_by_another_key_is_an_unknown_key(minisign_key: MinisignSecretKey) -> None:
    stranger = generate_keypair()
    with pytest.raises(UnknownKeyError, match=stranger.key_id_hex):
        verify(DATA, _signed(stranger), minisign_key.public)


def test_another_key_claiming_our_key_id_fails_the_signature(
    minisign_key: MinisignSecretKey,
) -> None:
    impostor = generate_keypair(key_id=minisign_key.key_id)
    with pytest.raises(BadSignatureError):
        verify(DATA, _signed(impostor), minisign_key.public)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda s: s[: len(s) // 2], "line"),
        (lambda s: b"\n".join(s.split(b"\n")[:3]), "3 line"),
        (lambda s: s[:-10], "truncated"),
        (lambda s: b"", "0 line"),
        (lambda s: s.replace(b"untrusted comment", b"comment"), "untrusted comment"),
        (lambda s: s.replace(b"trusted comment: ", b"TRUSTED: "), "trusted comment"),
        (lambda s: b"\xff\xfe" + s, "UTF-8"),
        (lambda s: s * 100, "larger than"),
    ],
    ids=[
        "half",
        "three-lines",
        "short-global",
        "empty",
        "no-untrusted",
        "no-trusted",
        "binary",
        "huge",
    ],
)
def test_truncated_or_garbled_signature_file_is_refused(
    minisign_key: MinisignSecretKey, cut: Callable[[bytes], bytes], message: str
) -> None:
    with pytest.raises(BadSignatureError, match=message):
        verify(DATA, cut(_signed(minisign_key)), minisign_key.public)


def test_signature_line_with_garbled_base64_is_refused(minisign_key: MinisignSecretKey) -> None:
    lines = _signed(minisign_key).split(b"\n")
    lines[1] = b"!!" + lines[1][2:]
    with pytest.raises(BadSignatureError, match="not valid base64"):
        verify(DATA, b"\n".join(lines), minisign_key.public)


def test_legacy_unhashed_signatures_are_refused(minisign_key: MinisignSecretKey) -> None:
    lines = _signed(minisign_key).split(b"\n")
    raw = base64.b64decode(lines[1])
    lines[1] = base64.b64encode(b"Ed" + raw[2:])
    with pytest.raises(BadSignatureError, match="legacy"):
        verify(DATA, b"\n".join(lines), minisign_key.public)


def test_comments_must_be_one_line(minisign_key: MinisignSecretKey) -> None:
    with pytest.raises(PublishError, match="one line"):
        sign(DATA, minisign_key, trusted_comment="two\nlines")
    with pytest.raises(PublishError, match="one line"):
        sign(DATA, minisign_key, trusted_comment="x", untrusted_comment="a\rb")


def test_public_key_file_round_trips_and_names_the_key_id(
    minisign_key: MinisignSecretKey,
) -> None:
    text = public_key_text(minisign_key)
    assert text.startswith(f"untrusted comment: minisign public key {minisign_key.key_id_hex}\n")
    assert parse_public_key(text) == minisign_key.public
    assert parse_public_key(text.splitlines()[1]) == minisign_key.public  # the `-P` form


@pytest.mark.parametrize(
    "text",
    ["", "untrusted comment: x\n", "untrusted comment: x\nnot base64!\n", "QUJD\n"],
    ids=["empty", "comment-only", "garbled", "too-short"],
)
def test_garbled_public_key_is_refused(text: str) -> None:
    with pytest.raises(UnknownKeyError, match="minisign public key"):
        parse_public_key(text)


def test_encrypted_secret_key_round_trips_with_its_passphrase(
    minisign_key: MinisignSecretKey,
) -> None:
    text = secret_key_text(minisign_key, "s3cret", scrypt_log_n=10)
    assert is_encrypted_secret_key(text)
    assert load_secret_key(text, "s3cret") == minisign_key
    assert minisign_key.seed.hex() not in text


def test_wrong_passphrase_is_refused_by_name(minisign_key: MinisignSecretKey) -> None:
    text = secret_key_text(minisign_key, "s3cret", scrypt_log_n=10)
    with pytest.raises(KeyStoreError, match="wrong passphrase for the test key"):
        load_secret_key(text, "guess", name="the test key")
    with pytest.raises(KeyStoreError, match="is encrypted: a passphrase is needed"):
        load_secret_key(text, None)


def test_unencrypted_secret_key_needs_no_passphrase(minisign_key: MinisignSecretKey) -> None:
    text = secret_key_text(minisign_key, None)
    assert not is_encrypted_secret_key(text)
    assert load_secret_key(text, None) == minisign_key


def test_damaged_secret_key_is_refused(minisign_key: MinisignSecretKey) -> None:
    comment, line = secret_key_text(minisign_key, None).splitlines()
    raw = bytearray(base64.b64decode(line))
    raw[70] ^= 1  # a bit of the secret key
    damaged = f"{comment}\n{base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(KeyStoreError, match="damaged"):
        load_secret_key(damaged, None)


def test_secret_key_asking_for_absurd_scrypt_memory_is_refused(
    minisign_key: MinisignSecretKey,
) -> None:
    comment, line = secret_key_text(minisign_key, "pw", scrypt_log_n=10).splitlines()
    raw = bytearray(base64.b64decode(line))
    raw[38:54] = (1 << 40).to_bytes(8, "little") + (1 << 45).to_bytes(8, "little")
    hostile = f"{comment}\n{base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(KeyStoreError, match="more than this host allows"):
        load_secret_key(hostile, "pw")


def test_secret_key_repr_does_not_show_the_seed(minisign_key: MinisignSecretKey) -> None:
    assert minisign_key.seed.hex() not in repr(minisign_key)
    assert minisign_key.key_id_hex in repr(minisign_key)


def test_scrypt_parameters_are_derived_like_libsodium_for_minisigns_own_keys() -> None:
    # minisign -G writes opslimit 2**25 and memlimit 2**30: libsodium turns them into these.
    assert _ScryptCost(33554432, 1073741824).parameters() == (20, 8, 1)
    for log_n in (10, 17, 22):
        assert _ScryptCost.for_log_n(log_n).parameters() == (log_n, 8, 1)
