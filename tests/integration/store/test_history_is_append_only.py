"""Revisions, notes and the audit log are append-only, and records are never deleted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from feed.errors import StateError
from feed.store import add_note, list_audit, record_audit, save_revision, transaction
from feed.store.db import translate_errors
from feed.synthetic import synthetic_record

RAW_CHANGES = [
    "UPDATE record_revisions SET author = 'mallory'",
    "DELETE FROM record_revisions",
    "UPDATE audit_log SET actor = 'mallory'",
    "DELETE FROM audit_log",
    "UPDATE record_notes SET text = 'rewritten'",
    "DELETE FROM record_notes",
    "DELETE FROM records",
    "UPDATE records SET uuid = '00000000-0000-0000-0000-000000000000'",
]


@pytest.mark.parametrize("statement", RAW_CHANGES)
def test_history_refuses_raw_sql_rewrites(engine: Engine, statement: str) -> None:
    rid = synthetic_record(1).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(1), author="ana")
        add_note(session, rid, author="ana", text="note")
        record_audit(session, actor="ana", action="test.touch", target=rid)
    with (
        pytest.raises(StateError, match=r"append-only|never|keeps"),
        translate_errors(),
        engine.begin() as connection,
    ):
        connection.execute(sa.text(statement))
    with transaction(engine) as session:
        entries = list_audit(session, target=rid)
    assert {e.actor for e in entries} == {"ana"}
    assert len(entries) == 2


def test_audit_entries_keep_who_what_and_the_token(engine: Engine) -> None:
    with transaction(engine) as session:
        record_audit(
            session,
            actor="org:example",
            action="feedback.submit",
            target="symbol:synthetic-0000001",
            detail={"kind": "false_positive"},
            token_id="tok_123",
        )
    with transaction(engine) as session:
        (entry,) = list_audit(session, actor="org:example")
    assert (entry.action, entry.token_id, entry.detail) == (
        "feedback.submit",
        "tok_123",
        {"kind": "false_positive"},
    )
    assert entry.at.tzinfo is not None
