"""The kpfeed trusted comment: its exact form, and what `check_trusted_comment` refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feed.errors import ExpiredError, MixAndMatchError, RollbackError, TrustError
from feed.sign.comment import TrustedComment, check_trusted_comment, parse_trusted_comment

EXPIRES = datetime(2026, 4, 1, tzinfo=UTC)
COMMENT = TrustedComment(
    catalogue="euif-knowledge-package",
    version="2026.2",
    sequence=2,
    file="releases/2026.2/package.json",
    expires=EXPIRES,
)
TEXT = (
    "catalogue:euif-knowledge-package version:2026.2 sequence:2 "
    "file:releases/2026.2/package.json expires:2026-04-01T00:00:00Z"
)
BEFORE = EXPIRES - timedelta(days=1)


def test_comment_has_the_documented_form_and_parses_back() -> None:
    assert str(COMMENT) == TEXT
    assert parse_trusted_comment(TEXT) == COMMENT


def test_expiry_is_written_in_utc() -> None:
    local = EXPIRES.astimezone(datetime.now().astimezone().tzinfo)
    assert str(TrustedComment("x", "2026.1", 1, "feed.json", local)).endswith(
        "expires:2026-04-01T00:00:00Z"
    )


@pytest.mark.parametrize(
    "text",
    [
        "timestamp:1700000000\tfile:package.json",  # minisign's default comment
        TEXT.replace("sequence:2", "sequence:two"),
        TEXT.replace("version:2026.2", "version:26.2"),
        TEXT.replace("expires:2026-04-01T00:00:00Z", "expires:2026-04-01"),
        TEXT + " extra:1",
        TEXT.replace("file:releases", "file:../releases"),
    ],
    ids=["minisign-default", "sequence", "version", "expiry", "extra-field", "dotdot"],
)
def test_comment_not_in_kpfeed_form_is_refused(text: str) -> None:
    with pytest.raises(TrustError, match="not a kpfeed one"):
        parse_trusted_comment(text)


def test_matching_comment_passes_and_is_returned() -> None:
    checked = check_trusted_comment(
        TEXT,
        file_name="releases/2026.2/package.json",
        now=BEFORE,
        min_sequence=2,
        catalogue="euif-knowledge-package",
    )
    assert checked == COMMENT


def test_signature_for_another_file_is_mix_and_match() -> None:
    with pytest.raises(MixAndMatchError, match=r"for file 'releases/2026\.2/package\.json', not"):
        check_trusted_comment(TEXT, file_name="package.json", now=BEFORE)


def test_signature_for_another_catalogue_is_mix_and_match() -> None:
    with pytest.raises(MixAndMatchError, match="catalogue 'euif-knowledge-package', not 'other'"):
        check_trusted_comment(TEXT, file_name=COMMENT.file, now=BEFORE, catalogue="other")


def test_older_sequence_than_trusted_is_rollback() -> None:
    with pytest.raises(RollbackError, match="sequence 2, older than sequence 3"):
        check_trusted_comment(TEXT, file_name=COMMENT.file, now=BEFORE, min_sequence=3)


def test_signature_past_its_expiry_is_expired() -> None:
    with pytest.raises(ExpiredError, match="expired at 2026-04-01"):
        check_trusted_comment(TEXT, file_name=COMMENT.file, now=EXPIRES + timedelta(seconds=1))


def test_expiry_check_can_be_skipped_for_archived_releases() -> None:
    late = EXPIRES + timedelta(days=400)
    assert check_trusted_comment(TEXT, file_name=COMMENT.file, now=None) == COMMENT
    with pytest.raises(ExpiredError):
        check_trusted_comment(TEXT, file_name=COMMENT.file, now=late)


def test_a_comment_that_cannot_be_written_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="not a valid kpfeed trusted comment"):
        TrustedComment("Bad Name", "2026.1", 1, "feed.json", EXPIRES)
    with pytest.raises(ValueError, match="timezone-aware"):
        TrustedComment("x", "2026.1", 1, "feed.json", datetime(2026, 1, 1))
