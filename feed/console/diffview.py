"""What a release changes, laid out for people: added, changed (field by field, the lines
that differ marked), retired. The layout is pure; `previous_records` reads the store."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from feed.console.web import yaml_text
from feed.model import AnyRecord, Change, dump_record
from feed.model.records import LIFECYCLE_FIELDS
from feed.releasing.history import memberships, record_loader

__all__ = ["ChangeView", "FieldChange", "change_views", "previous_records"]


@dataclass(frozen=True)
class FieldChange:
    """One top-level field of a changed record, before and after, as readable text."""

    name: str
    before: str
    after: str

    def lines(self) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        """Each side's lines, each with whether it differs from the other side."""
        old, new = self.before.splitlines(), self.after.splitlines()
        marked_old = [(line, True) for line in old]
        marked_new = [(line, True) for line in new]
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                marked_old[i1:i2] = [(line, False) for line in old[i1:i2]]
                marked_new[j1:j2] = [(line, False) for line in new[j1:j2]]
        return marked_old, marked_new


@dataclass(frozen=True)
class ChangeView:
    """One entry of a release's changes, ready for a template."""

    op: str  # ADD, MOD or DEL
    id: str
    name: str
    revision: int
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {"ADD": "added", "MOD": "changed", "DEL": "retired"}[self.op]


def _value(record: AnyRecord | None, name: str) -> Any:
    if record is None:
        return None
    return dump_record(record).get(name)


def change_views(changes: Iterable[Change], previous: Mapping[str, AnyRecord]) -> list[ChangeView]:
    """Views of `changes`; `previous` holds the records as the release before held them
    (needed for MOD, to show each changed field before and after, and for DEL, to name it)."""
    views: list[ChangeView] = []
    for change in changes:
        before = previous.get(change.id)
        after = change.record
        name = (after or before).name if (after or before) is not None else change.id  # type: ignore[union-attr]
        fields: list[FieldChange] = []
        if change.op == "MOD":
            for field_name in change.fields:
                if field_name in LIFECYCLE_FIELDS:
                    continue
                fields.append(
                    FieldChange(
                        field_name,
                        yaml_text(_value(before, field_name)),
                        yaml_text(_value(after, field_name)),
                    )
                )
        views.append(ChangeView(change.op, change.id, name, change.revision, fields))
    order = {"ADD": 0, "MOD": 1, "DEL": 2}
    return sorted(views, key=lambda v: (order[v.op], v.id))


def previous_records(session: Session, version: str | None, ids: set[str]) -> dict[str, AnyRecord]:
    """Records `ids` as release `version` held them (an empty mapping for no release)."""
    if version is None or not ids:
        return {}
    members = memberships(session, version)[1]
    keys = [(rid, members[rid].revision) for rid in sorted(ids) if rid in members]
    return {r.id: r for r in record_loader(session, version)(keys)}
