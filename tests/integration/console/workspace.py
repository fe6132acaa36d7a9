"""A console test workspace: synthetic records, two published releases, accounts, an open cycle.

Everything is synthetic (`feed.synthetic`), plus one record whose name, alias and texts are
script and markup, to prove every page shows them as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from feed.accounts import OrganisationKind, UserRole
from feed.config import Settings
from feed.feedback import Submitter, create_cycle, open_cycle, submit_feedback
from feed.model import PackageManifest, parse_record
from feed.releasing import PublishOptions, approve_release, create_release, publish_release
from feed.sign.keys import init_keys
from feed.store import (
    approve_record,
    import_records,
    make_engine,
    migrate,
    retire_record,
    save_revision,
    set_manifest,
    submit_for_review,
    transaction,
)
from feed.store.accounts import add_organisation, add_user
from feed.store.console import set_password
from feed.synthetic import synthetic_record, synthetic_record_data, synthetic_records

#: Markup in a record's name: it must show as these characters on every page.
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_ALIAS = "<script>alert(2)</script>"
XSS_ID = "symbol:synthetic-xss"
XSS_ORGANISATION = '<b onmouseover="alert(3)">Synthetic</b> & Co'
#: The numeric code of synthetic record 7 (see feed.synthetic): `9`, `007`, `7`.
CODE_RECORD = "symbol:synthetic-0000007"
CODE = "90077"
PASSWORD = "synthetic password for tests"
IMPORTER = "synthetic-importer"
REVIEWER = "synthetic-reviewer"
RECORDS = 12


def xss_record_data() -> dict[str, Any]:
    data = synthetic_record_data(4)  # a symbol
    data["id"] = XSS_ID
    data["name"] = XSS_NAME
    data["aliases"] = [{"value": XSS_ALIAS, "language": "en", "kind": "coded-form"}]
    data["summary"] = {"en": 'Synthetic "><svg onload=alert(4)> summary.'}
    data["guidance"]["signals"] = "<iframe src=javascript:alert(5)></iframe>"
    data.pop("relations", None)
    return data


@dataclass
class Workspace:
    """Where everything is, and the tokens of its accounts by name."""

    root: Path
    database_url: str
    public_dir: Path
    key_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> Settings:
        return Settings(
            database_url=self.database_url,
            public_dir=self.public_dir,
            data_dir=self.root / "var",
            key_dir=self.key_dir,
            **overrides,
        )

    def environment(self) -> dict[str, str]:
        return {
            "KPFEED_DATABASE_URL": self.database_url,
            "KPFEED_PUBLIC_DIR": str(self.public_dir),
            "KPFEED_DATA_DIR": str(self.root / "var"),
            "KPFEED_KEY_DIR": str(self.key_dir),
        }


ACCOUNTS: dict[str, tuple[str, str]] = {
    # name: (organisation kind or user role, "org" or "user")
    "Synthetic Platform Ltd": (OrganisationKind.COMPANY, "org"),
    XSS_ORGANISATION: (OrganisationKind.COMPANY, "org"),
    "Synthetic Research Institute": (OrganisationKind.CONTRIBUTOR, "org"),
    "synthetic-editor-a": (UserRole.EDITOR, "user"),
    "synthetic-editor-b": (UserRole.EDITOR, "user"),
    "synthetic-publisher-a": (UserRole.PUBLISHER, "user"),
    "synthetic-publisher-b": (UserRole.PUBLISHER, "user"),
    "synthetic-admin": (UserRole.ADMIN, "user"),
}
COMPANY = "Synthetic Platform Ltd"
CONTRIBUTOR = "Synthetic Research Institute"


def _publish(engine: Any, workspace: Workspace, version: str, notes: str, now: datetime) -> None:
    with transaction(engine) as session:
        create_release(session, version, notes=notes, created_by=IMPORTER, now=now)
    with transaction(engine) as session:
        approve_release(session, version, approver=REVIEWER, now=now)


def build_workspace(root: Path, database_url: str | None = None) -> Workspace:
    """Build the workspace in `root` (SQLite there unless `database_url` is given)."""
    root.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(
        root=root,
        database_url=database_url or f"sqlite:///{root / 'kpfeed.db'}",
        public_dir=root / "public",
        key_dir=root / "keys",
    )
    now = datetime.now(UTC)
    settings = workspace.settings()
    engine = make_engine(workspace.database_url)
    try:
        migrate(engine)
        keyring = init_keys(workspace.key_dir, passphrase=None, now=now, scrypt_log_n=10)
        options = PublishOptions.from_settings(settings)
        manifest = PackageManifest(
            name="synthetic",
            catalogue="kpfeed-synthetic-console",
            title="kpfeed synthetic console catalogue",
            publisher="kpfeed tests (synthetic records, not a real catalogue)",
        )
        records = [*synthetic_records(RECORDS), parse_record(xss_record_data())]
        with transaction(engine) as session:
            set_manifest(session, manifest, actor=IMPORTER, at=now)
            import_records(session, records, author=IMPORTER, comment="synthetic", approve=True)
        _publish(engine, workspace, "2024.1", "First synthetic release.", now)
        publish_release(
            engine, "2024.1", workspace.public_dir, keyring=keyring, options=options, now=now
        )
        with transaction(engine) as session:
            save_revision(session, synthetic_record(1, variant=1), author=IMPORTER, comment="v1")
            submit_for_review(session, "symbol:synthetic-0000001", actor=IMPORTER)
            approve_record(session, "symbol:synthetic-0000001", approver=REVIEWER)
            retire_record(session, "symbol:synthetic-0000010", actor=IMPORTER, comment="synthetic")
        _publish(engine, workspace, "2024.2", "Second synthetic release: <b>not bold</b>.", now)
        publish_release(
            engine, "2024.2", workspace.public_dir, keyring=keyring, options=options, now=now
        )
        with transaction(engine) as session:
            orgs: dict[str, int] = {}
            for name, (role, kind) in ACCOUNTS.items():
                if kind == "org":
                    org, issued = add_organisation(
                        session, name, OrganisationKind(role), actor="test-operator"
                    )
                    assert org.id is not None
                    orgs[name] = org.id
                else:
                    _, issued = add_user(session, name, UserRole(role), actor="test-operator")
                workspace.tokens[name] = issued.token
            set_password(session, "synthetic-editor-a", PASSWORD, actor="test-operator")
            create_cycle(
                session,
                "2024",
                window_start=now - timedelta(days=20),
                window_end=now + timedelta(days=60),
                release_target="synthetic autumn release",
                actor="test-operator",
            )
            open_cycle(session, "2024", actor="test-operator")
        _feedback(engine, workspace, orgs)
    finally:
        engine.dispose()
    return workspace


def _feedback(engine: Any, workspace: Workspace, orgs: dict[str, int]) -> None:
    """A little feedback for the dashboard and the triage board, one from the XSS company."""
    bodies = [
        (COMPANY, {"kind": "true-positive", "release": "2024.2", "record": CODE_RECORD}),
        (
            XSS_ORGANISATION,
            {
                "kind": "false-positive",
                "release": "2024.2",
                "record": XSS_ID,
                "reason": "quotation",
                "comment": "<script>alert(6)</script> quoted in a synthetic post.",
            },
        ),
        (COMPANY, {"kind": "true-positive", "release": "2024.2", "record": XSS_ID}),
    ]
    from feed.store.accounts import authenticate

    for name, body in bodies:
        with transaction(engine) as session:
            principal = authenticate(session, workspace.tokens[name])
            submit_feedback(
                session,
                Submitter(orgs[name], principal.token_id, principal.actor),
                orjson.dumps(body),
                idempotency_key=None,
                rate_per_minute=1000,
            )
