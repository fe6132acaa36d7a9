"""Organisations, users and their bearer tokens; every change is written to the audit log.

Functions take the caller's session and never commit (the caller owns the transaction). Only
the SHA-256 of a token's secret is stored; the full token exists once, in the return value of
`add_organisation`, `add_user` or `issue_token`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, select

from feed.accounts import (
    OrganisationKind,
    Principal,
    Role,
    UserRole,
    is_usable,
    new_token,
    parse_token,
    secret_matches,
)
from feed.errors import ConflictError, InputError, NotFoundError, UnauthenticatedError
from feed.store.audit import record_audit
from feed.store.common import flush, utcnow
from feed.store.db import translate_errors
from feed.store.tables import UTCDateTime

__all__ = [
    "IssuedToken",
    "OrganisationRow",
    "TokenRow",
    "UserRow",
    "add_organisation",
    "add_user",
    "authenticate",
    "get_token",
    "issue_token",
    "list_organisations",
    "list_tokens",
    "list_users",
    "revoke_token",
]


def _in(column: str, values: type[OrganisationKind] | type[UserRole]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class OrganisationRow(SQLModel, table=True):
    """A company or contributor organisation that reads the feed and gives feedback."""

    __tablename__ = "organisations"
    __table_args__ = (sa.CheckConstraint(_in("kind", OrganisationKind), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)
    created: datetime = Field(sa_type=UTCDateTime)


class UserRow(SQLModel, table=True):
    """A Commission user: editor, publisher or admin."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_in("role", UserRole), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    role: str = Field(max_length=16)
    created: datetime = Field(sa_type=UTCDateTime)
    password_hash: str | None = Field(
        default=None,
        max_length=200,
        description="argon2id hash of the console password (see feed.passwords); none by default.",
    )


class TokenRow(SQLModel, table=True):
    """A bearer token of one organisation or one user; only the secret's digest is kept."""

    __tablename__ = "tokens"
    __table_args__ = (
        sa.CheckConstraint("(organisation_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
    )

    id: str = Field(primary_key=True, max_length=16)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    secret_sha256: str = Field(max_length=64)
    created: datetime = Field(sa_type=UTCDateTime)
    expires: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: the full token is here and nowhere else, ever."""

    token_id: str
    token: str
    owner: str
    expires: datetime | None


def _issue(
    session: Session,
    *,
    owner: str,
    organisation_id: int | None,
    user_id: int | None,
    expires: datetime | None,
) -> tuple[TokenRow, IssuedToken]:
    if expires is not None and expires.tzinfo is None:
        raise InputError("a token expiry must carry a time zone")
    token_id, token, digest = new_token()
    row = TokenRow(
        id=token_id,
        organisation_id=organisation_id,
        user_id=user_id,
        secret_sha256=digest,
        created=utcnow(),
        expires=expires,
    )
    session.add(row)
    return row, IssuedToken(token_id=token_id, token=token, owner=owner, expires=expires)


def _check_name(session: Session, table: type[OrganisationRow] | type[UserRow], name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a name must have 1 to 200 characters")
    if session.exec(select(table).where(table.name == name)).first() is not None:
        raise ConflictError(f"{table.__tablename__[:-1]} {name!r} exists already")
    return name


def add_organisation(
    session: Session,
    name: str,
    kind: OrganisationKind,
    *,
    actor: str,
    actor_token: str | None = None,
    expires: datetime | None = None,
) -> tuple[OrganisationRow, IssuedToken]:
    """Create an organisation with its first token."""
    name = _check_name(session, OrganisationRow, name)
    org = OrganisationRow(name=name, kind=OrganisationKind(kind).value, created=utcnow())
    session.add(org)
    flush(session)
    assert org.id is not None
    _, issued = _issue(
        session,
        owner=f"organisation:{org.id}",
        organisation_id=org.id,
        user_id=None,
        expires=expires,
    )
    record_audit(
        session,
        actor=actor,
        action="organisation.add",
        target=f"organisation:{org.id}",
        detail={"name": name, "kind": org.kind, "token_id": issued.token_id},
        token_id=actor_token,
    )
    return org, issued


def add_user(
    session: Session,
    name: str,
    role: UserRole,
    *,
    actor: str,
    actor_token: str | None = None,
    expires: datetime | None = None,
) -> tuple[UserRow, IssuedToken]:
    """Create a user with its first token."""
    name = _check_name(session, UserRow, name)
    user = UserRow(name=name, role=UserRole(role).value, created=utcnow())
    session.add(user)
    flush(session)
    assert user.id is not None
    _, issued = _issue(
        session, owner=f"user:{user.id}", organisation_id=None, user_id=user.id, expires=expires
    )
    record_audit(
        session,
        actor=actor,
        action="user.add",
        target=f"user:{user.id}",
        detail={"name": name, "role": user.role, "token_id": issued.token_id},
        token_id=actor_token,
    )
    return user, issued


def issue_token(
    session: Session,
    owner: str,
    *,
    actor: str,
    actor_token: str | None = None,
    expires: datetime | None = None,
) -> IssuedToken:
    """Another token for `organisation:ID` or `user:ID` (e.g. to rotate the first one)."""
    kind, _, raw_id = owner.partition(":")
    if kind not in ("organisation", "user") or not raw_id.isdigit():
        raise InputError(f"owner {owner!r} is not `organisation:ID` or `user:ID`")
    table: type[OrganisationRow] | type[UserRow] = (
        OrganisationRow if kind == "organisation" else UserRow
    )
    if session.get(table, int(raw_id)) is None:
        raise NotFoundError(f"no {kind} {raw_id}")
    _, issued = _issue(
        session,
        owner=owner,
        organisation_id=int(raw_id) if kind == "organisation" else None,
        user_id=int(raw_id) if kind == "user" else None,
        expires=expires,
    )
    record_audit(
        session,
        actor=actor,
        action="token.issue",
        target=f"token:{issued.token_id}",
        detail={"owner": owner},
        token_id=actor_token,
    )
    return issued


def revoke_token(
    session: Session, token_id: str, *, actor: str, actor_token: str | None = None
) -> TokenRow:
    """Revoke a token from now on; revoking twice is refused so the log shows one revocation."""
    row = session.get(TokenRow, token_id)
    if row is None:
        raise NotFoundError(f"no token {token_id!r}")
    if row.revoked is not None:
        raise ConflictError(f"token {token_id} was revoked already at {row.revoked.isoformat()}")
    row.revoked = utcnow()
    session.add(row)
    record_audit(
        session,
        actor=actor,
        action="token.revoke",
        target=f"token:{token_id}",
        token_id=actor_token,
    )
    return row


def get_token(session: Session, token_id: str) -> TokenRow:
    """One token row by id."""
    row = session.get(TokenRow, token_id)
    if row is None:
        raise NotFoundError(f"no token {token_id!r}")
    return row


def list_organisations(session: Session) -> list[OrganisationRow]:
    """Every organisation, by id."""
    return list(session.exec(select(OrganisationRow).order_by(OrganisationRow.id)))  # type: ignore[arg-type]


def list_users(session: Session) -> list[UserRow]:
    """Every user, by id."""
    return list(session.exec(select(UserRow).order_by(UserRow.id)))  # type: ignore[arg-type]


def list_tokens(session: Session) -> list[TokenRow]:
    """Every token (digests included; never print them), by creation."""
    return list(session.exec(select(TokenRow).order_by(TokenRow.created, TokenRow.id)))  # type: ignore[arg-type]


_REFUSED = "the token is unknown, expired or revoked"


def authenticate(session: Session, presented: str, now: datetime | None = None) -> Principal:
    """The principal a bearer token proves, or UnauthenticatedError (one message for all cases).

    Every authenticated request asks this, so it is one prebuilt query: the token with its
    owner, whichever kind of account that is.
    """
    parsed = parse_token(presented)
    if parsed is None:
        raise UnauthenticatedError("the bearer token is malformed")
    token_id, secret = parsed
    with translate_errors():
        row = session.connection().execute(_TOKEN_WITH_OWNER, {"token_id": token_id}).first()
    if row is None or not secret_matches(secret, row.secret_sha256):
        raise UnauthenticatedError(_REFUSED)
    if not is_usable(expires=row.expires, revoked=row.revoked, now=now or utcnow()):
        raise UnauthenticatedError(_REFUSED)
    if row.org_id is not None:
        return Principal("organisation", row.org_id, row.org_name, Role(row.org_kind), token_id)
    if row.user_id is None:  # pragma: no cover - the check constraint and foreign keys forbid it
        raise UnauthenticatedError(_REFUSED)
    return Principal("user", row.user_id, row.user_name, Role(row.user_role), token_id)


def _token_with_owner() -> sa.Select[Any]:
    tokens: sa.Table = TokenRow.__table__  # type: ignore[attr-defined]
    orgs: sa.Table = OrganisationRow.__table__  # type: ignore[attr-defined]
    users: sa.Table = UserRow.__table__  # type: ignore[attr-defined]
    return (
        sa.select(
            tokens.c.secret_sha256,
            tokens.c.expires,
            tokens.c.revoked,
            orgs.c.id.label("org_id"),
            orgs.c.name.label("org_name"),
            orgs.c.kind.label("org_kind"),
            users.c.id.label("user_id"),
            users.c.name.label("user_name"),
            users.c.role.label("user_role"),
        )
        .select_from(
            tokens.outerjoin(orgs, orgs.c.id == tokens.c.organisation_id).outerjoin(
                users, users.c.id == tokens.c.user_id
            )
        )
        .where(tokens.c.id == sa.bindparam("token_id"))
    )


_TOKEN_WITH_OWNER = _token_with_owner()
