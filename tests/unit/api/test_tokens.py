"""Bearer tokens: shape, one-way storage and constant-time checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feed.accounts import is_usable, new_token, parse_token, secret_digest, secret_matches


def test_a_new_token_parses_back_to_its_id_and_its_secret_matches_the_stored_digest() -> None:
    token_id, token, digest = new_token()
    parsed = parse_token(token)
    assert parsed is not None
    assert parsed[0] == token_id
    assert secret_matches(parsed[1], digest)
    assert digest == secret_digest(parsed[1])
    assert parsed[1] not in digest


def test_two_tokens_never_share_id_or_secret() -> None:
    tokens = [new_token() for _ in range(200)]
    assert len({t[0] for t in tokens}) == 200
    assert len({t[1] for t in tokens}) == 200


def test_a_changed_secret_does_not_match() -> None:
    _, token, digest = new_token()
    parsed = parse_token(token)
    assert parsed is not None
    wrong = ("A" if parsed[1][0] != "A" else "B") + parsed[1][1:]
    assert not secret_matches(wrong, digest)


def test_malformed_tokens_are_not_parsed() -> None:
    _, token, _ = new_token()
    for bad in ("", "Bearer " + token, token[:-1], token + "x", token.replace("kpf_", "kpx_")):
        assert parse_token(bad) is None


def test_expired_or_revoked_tokens_are_not_usable() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert is_usable(expires=None, revoked=None, now=now)
    assert is_usable(expires=now + timedelta(seconds=1), revoked=None, now=now)
    assert not is_usable(expires=now, revoked=None, now=now)
    assert not is_usable(expires=None, revoked=now - timedelta(days=1), now=now)
