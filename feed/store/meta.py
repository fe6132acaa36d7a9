"""Catalogue-wide values kept in the store, such as the package manifest last imported."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from feed.model import PackageManifest
from feed.store.audit import record_audit
from feed.store.common import flush, utcnow
from feed.store.tables import CatalogueMetaRow

__all__ = ["get_manifest", "set_manifest"]

_MANIFEST = "manifest"


def get_manifest(session: Session) -> PackageManifest | None:
    """The catalogue's package manifest (name, title, publisher), or None before any import."""
    row = session.get(CatalogueMetaRow, _MANIFEST)
    return None if row is None else PackageManifest.model_validate(row.value)


def set_manifest(
    session: Session, manifest: PackageManifest, *, actor: str, at: datetime | None = None
) -> bool:
    """Keep `manifest` as the catalogue's manifest; returns whether it changed (and audits it)."""
    value = manifest.model_dump(mode="json", exclude_none=True)
    row = session.get(CatalogueMetaRow, _MANIFEST)
    if row is not None and row.value == value:
        return False
    at = at or utcnow()
    if row is None:
        row = CatalogueMetaRow(key=_MANIFEST, value=value, updated_by=actor, updated_at=at)
    else:
        row.value, row.updated_by, row.updated_at = value, actor, at
    session.add(row)
    flush(session)
    record_audit(
        session, actor=actor, action="catalogue.manifest", target=manifest.name, detail=value, at=at
    )
    return True
