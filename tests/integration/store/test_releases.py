"""Releases: stored frozen, moved draft -> approved -> published, and immutable once published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.errors import ConflictError, ImmutableReleaseError, NotFoundError, StateError
from feed.model import Counts, content_of
from feed.store import (
    ReleaseState,
    approved_records,
    get_release,
    import_records,
    insert_release,
    latest_release,
    list_releases,
    release_member_revisions,
    release_members,
    save_revision,
    set_release_approved,
    set_release_published,
    transaction,
)
from feed.synthetic import synthetic_record

T0 = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
COUNTS = Counts(added=3, changed=0, retired=0, total=3)


def _freeze(session: Session, version: str, sequence: int, previous: str | None = None) -> None:
    members = [(r.id, r.revision) for r in approved_records(session)]
    insert_release(
        session,
        version=version,
        sequence=sequence,
        notes=f"Release {version}",
        created_by="ana",
        created=T0,
        counts=COUNTS,
        previous_version=previous,
        members=members,
    )


def _raw(engine: Engine, statement: str, **params: object) -> None:
    """Run hand-written SQL in its own transaction, as someone bypassing kpfeed would."""
    with engine.begin() as connection:
        connection.execute(sa.text(statement), params)


@pytest.fixture
def published(engine: Engine) -> Engine:
    """A store with three approved records and release 2022.1 published over them."""
    with transaction(engine) as session:
        import_records(session, [synthetic_record(n) for n in range(3)], author="ana", approve=True)
        _freeze(session, "2022.1", 1)
        set_release_approved(session, "2022.1", approver="ben", at=T0)
        set_release_published(session, "2022.1", at=T0)
    return engine


def test_release_members_are_the_records_at_their_frozen_revisions(published: Engine) -> None:
    with transaction(published) as session:
        save_revision(session, synthetic_record(0, variant=1), author="ana")
    with transaction(published) as session:
        members = release_members(session, "2022.1")
        revisions = release_member_revisions(session, "2022.1")
    assert [m.id for m in members] == sorted(synthetic_record(n).id for n in range(3))
    assert revisions == {m.id: 1 for m in members}
    assert content_of(members[0]) == content_of(synthetic_record(0))


def test_release_states_and_metadata_are_stored(published: Engine) -> None:
    with transaction(published) as session:
        release = get_release(session, "2022.1")
    assert release.state is ReleaseState.PUBLISHED
    assert (release.version, release.sequence, release.counts) == ("2022.1", 1, COUNTS)
    assert (release.created_by, release.approved_by) == ("ana", "ben")
    assert release.created_at == release.approved_at == release.published_at == T0


def test_latest_release_and_listing_follow_the_sequence(published: Engine) -> None:
    with transaction(published) as session:
        _freeze(session, "2022.2", 2, previous="2022.1")
    with transaction(published) as session:
        assert [r.version for r in list_releases(session)] == ["2022.1", "2022.2"]
        latest = latest_release(session)
        latest_published = latest_release(session, published_only=True)
    assert latest is not None
    assert latest.version == "2022.2"
    assert latest.previous_version == "2022.1"
    assert latest_published is not None
    assert latest_published.version == "2022.1"


def test_no_release_yet_is_none_and_an_unknown_one_is_not_found(engine: Engine) -> None:
    with transaction(engine) as session:
        assert latest_release(session) is None
        with pytest.raises(NotFoundError):
            get_release(session, "2030.1")


def test_version_and_sequence_are_unique(published: Engine) -> None:
    with pytest.raises(ConflictError, match="exists already"), transaction(published) as session:
        _freeze(session, "2022.1", 5)
    with pytest.raises(ConflictError, match="sequence 1"), transaction(published) as session:
        _freeze(session, "2022.5", 1)


def test_members_must_point_at_stored_revisions(engine: Engine) -> None:
    with pytest.raises(ConflictError), transaction(engine) as session:
        insert_release(
            session,
            version="2022.1",
            sequence=1,
            notes="",
            created_by="ana",
            created=T0,
            counts=COUNTS,
            previous_version=None,
            members=[("group:synthetic-0000000", 1)],
        )


def test_publishing_needs_approval_first(published: Engine) -> None:
    with transaction(published) as session:
        _freeze(session, "2022.2", 2, previous="2022.1")
        with pytest.raises(StateError, match="approve it before publishing"):
            set_release_published(session, "2022.2", at=T0)


def test_a_published_release_cannot_be_approved_or_published_again(published: Engine) -> None:
    with transaction(published) as session:
        with pytest.raises(ImmutableReleaseError):
            set_release_approved(session, "2022.1", approver="cy", at=T0)
        with pytest.raises(ImmutableReleaseError):
            set_release_published(session, "2022.1", at=T0)


RAW_CHANGES = [
    "UPDATE releases SET notes = 'rewritten' WHERE version = '2022.1'",
    "UPDATE releases SET state = 'draft' WHERE version = '2022.1'",
    "DELETE FROM releases WHERE version = '2022.1'",
    "UPDATE release_members SET revision = 2 WHERE release_version = '2022.1'",
    "DELETE FROM release_members WHERE release_version = '2022.1'",
    "INSERT INTO release_members (release_version, record_id, revision) "
    "SELECT '2022.1', record_id, revision FROM record_revisions WHERE revision = 2",
]


@pytest.mark.parametrize("statement", RAW_CHANGES)
def test_published_release_refuses_raw_sql_changes(published: Engine, statement: str) -> None:
    with transaction(published) as session:
        save_revision(session, synthetic_record(0, variant=1), author="ana")  # a revision 2
        before = release_member_revisions(session, "2022.1")
    with pytest.raises(sa.exc.DBAPIError, match="kpfeed-immutable-release"):
        _raw(published, statement)
    with transaction(published) as session:
        assert get_release(session, "2022.1").notes == "Release 2022.1"
        assert get_release(session, "2022.1").state is ReleaseState.PUBLISHED
        assert release_member_revisions(session, "2022.1") == before


def test_draft_release_members_are_frozen_too(published: Engine) -> None:
    with transaction(published) as session:
        _freeze(session, "2022.2", 2, previous="2022.1")
    with pytest.raises(sa.exc.DBAPIError, match="kpfeed-immutable-release"):
        _raw(published, "DELETE FROM release_members")


def test_an_approved_release_can_only_be_published(published: Engine) -> None:
    with transaction(published) as session:
        _freeze(session, "2022.2", 2, previous="2022.1")
        set_release_approved(session, "2022.2", approver="ben", at=T0)
    for statement in (
        "UPDATE releases SET notes = 'sneaky' WHERE version = '2022.2'",
        "UPDATE releases SET state = 'draft' WHERE version = '2022.2'",
        "UPDATE releases SET sequence = 9 WHERE version = '2022.2'",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="kpfeed-immutable-release"):
            _raw(published, statement)


def test_a_release_cannot_be_inserted_already_published(engine: Engine) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="kpfeed-immutable-release"):
        _raw(
            engine,
            "INSERT INTO releases (version, sequence, state, notes, counts, created_by,"
            " created_at, approved_by, approved_at, published_at) VALUES ('2022.1', 1,"
            " 'published', '', '{}', 'x', :t, 'y', :t, :t)",
            t=T0,
        )


def test_postgres_refuses_truncating_published_history(published: Engine) -> None:
    if published.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    for table in ("releases", "release_members", "record_revisions", "audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="kpfeed-"):
            _raw(published, f"TRUNCATE {table} CASCADE")
