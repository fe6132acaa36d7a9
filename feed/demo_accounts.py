"""The demo workspace's people and feedback window: demo organisations and users with working
tokens (kept in `tokens.json`, because this is a throwaway demo), and a feedback cycle open today.

Both are *ensured*, not just created: running the demo again on its workspace keeps accounts and
tokens that still work, creates what is missing, issues a new token where the saved one was
revoked or lost, and opens a new cycle when the last one's window has ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from feed.accounts import OrganisationKind, Role, UserRole
from feed.atomic import write_atomic
from feed.errors import ConfigError, NotFoundError, UnauthenticatedError
from feed.feedback import close_cycle, create_cycle, open_cycle
from feed.store.accounts import (
    IssuedToken,
    OrganisationRow,
    UserRow,
    add_organisation,
    add_user,
    authenticate,
    issue_token,
)
from feed.store.feedback import CycleState, cycle_open_at, get_cycle, list_cycles

__all__ = [
    "DEMO_ACCOUNTS",
    "TOKENS_FILE",
    "TOKENS_WARNING",
    "DemoAccount",
    "DemoToken",
    "ensure_accounts",
    "ensure_open_cycle",
    "read_tokens",
    "write_tokens",
]

#: Where the demo keeps its tokens, inside the workspace (mode 0600).
TOKENS_FILE = "tokens.json"
TOKENS_WARNING = (
    "Demo tokens of a throwaway kpfeed demo workspace, kept in a file so scripts can read them. "
    "Anyone who can read this file can act as these accounts: never do this with real tokens."
)
#: How long the window of a cycle the demo opens stays open.
CYCLE_DAYS = 365


@dataclass(frozen=True)
class DemoAccount:
    """One demo organisation or user: `handle` is the key in tokens.json."""

    handle: str
    name: str
    role: Role

    @property
    def is_organisation(self) -> bool:
        return self.role in (Role.COMPANY, Role.CONTRIBUTOR)


DEMO_ACCOUNTS = (
    DemoAccount("company", "Demo Platform Ltd", Role.COMPANY),
    DemoAccount("contributor", "Demo Contributor Network", Role.CONTRIBUTOR),
    DemoAccount("editor", "editor-alice", Role.EDITOR),
    DemoAccount("editor2", "editor-bob", Role.EDITOR),
    DemoAccount("publisher", "publisher-carol", Role.PUBLISHER),
    DemoAccount("admin", "admin-dave", Role.ADMIN),
)


@dataclass(frozen=True)
class DemoToken:
    """A working token of a demo account."""

    account: DemoAccount
    token_id: str
    token: str


def read_tokens(path: Path) -> dict[str, str]:
    """Tokens by handle from a tokens file; empty when there is none."""
    try:
        data: Any = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path} is unreadable ({error}); delete it to get new tokens") from None
    tokens = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(tokens, dict):
        return {}
    return {
        handle: entry["token"]
        for handle, entry in tokens.items()
        if isinstance(entry, dict) and isinstance(entry.get("token"), str)
    }


def write_tokens(path: Path, tokens: list[DemoToken], *, api_url: str) -> None:
    """Write the tokens file (readable by its owner only)."""
    document = {
        "warning": TOKENS_WARNING,
        "api": api_url,
        "tokens": {
            t.account.handle: {
                "name": t.account.name,
                "role": t.account.role.value,
                "token_id": t.token_id,
                "token": t.token,
            }
            for t in tokens
        },
    }
    write_atomic(path, (json.dumps(document, indent=2) + "\n").encode(), mode=0o600)


def _works(session: Session, token: str, account: DemoAccount) -> str | None:
    """The token id if `token` authenticates as `account`, else None."""
    try:
        principal = authenticate(session, token)
    except UnauthenticatedError:
        return None
    if principal.name != account.name or principal.role is not account.role:
        return None
    return principal.token_id


def _owner(session: Session, account: DemoAccount) -> str | None:
    """`organisation:ID` or `user:ID` of an existing demo account, None when it is missing."""
    if account.is_organisation:
        org = session.exec(select(OrganisationRow).where(OrganisationRow.name == account.name))
        row_id = next((row.id for row in org), None)
        return None if row_id is None else f"organisation:{row_id}"
    users = session.exec(select(UserRow).where(UserRow.name == account.name))
    row_id = next((row.id for row in users), None)
    return None if row_id is None else f"user:{row_id}"


def _new_token(session: Session, account: DemoAccount, actor: str) -> IssuedToken:
    owner = _owner(session, account)
    if owner is not None:
        return issue_token(session, owner, actor=actor)
    if account.is_organisation:
        kind = OrganisationKind(account.role.value)
        return add_organisation(session, account.name, kind, actor=actor)[1]
    return add_user(session, account.name, UserRole(account.role.value), actor=actor)[1]


def ensure_accounts(
    session: Session, saved: dict[str, str], *, actor: str
) -> tuple[list[DemoToken], bool]:
    """A working token for every demo account (`saved` by handle, from the tokens file), and
    whether any was created or issued now (then the tokens file needs writing)."""
    out: list[DemoToken] = []
    changed = False
    for account in DEMO_ACCOUNTS:
        token = saved.get(account.handle)
        token_id = _works(session, token, account) if token else None
        if token is None or token_id is None:
            issued = _new_token(session, account, actor)
            token, token_id = issued.token, issued.token_id
            changed = True
        out.append(DemoToken(account, token_id, token))
    return out, changed


def ensure_open_cycle(session: Session, *, now: datetime, actor: str) -> str:
    """The name of a feedback cycle open now: the one that is, or a new one from today on."""
    current = cycle_open_at(session, now)
    if current is not None:
        return current.name
    for cycle in list_cycles(session):
        if cycle.state == CycleState.OPEN:  # open, but its window has ended
            close_cycle(session, cycle.name, actor=actor, now=now)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    name = f"demo-{start:%Y-%m-%d}"
    try:
        existing = get_cycle(session, name)
    except NotFoundError:
        existing = None
    if existing is None or existing.window_end <= now:
        if existing is not None:
            name = f"demo-{now:%Y-%m-%dT%H%M%S}"
        create_cycle(
            session,
            name,
            window_start=start,
            window_end=start + timedelta(days=CYCLE_DAYS),
            release_target="the next demo release",
            actor=actor,
            now=now,
        )
    open_cycle(session, name, actor=actor, now=now)
    return name
