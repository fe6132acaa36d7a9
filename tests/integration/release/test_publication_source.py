"""Publication renders from the stored bytes exactly what it would render from the models."""

from __future__ import annotations

from feed.release import diff_members, highest_tlp
from feed.releasing import approve_release, create_release, plan_release, publish_release
from feed.releasing.history import memberships, published_records, record_loader, released_records
from feed.releasing.publishing import _change_entries
from feed.render.sources import record_json
from feed.store import EditorialState, approve_record, retire_record, save_revision, transaction
from feed.synthetic import synthetic_record
from tests.integration.release.common import NOW, Catalogue
from tests.unit.catalogue.helpers import full_records


def _release(cat: Catalogue, version: str) -> None:
    with transaction(cat.engine) as session:
        create_release(session, version, notes="n", created_by="alice", now=NOW)
        approve_release(session, version, approver="bob", now=NOW)


def _edit(cat: Catalogue) -> None:
    changed = synthetic_record(4)
    with transaction(cat.engine) as session:
        save_revision(
            session,
            changed.model_copy(update={"name": changed.name + " (renamed)"}),
            author="carol",
            state=EditorialState.IN_REVIEW,
        )
        approve_record(session, changed.id, approver="dave")
        retire_record(session, "manifesto:synthetic-0000011", actor="carol")


def test_stored_bytes_give_the_models_canonical_json_and_changes(catalogue: Catalogue) -> None:
    catalogue.add(full_records())  # every optional field of every record type
    _release(catalogue, "2022.1")
    publish_release(
        catalogue.engine,
        "2022.1",
        catalogue.out,
        keyring=catalogue.keyring,
        options=catalogue.options,
        now=NOW,
    )
    _edit(catalogue)
    _release(catalogue, "2022.2")
    for version, before in (("2022.1", None), ("2022.2", "2022.1")):
        with transaction(catalogue.engine) as session:
            previous, members = memberships(session, version)
            records, tlp = published_records(session, version, members)
            models = released_records(session, version, members)
            entries = _change_entries(session, before, previous, records, members)
            expected = diff_members(previous, models, record_loader(session, before))
        assert [(r.id, r.json) for r in records] == [(m.id, record_json(m)) for m in models]
        assert tlp == highest_tlp(models)
        assert [(e.op, e.id, e.revision, list(e.fields), e.record) for e in entries] == [
            (c.op, c.id, c.revision, c.fields, c.record and record_json(c.record)) for c in expected
        ]
    assert [(e.op, e.id, list(e.fields)) for e in entries if e.op != "ADD"] == [
        ("DEL", "manifesto:synthetic-0000011", []),
        ("MOD", "symbol:synthetic-0000004", ["name"]),
    ]


def test_the_console_preview_plans_exactly_what_create_release_stores(
    catalogue: Catalogue,
) -> None:
    catalogue.add(full_records())
    _release(catalogue, "2022.1")
    publish_release(
        catalogue.engine,
        "2022.1",
        catalogue.out,
        keyring=catalogue.keyring,
        options=catalogue.options,
        now=NOW,
    )
    _edit(catalogue)
    with transaction(catalogue.engine) as session:
        before, planned = plan_release(session, "2022.2")
        created = create_release(session, "2022.2", notes="n", created_by="alice", now=NOW)
    assert before is not None
    assert before.version == "2022.1"
    assert {r.id: r.revision for r in planned.records} == {
        rid: member.revision for rid, member in created.members.items()
    }
    assert planned.counts == created.release.counts
    assert sorted((c.op, c.id) for c in planned.changes) == [
        ("DEL", "manifesto:synthetic-0000011"),
        ("MOD", "symbol:synthetic-0000004"),
    ]
