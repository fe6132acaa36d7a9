"""A published directory for client tests: synthetic releases, deltas, minisign and TUF, as bytes.

`Site` plays the publisher with the real signing code (`feed.sign`): each `release()` adds
`package.json`, `releases.json`, `releases/<v>/{package,changes}.json`, a `.minisig` beside
each, `minisign.pub`, and new TUF metadata with content-addressed target copies. The JSON is
canonical (ADR 0004): records with sorted keys, head fields before the records array.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from feed.model import AnyRecord, dump_record
from feed.model.release import (
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    records_digest,
)
from feed.sign import TufRepository, public_key_text, sign_files, target_copy_path
from feed.sign.keys import Keyring
from feed.synthetic import synthetic_record

CATALOGUE = "synthetic-test"


def record_json(record: AnyRecord) -> bytes:
    return orjson.dumps(dump_record(record), option=orjson.OPT_SORT_KEYS)


def _with_records(head: dict[str, Any], key: str, elements: Sequence[bytes]) -> bytes:
    return orjson.dumps(head)[:-1] + f',"{key}":['.encode() + b",".join(elements) + b"]}\n"


def package_bytes(package: PublishedPackage) -> bytes:
    head = package.model_dump(mode="json", exclude_none=True, exclude={"records"})
    return _with_records(head, "records", [record_json(r) for r in package.records])


def changes_bytes(changes: ChangeSet) -> bytes:
    head = changes.model_dump(mode="json", exclude_none=True, exclude={"changes"})
    entries = []
    for change in changes.changes:
        entry = change.model_dump(mode="json", exclude_none=True, exclude={"record"})
        if change.record is not None:
            entry["record"] = orjson.Fragment(record_json(change.record))
        entries.append(orjson.dumps(entry))
    return _with_records(head, "changes", entries)


def records(count: int, *, start: int = 0, variant: int = 0) -> list[AnyRecord]:
    """Synthetic records `start..start+count-1` (relations only point inside 0..count-1)."""
    return [synthetic_record(n, variant=variant) for n in range(start, start + count)]


def changed(record: AnyRecord, variant: int) -> AnyRecord:
    """A new revision of `record` (synthetic text changed)."""
    number = int(record.id.rsplit("-", 1)[1])
    new = synthetic_record(number, variant=variant)
    return new.model_copy(update={"revision": record.revision + 1})


def diff(before: Sequence[AnyRecord], after: Sequence[AnyRecord]) -> list[Change]:
    old = {r.id: r for r in before}
    new = {r.id: r for r in after}
    out = []
    for rid in sorted(old.keys() | new.keys()):
        if rid not in old:
            out.append(Change(op="ADD", id=rid, revision=new[rid].revision, record=new[rid]))
        elif rid not in new:
            out.append(Change(op="DEL", id=rid, revision=old[rid].revision))
        elif old[rid] != new[rid]:
            out.append(Change(op="MOD", id=rid, revision=new[rid].revision, record=new[rid]))
    return out


class Site:
    """The publisher's side: releases signed into `files` (path -> bytes)."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.files: dict[str, bytes] = {"minisign.pub": public_key_text(keyring.minisign).encode()}
        self.repository = TufRepository(keyring, {})
        self.packages: list[PublishedPackage] = []

    @property
    def current(self) -> PublishedPackage:
        return self.packages[-1]

    def release(
        self,
        new_records: Sequence[AnyRecord],
        *,
        notes: str = "Synthetic release for tests.",
        now: datetime | None = None,
        signature_days: int = 30,
        extra: Mapping[str, bytes] | None = None,
    ) -> PublishedPackage:
        """Publish the next release holding `new_records` (lifecycle fields filled here)."""
        now = now or datetime.now(UTC)
        sequence = len(self.packages) + 1
        version = f"2026.{sequence}"
        previous = self.packages[-1] if self.packages else None
        before = {r.id: r for r in previous.records} if previous else {}
        stamped = []
        for record in sorted(new_records, key=lambda r: r.id):
            old = before.get(record.id)
            first = old.first_released_in if old else version
            if old is not None and old.model_copy(
                update={"first_released_in": None, "last_changed_in": None}
            ) == record.model_copy(update={"first_released_in": None, "last_changed_in": None}):
                stamped.append(old)
            else:
                stamped.append(
                    record.model_copy(
                        update={"first_released_in": first, "last_changed_in": version}
                    )
                )
        changes = diff(previous.records if previous else [], stamped)
        info = ReleaseInfo(
            catalogue=CATALOGUE,
            title="Synthetic test catalogue",
            publisher="kpfeed tests",
            version=version,
            sequence=sequence,
            created=now.replace(microsecond=0),
            published=now.replace(microsecond=0),
            notes=notes,
            previous_version=previous.release.version if previous else None,
            counts=Counts(
                added=sum(c.op == "ADD" for c in changes),
                changed=sum(c.op == "MOD" for c in changes),
                retired=sum(c.op == "DEL" for c in changes),
                total=len(stamped),
            ),
            tlp="CLEAR",
        )
        digest = records_digest(stamped)
        package = PublishedPackage(
            format="kpfeed/1", release=info, records_digest=digest, records=stamped
        )
        changeset = ChangeSet(
            format="kpfeed/1",
            catalogue=CATALOGUE,
            version=version,
            sequence=sequence,
            previous_version=previous.release.version if previous else None,
            previous_sequence=previous.release.sequence if previous else None,
            base_digest=previous.records_digest if previous else None,
            records_digest=digest,
            changes=changes,
        )
        self.packages.append(package)
        body = package_bytes(package)
        files = {
            "package.json": body,
            f"releases/{version}/package.json": body,
            f"releases/{version}/changes.json": changes_bytes(changeset),
            "releases.json": self._releases_json(),
            **(extra or {}),
        }
        self.publish(files, version, sequence, now=now, signature_days=signature_days)
        return package

    def publish(
        self,
        files: Mapping[str, bytes],
        version: str,
        sequence: int,
        *,
        now: datetime | None = None,
        signature_days: int = 30,
    ) -> None:
        """Sign `files` (minisign and TUF) as belonging to release `version` and publish them."""
        now = now or datetime.now(UTC)
        self.files.update(files)
        self.files.update(
            sign_files(
                files,
                self.keyring.minisign_key,
                catalogue=CATALOGUE,
                version=version,
                sequence=sequence,
                expires=now.replace(microsecond=0) + timedelta(days=signature_days),
            )
        )
        custom = {p: {"kpfeed": {"version": version, "sequence": sequence}} for p in files}
        self.files.update(self.repository.publish(files, custom, now=now))

    def rekey(self, keyring: Keyring) -> None:
        """Carry on with a rotated key ring, from the metadata published so far."""
        self.keyring = keyring
        published = {p: d for p, d in self.files.items() if p.startswith("tuf/metadata/")}
        self.repository = TufRepository(keyring, published)

    def refresh(self, *, now: datetime | None = None) -> None:
        self.files.update(self.repository.refresh(now=now or datetime.now(UTC)))

    def copy_path(self, target: str) -> str:
        """The content-addressed copy of `target` that clients download."""
        return target_copy_path(target, self.repository.targets[target].hashes["sha256"])

    def tamper(self, target: str, data: bytes) -> None:
        """Replace what the server holds for `target` (its copy), leaving the metadata."""
        self.files[self.copy_path(target)] = data

    def write(self, folder: Path) -> None:
        for name, data in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    @property
    def trusted_root(self) -> bytes:
        return self.keyring.roots[0]

    def _releases_json(self) -> bytes:
        items = []
        for package in reversed(self.packages):
            release = package.release
            extension: dict[str, Any] = {"version": release.version, "sequence": release.sequence}
            if release.previous_version:
                extension["previous_version"] = release.previous_version
            items.append(
                {
                    "id": f"urn:test:{release.version}",
                    "title": f"{release.title} {release.version}",
                    "content_text": release.notes,
                    "_kpfeed": extension,
                }
            )
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Synthetic test catalogue: releases",
            "items": items,
        }
        return orjson.dumps(feed) + b"\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
