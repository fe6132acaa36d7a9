"""Publishing a release: store, render, check, sign and write, atomically.

Order of a publication (see docs/adr/0010-atomic-publication.md):
read the release and its predecessor from the store, render every file once, validate, sign,
stage the complete new generation of the directory, mark the release published and commit the
store, then switch the directory. A failure before the store commit leaves both unchanged; a
crash between the store commit and the switch leaves the store saying "published" and the
directory on the previous release, and publishing again finishes the job.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import Engine
from sqlmodel import Session

from feed.errors import (
    ImmutableReleaseError,
    KpfeedError,
    PublishError,
    StateError,
)
from feed.gcpause import gc_paused
from feed.model import ReleaseInfo, parse_record, records_digest_of
from feed.publish import (
    read_published,
    stage_publication,
)
from feed.release import (
    Member,
    build_changeset,
    changed_fields,
    check_can_publish,
    counts_of_ops,
    member_changes,
    modified_before,
)
from feed.releasing.artifacts import (
    SigningContext,
    release_content,
    sign_release_files,
    split_published,
    tuf_files,
)
from feed.releasing.checks import EmbeddedRecords, check_json_artifacts
from feed.releasing.history import (
    chain_until,
    memberships,
    published_records,
    record_loader,
    release_info,
)
from feed.releasing.published import (
    PublicationReport,
    PublishOptions,
    published_package_head,
    published_release,
)
from feed.render.sources import ChangeEntry, ChangesSource, PackageSource, PublishedRecord
from feed.sign import (
    Keyring,
    read_metadata,
)
from feed.store import (
    ReleaseState,
    get_release,
    latest_release,
    record_audit,
    set_release_published,
    transaction,
)

__all__ = ["publish_release"]


def _check_directory(out_dir: Path, expected: str | None, version: str) -> None:
    shown = published_release(out_dir)
    shown_version = shown.version if shown else None
    if shown_version == expected:
        return
    if shown_version == version:
        raise ImmutableReleaseError(
            f"release {version} is published in {out_dir} already; to keep its signatures "
            f"fresh run `kpfeed refresh --out {out_dir}`"
        )
    holds = f"release {shown_version}" if shown_version else "no release"
    wants = f"release {expected}" if expected else "no release (a first publication)"
    raise PublishError(
        f"{out_dir} holds {holds}, but release {version} follows {wants}: publish into the "
        "directory that holds the previous release (older releases stay there byte-identical)"
    )


def _render(
    release: ReleaseInfo,
    records: list[PublishedRecord],
    changes: list[ChangeEntry],
    published: list[tuple[ReleaseInfo, str]],
    previous_sequence: int | None,
    options: PublishOptions,
) -> dict[str, bytes]:
    """Every content file of the publication, from the records' canonical bytes."""
    digest = records_digest_of(record.json for record in records)
    package = PackageSource.build(release, digest, records)
    changeset = build_changeset(
        release,
        [],
        records_digest=digest,
        base_digest=published[-1][1] if published else None,
        previous_sequence=previous_sequence,
    )
    history = [info for info, _ in published] + [release]
    return release_content(
        package,
        ChangesSource(changeset, changes),
        history,
        options.links,
        page_size=options.page_size,
    )


def _change_entries(
    session: Session,
    previous_version: str | None,
    previous: dict[str, Member],
    records: list[PublishedRecord],
    members: dict[str, Member],
) -> list[ChangeEntry]:
    """The changes file's entries, as `diff_members` decides them; only the records a MOD
    names are built as models, to name the fields that changed."""
    skeleton = member_changes(previous, {rid: m.revision for rid, m in members.items()})
    before = modified_before(previous, skeleton, record_loader(session, previous_version))
    encoded = {record.id: record.json for record in records}
    entries: list[ChangeEntry] = []
    for op, rid, revision in skeleton:
        if op == "DEL":
            entries.append(ChangeEntry(op, rid, revision))
        elif op == "ADD":
            entries.append(ChangeEntry(op, rid, revision, (), encoded[rid]))
        else:
            after = parse_record(orjson.loads(encoded[rid]))
            fields = changed_fields(before[rid], after)
            entries.append(ChangeEntry(op, rid, revision, fields, encoded[rid]))
    return entries


def _sign(
    out_dir: Path,
    release: ReleaseInfo,
    content: dict[str, bytes],
    keyring: Keyring,
    options: PublishOptions,
    now: datetime,
) -> tuple[dict[str, bytes], dict[str, int]]:
    """Content plus minisign signatures and TUF metadata: every file to write."""
    context = SigningContext.for_release(release, now=now, days=options.signature_days)
    files = {**content, **sign_release_files(content, keyring, context)}
    repository_files, versions = tuf_files(
        files,
        keyring,
        read_metadata(out_dir),
        version=release.version,
        sequence=release.sequence,
        now=now,
        expiry=options.tuf_expiry,
    )
    files.update(repository_files)
    return files, versions


@gc_paused()
def publish_release(
    engine: Engine,
    version: str,
    out_dir: Path,
    *,
    keyring: Keyring,
    options: PublishOptions,
    now: datetime,
    actor: str = "kpfeed",
    token_id: str | None = None,
) -> PublicationReport:
    """Render, validate, sign and atomically publish approved release `version` into `out_dir`.

    `actor` (and `token_id`, when the API publishes) name who published in the audit log.
    """
    out_dir = Path(out_dir).absolute()
    with transaction(engine) as session:
        stored = get_release(session, version)
        latest = latest_release(session, published_only=True)
        interrupted = stored.state == ReleaseState.PUBLISHED
        if interrupted:
            # Published in the store but maybe not on disk: finish an interrupted publication.
            if latest is None or latest.version != version:
                raise ImmutableReleaseError(
                    f"release {version} was published and a newer release followed; "
                    "it can never be published again"
                )
            published_at = stored.published_at
            assert published_at is not None
        else:
            check_can_publish(version, approved_by=stored.approved_by, published=None)
            expected = latest.version if latest else None
            if stored.previous_version != expected:
                raise StateError(
                    f"release {version} follows {stored.previous_version}, but the latest "
                    f"published release is {expected}"
                )
            published_at = now
        _check_directory(out_dir, stored.previous_version, version)
        previous, members = memberships(session, version)
        # The stored bytes are the publication's source: no record is built as a model.
        records, tlp = published_records(session, version, members)
        changes = _change_entries(session, stored.previous_version, previous, records, members)
        prior = chain_until(session, stored.previous_version) if stored.previous_version else []
        release = release_info(session, stored, [], tlp=tlp).model_copy(
            update={"published": published_at}
        )
    counts = counts_of_ops([c.op for c in changes], len(records))
    if counts != stored.counts:
        raise StateError(
            f"release {version} was created with {stored.counts.model_dump()} but its members "
            f"now give {counts.model_dump()}: the store changed underneath it"
        )
    published = [published_package_head(out_dir, old.version) for old in prior]
    content = _render(
        release, records, changes, published, prior[-1].sequence if prior else None, options
    )
    embedded = EmbeddedRecords(
        json={r.id: r.json for r in records},
        package=[r.id for r in records],
        changes=[c.id for c in changes if c.record is not None],
    )
    records.clear()
    changes.clear()
    check_json_artifacts(content, embedded)
    del embedded
    content = split_published(
        content, {p: read_published(out_dir, p) for p in content if p.startswith("releases/")}
    )
    files, tuf_versions = _sign(out_dir, release, content, keyring, options, now)
    with stage_publication(out_dir, files, keep=("tuf/",)) as staged:
        if not interrupted:
            with transaction(engine) as session:
                set_release_published(session, version, at=published_at)
                record_audit(
                    session,
                    actor=actor,
                    action="release.publish",
                    target=version,
                    detail={"out_dir": str(out_dir)},
                    token_id=token_id,
                    at=now,
                )
        try:
            result = staged.commit()
        except KpfeedError as error:
            raise PublishError(
                f"{error} -- the store marks release {version} published; run "
                f"`kpfeed publish {version} --out {out_dir}` again to finish"
            ) from error
    return PublicationReport(
        version=version,
        sequence=release.sequence,
        out_dir=out_dir,
        generation=result.generation,
        files=sorted(files),
        written=result.written,
        linked=result.linked,
        finished_interrupted=interrupted,
        tuf_versions=tuf_versions,
    )
