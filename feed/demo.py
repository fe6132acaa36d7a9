"""The demo workspace: a store, keys, two published releases, demo accounts with their tokens
and an open feedback cycle, built from nothing.

Scripted so the second release shows every kind of change with true data: release 2022.1 holds
the sample without one record (held back) and with one record missing its last alias (or
source); release 2022.2 adds the held-back record, restores the alias (a MOD) and retires a
third record (a DEL, for the demonstration only, as the release notes say). The accounts and
the cycle are in `feed.demo_accounts`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from feed.config import Settings
from feed.demo_accounts import (
    TOKENS_FILE,
    DemoToken,
    ensure_accounts,
    ensure_open_cycle,
    read_tokens,
    write_tokens,
)
from feed.errors import ConfigError
from feed.model import AnyRecord, PackageManifest
from feed.publish import current_generation
from feed.releasing import (
    PublishOptions,
    approve_release,
    create_release,
    publish_release,
    published_release,
)
from feed.sign.keys import init_keys
from feed.sign.minisign import public_key_text
from feed.store import (
    EditorialState,
    approve_record,
    import_records,
    latest_release,
    list_releases,
    make_engine,
    migrate,
    retire_record,
    save_revision,
    set_manifest,
    transaction,
)
from feed.store.tables import ReleaseState
from feed.synthetic import synthetic_records
from feed.validate import load_and_validate

__all__ = [
    "DEMO_RELEASES",
    "DemoWorkspace",
    "build_demo",
    "find_sample",
    "scripted_changes",
    "shorter_version",
]

DEMO_RELEASES = ("2022.1", "2022.2")
#: The scripted editorial work is done in the names of the demo's two editors (see
#: feed.demo_accounts), so the history shows the same people the tokens belong to.
EDITOR = "editor-alice"
REVIEWER = "editor-bob"
_MARKER = "demo.json"


@dataclass(frozen=True)
class DemoWorkspace:
    """Where everything of a demo workspace is."""

    root: Path
    database_url: str
    key_dir: Path
    public_dir: Path
    releases: tuple[str, ...]
    source: str
    minisign_key: str
    reused: bool
    base_url: str
    api_base_url: str
    tokens: tuple[DemoToken, ...] = ()
    cycle: str = ""

    @property
    def tokens_file(self) -> Path:
        """Where the demo tokens are kept (a demo only: see feed.demo_accounts)."""
        return self.root / TOKENS_FILE

    @property
    def root_metadata(self) -> Path:
        """The TUF root a consumer pins (version 1; later roots are followed)."""
        return self.public_dir / "tuf" / "metadata" / "1.root.json"

    @property
    def minisign_pub(self) -> Path:
        return self.public_dir / "minisign.pub"

    def environment(self) -> dict[str, str]:
        """The settings under which every other kpfeed command works on this workspace."""
        return {
            "KPFEED_DATABASE_URL": self.database_url,
            "KPFEED_DATA_DIR": str(self.root),
            "KPFEED_KEY_DIR": str(self.key_dir),
            "KPFEED_PUBLIC_DIR": str(self.public_dir),
            "KPFEED_BASE_URL": self.base_url,
            "KPFEED_API_BASE_URL": self.api_base_url,
        }


def find_sample() -> Path | None:
    """`packages/sample` of this checkout (or the current folder), if it is there."""
    here = Path(__file__).resolve().parents[1] / "packages" / "sample"
    for candidate in (here, Path.cwd() / "packages" / "sample"):
        if (candidate / "package.yaml").is_file():
            return candidate
    return None


def _load(sample: Path | None) -> tuple[PackageManifest, list[AnyRecord], str]:
    if sample is None:
        manifest = PackageManifest(
            name="synthetic",
            catalogue="kpfeed-synthetic-demo",
            title="kpfeed synthetic demo catalogue",
            publisher="kpfeed demo (synthetic records, not a real catalogue)",
        )
        records = list(synthetic_records(30))
        return manifest, records, "30 synthetic records (packages/sample is not in this checkout)"
    loaded = load_and_validate([sample])
    if loaded.manifest is None:
        raise ConfigError(f"{sample} has no package.yaml")
    return loaded.manifest, list(loaded.records), f"{sample} ({len(loaded.records)} records)"


def shorter_version(record: AnyRecord) -> tuple[AnyRecord, str]:
    """The record with its last alias (or last source, or description) left out, and which."""
    if record.aliases:
        return record.model_copy(update={"aliases": record.aliases[:-1]}), "aliases"
    if len(record.sources) > 1:
        return record.model_copy(update={"sources": record.sources[:-1]}), "sources"
    return record.model_copy(update={"description": None}), "description"


def scripted_changes(records: Iterable[AnyRecord]) -> tuple[AnyRecord, AnyRecord, AnyRecord]:
    """The records the demo adds, changes and retires between its two releases.

    Nothing may point at the added or the retired one, so neither release holds a relation
    to a record it lacks; the changed one is the first (by id) with an alias to leave out.
    """
    ordered = sorted(records, key=lambda r: r.id)
    referenced = {rel.target for r in ordered for rel in r.relations}
    referenced |= {a for r in ordered for a in getattr(r, "affiliates", [])}
    free = [r for r in ordered if r.id not in referenced]
    if len(free) < 2:
        raise ConfigError("the demo needs two records that no other record relates to")
    added, retired = free[-1], free[0]
    rest = [r for r in ordered if r.id not in (added.id, retired.id)]
    changed = next((r for r in rest if r.aliases), rest[0])
    return added, changed, retired


def _workspace(root: Path, saved: dict[str, Any], reused: bool) -> DemoWorkspace:
    return DemoWorkspace(
        root=root,
        database_url=f"sqlite:///{root / 'kpfeed.db'}",
        key_dir=root / "keys",
        public_dir=root / "public",
        releases=DEMO_RELEASES,
        source=saved["source"],
        minisign_key=saved.get("minisign_key", ""),
        reused=reused,
        base_url=saved["base_url"],
        api_base_url=saved["api_base_url"],
    )


def _people(workspace: DemoWorkspace, engine: Engine, now: datetime) -> DemoWorkspace:
    """The workspace with working demo tokens (kept in its tokens file) and a cycle open now;
    and its published releases as the store lists them."""
    with transaction(engine) as session:
        tokens, changed = ensure_accounts(session, read_tokens(workspace.tokens_file), actor=EDITOR)
        cycle = ensure_open_cycle(session, now=now, actor=EDITOR)
        published = tuple(
            r.version for r in list_releases(session) if r.state == ReleaseState.PUBLISHED
        )
    if changed:
        write_tokens(workspace.tokens_file, tokens, api_url=workspace.api_base_url)
    return replace(workspace, tokens=tuple(tokens), cycle=cycle, releases=published)


def _reuse(root: Path, settings: Settings, now: datetime) -> DemoWorkspace:
    marker = root / _MARKER
    try:
        saved: dict[str, Any] = json.loads(marker.read_text())
        saved.setdefault("base_url", settings.base_url)
        saved.setdefault("api_base_url", settings.api_base_url)
        workspace = _workspace(root, saved, True)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"{marker} is unreadable ({error}); delete {root} and run again"
        ) from None
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            latest = latest_release(session, published_only=True)
        shown = published_release(workspace.public_dir)
        if latest is None or shown is None or shown.version != latest.version:
            store = latest.version if latest else "no release"
            disk = shown.version if shown else "no release"
            raise ConfigError(
                f"{root} is a demo workspace whose store has published {store} but whose "
                f"published directory shows {disk} (an interrupted publication?): finish it with "
                f"`kpfeed publish {store}` under the settings below, or delete {root} and run "
                "`kpfeed demo` again"
            )
        return _people(workspace, engine, now)
    finally:
        engine.dispose()


def build_demo(
    root: Path,
    *,
    settings: Settings,
    now: datetime,
    sample: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> DemoWorkspace:
    """Build the demo workspace in `root`, or reuse the complete one already there.

    Reusing keeps whatever was done in it since (releases published through the API, feedback),
    and makes sure the demo accounts have working tokens and a feedback cycle is open today.
    A folder that exists with anything else in it is refused, so nothing is overwritten.
    Feed links point at `settings.base_url` and `settings.api_base_url`, kept for later runs.
    """
    root = root.absolute()
    if (root / _MARKER).is_file():
        return _reuse(root, settings, now)
    if root.exists() and any(root.iterdir()):
        raise ConfigError(
            f"{root} is not empty and holds no complete demo workspace ({_MARKER} missing, "
            "perhaps an interrupted run): choose a new folder or delete this one"
        )
    root.mkdir(parents=True, exist_ok=True)
    manifest, records, source = _load(sample if sample is not None else find_sample())
    if len(records) < 4:
        raise ConfigError(f"the demo needs at least 4 records, {source} has {len(records)}")
    saved: dict[str, Any] = {
        "source": source,
        "base_url": settings.base_url,
        "api_base_url": settings.api_base_url,
    }
    workspace = _workspace(root, saved, False)
    ordered = sorted(records, key=lambda r: r.id)
    added, changed, retired = scripted_changes(ordered)
    shorter, field = shorter_version(changed)

    progress(f"store: {workspace.database_url}")
    engine = make_engine(workspace.database_url)
    migrate(engine)
    progress(f"keys: {workspace.key_dir} (demo keys, not encrypted)")
    keyring = init_keys(
        workspace.key_dir,
        passphrase=None,
        now=now,
        root_days=settings.tuf_root_days,
        scrypt_log_n=settings.key_scrypt_log_n,
    )
    options = PublishOptions.from_settings(settings)
    first = [shorter if r.id == changed.id else r for r in ordered if r.id != added.id]
    with transaction(engine) as session:
        set_manifest(session, manifest, actor=EDITOR, at=now)
        import_records(session, first, author=EDITOR, comment="demo: initial import", approve=True)
    progress(f"imported and approved {len(first)} records from {source}")

    _release(engine, DEMO_RELEASES[0], "First demo release of the catalogue.", now)
    publish_release(
        engine, DEMO_RELEASES[0], workspace.public_dir, keyring=keyring, options=options, now=now
    )
    progress(f"published {DEMO_RELEASES[0]} into {workspace.public_dir}")

    with transaction(engine) as session:
        for record, comment in ((added, "demo: add a record"), (changed, f"demo: restore {field}")):
            save_revision(
                session, record, author=EDITOR, comment=comment, state=EditorialState.IN_REVIEW
            )
            approve_record(session, record.id, approver=REVIEWER)
        retire_record(session, retired.id, actor=EDITOR, comment="demo: retire a record")
    notes = (
        f"Second demo release. Adds {added.id}; completes {changed.id} ({field}); retires "
        f"{retired.id} for the demonstration only (the retirement is scripted, not an "
        "editorial judgement)."
    )
    _release(engine, DEMO_RELEASES[1], notes, now)
    publish_release(
        engine, DEMO_RELEASES[1], workspace.public_dir, keyring=keyring, options=options, now=now
    )
    progress(f"published {DEMO_RELEASES[1]} into {workspace.public_dir}")
    try:
        workspace = _people(workspace, engine, now)
    finally:
        engine.dispose()
    progress(f"demo accounts and their tokens in {workspace.tokens_file}; cycle {workspace.cycle}")

    saved["minisign_key"] = public_key_text(keyring.minisign).strip().splitlines()[-1]
    saved["releases"] = list(DEMO_RELEASES)
    # Written last: a workspace with this file is complete.
    (root / _MARKER).write_text(json.dumps(saved, indent=2) + "\n")
    assert current_generation(workspace.public_dir) is not None
    return replace(workspace, minisign_key=saved["minisign_key"])


def _release(engine: Engine, version: str, notes: str, now: datetime) -> None:
    with transaction(engine) as session:
        create_release(session, version, notes=notes, created_by=EDITOR, now=now)
    with transaction(engine) as session:
        approve_release(session, version, approver=REVIEWER, now=now)
