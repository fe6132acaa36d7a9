"""Console sign-in: users' passwords and the console's server-side sessions.

A session cookie holds `<id>.<secret>`; the store keeps the id, the SHA-256 of the secret, who
signed in (and with which token, if one), the session's CSRF token and its expiry. Every
request looks the session up again, so signing out, an expiry, a revoked token or a changed
password end it at once, in every worker. Functions take the caller's session and never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, delete, select

from feed.accounts import Principal, Role, is_usable, secret_digest, secret_matches
from feed.errors import NotFoundError, UnauthenticatedError
from feed.passwords import hash_password, needs_rehash, verify_password
from feed.store.accounts import OrganisationRow, TokenRow, UserRow, authenticate
from feed.store.audit import record_audit
from feed.store.common import flush, utcnow
from feed.store.tables import UTCDateTime

__all__ = [
    "ConsoleSession",
    "ConsoleSessionRow",
    "end_session",
    "open_session",
    "password_principal",
    "resolve_session",
    "session_label",
    "set_password",
    "token_principal",
]

_REFUSED = "the name or password is wrong"
_SESSION_ENDED = "the console session has ended; sign in again"


class ConsoleSessionRow(SQLModel, table=True):
    """A signed-in console session; the cookie's secret is kept only as SHA-256."""

    __tablename__ = "console_sessions"
    __table_args__ = (
        sa.CheckConstraint("(organisation_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
    )

    id: str = Field(primary_key=True, max_length=16)
    secret_sha256: str = Field(max_length=64)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id")
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    token_id: str | None = Field(default=None, max_length=16, foreign_key="tokens.id")
    csrf_token: str = Field(max_length=64)
    created: datetime = Field(sa_type=UTCDateTime)
    expires: datetime = Field(sa_type=UTCDateTime)


@dataclass(frozen=True)
class ConsoleSession:
    """Who a session cookie proves the visitor to be, and the CSRF token its forms carry."""

    id: str
    principal: Principal
    csrf_token: str
    expires: datetime
    cookie: str | None = None  # only when just opened: the value to set, shown once


def session_label(session_id: str) -> str:
    """How audit entries and submissions name a password session where a token id would stand.

    Token ids are 16 hex digits; this is `s:` and 14 of them, so the two never collide and the
    label fits every `token_id` column.
    """
    return f"s:{session_id[:14]}"


def set_password(
    session: Session, name: str, password: str, *, actor: str, actor_token: str | None = None
) -> UserRow:
    """Give user `name` a new console password (argon2id); their password sessions end."""
    user = session.exec(select(UserRow).where(UserRow.name == name.strip())).first()
    if user is None:
        raise NotFoundError(f"no user {name!r}")
    assert user.id is not None
    user.password_hash = hash_password(password)
    session.add(user)
    session.execute(
        delete(ConsoleSessionRow)
        .where(col(ConsoleSessionRow.user_id) == user.id)
        .where(col(ConsoleSessionRow.token_id).is_(None))
    )
    record_audit(
        session,
        actor=actor,
        action="user.password",
        target=f"user:{user.id}",
        token_id=actor_token,
    )
    flush(session)
    return user


def password_principal(session: Session, name: str, password: str) -> Principal:
    """The user `name` proven by `password`, or UnauthenticatedError (one message for all).

    The check costs the same whether or not the user exists or has a password.
    """
    user = session.exec(select(UserRow).where(UserRow.name == name.strip())).first()
    stored = user.password_hash if user is not None else None
    if not verify_password(stored, password) or user is None or stored is None:
        raise UnauthenticatedError(_REFUSED)
    assert user.id is not None
    if needs_rehash(stored):
        user.password_hash = hash_password(password)
        session.add(user)
    # The session opened next names itself where the token id would stand.
    return Principal("user", user.id, user.name, Role(user.role), token_id="")


def token_principal(session: Session, token: str) -> Principal:
    """The organisation or user a bearer token proves (the API's check, unchanged)."""
    return authenticate(session, token.strip())


def open_session(
    session: Session, principal: Principal, *, lifetime: timedelta, now: datetime | None = None
) -> ConsoleSession:
    """A new session for `principal` (signed in with its token, or with a password when the
    principal carries no token id); expired sessions are cleared on the way."""
    now = now or utcnow()
    session.execute(delete(ConsoleSessionRow).where(col(ConsoleSessionRow.expires) <= now))
    session_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ConsoleSessionRow(
        id=session_id,
        secret_sha256=secret_digest(secret),
        organisation_id=principal.id if principal.kind == "organisation" else None,
        user_id=principal.id if principal.kind == "user" else None,
        token_id=principal.token_id or None,
        csrf_token=secrets.token_urlsafe(32),
        created=now,
        expires=now + lifetime,
    )
    session.add(row)
    flush(session)
    via = "token" if principal.token_id else "password"
    record_audit(
        session,
        actor=principal.actor,
        action="console.sign_in",
        target=principal.ref,
        detail={"session": session_id, "via": via},
        token_id=principal.token_id or session_label(session_id),
        at=now,
    )
    return ConsoleSession(
        id=session_id,
        principal=_as_session(principal, row),
        csrf_token=row.csrf_token,
        expires=row.expires,
        cookie=f"{session_id}.{secret}",
    )


def _as_session(principal: Principal, row: ConsoleSessionRow) -> Principal:
    token_id = row.token_id or session_label(row.id)
    return Principal(principal.kind, principal.id, principal.name, principal.role, token_id)


def _row_for(session: Session, cookie: str) -> ConsoleSessionRow | None:
    session_id, _, secret = cookie.partition(".")
    if len(session_id) != 16 or not secret or len(cookie) > 200:
        return None
    row = session.get(ConsoleSessionRow, session_id)
    if row is None or not secret_matches(secret, row.secret_sha256):
        return None
    return row


def resolve_session(session: Session, cookie: str, now: datetime | None = None) -> ConsoleSession:
    """The live session a cookie names, or UnauthenticatedError (ended, expired, revoked)."""
    now = now or utcnow()
    row = _row_for(session, cookie)
    if row is None or row.expires <= now:
        raise UnauthenticatedError(_SESSION_ENDED)
    if row.token_id is not None:
        token = session.get(TokenRow, row.token_id)
        if token is None or not is_usable(expires=token.expires, revoked=token.revoked, now=now):
            raise UnauthenticatedError(_SESSION_ENDED)
    principal: Principal
    if row.organisation_id is not None:
        org = session.get(OrganisationRow, row.organisation_id)
        if org is None or org.id is None:  # pragma: no cover - the foreign key forbids it
            raise UnauthenticatedError(_SESSION_ENDED)
        principal = Principal("organisation", org.id, org.name, Role(org.kind), "")
    else:
        user = session.get(UserRow, row.user_id)
        if user is None or user.id is None:  # pragma: no cover - the foreign key forbids it
            raise UnauthenticatedError(_SESSION_ENDED)
        principal = Principal("user", user.id, user.name, Role(user.role), "")
    return ConsoleSession(
        id=row.id,
        principal=_as_session(principal, row),
        csrf_token=row.csrf_token,
        expires=row.expires,
    )


def end_session(session: Session, cookie: str, now: datetime | None = None) -> bool:
    """Sign out: the session a cookie names is deleted; False when there was none."""
    row = _row_for(session, cookie)
    if row is None:
        return False
    try:
        resolved: ConsoleSession | None = resolve_session(session, cookie, now)
    except UnauthenticatedError:
        resolved = None  # expired or its token revoked: delete it all the same
    session.delete(row)
    if resolved is not None:
        record_audit(
            session,
            actor=resolved.principal.actor,
            action="console.sign_out",
            target=resolved.principal.ref,
            detail={"session": row.id},
            token_id=resolved.principal.token_id,
            at=now,
        )
    flush(session)
    return True
