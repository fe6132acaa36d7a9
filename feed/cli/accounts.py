"""`kpfeed orgs ...`, `kpfeed users ...`, `kpfeed tokens ...`: accounts and their bearer tokens."""

from __future__ import annotations

import json
import os
import pwd
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.accounts import OrganisationKind, UserRole
from feed.cli.app import main
from feed.config import get_settings
from feed.store.accounts import (
    IssuedToken,
    add_organisation,
    add_user,
    issue_token,
    list_organisations,
    list_tokens,
    list_users,
    revoke_token,
)
from feed.store.db import check_ready, make_engine, transaction

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
as_option = click.option(
    "--as",
    "actor",
    default=None,
    help="Who does this, for the audit log (default: cli:<your system user>).",
)
expires_option = click.option(
    "--expires-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Days until the token expires (default: never; revoke it instead).",
)


def _operator(actor: str | None) -> str:
    return actor.strip() if actor and actor.strip() else f"cli:{pwd.getpwuid(os.getuid()).pw_name}"


def _expiry(days: int | None) -> datetime | None:
    return None if days is None else datetime.now(UTC) + timedelta(days=days)


@contextmanager
def _session() -> Iterator[Session]:
    engine: Engine = make_engine(get_settings().database_url)
    try:
        check_ready(engine)
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _print_issued(
    kind: str,
    row_id: int | None,
    name: str,
    extra: dict[str, Any],
    issued: IssuedToken,
    as_json: bool,
) -> None:
    if as_json:
        doc = {
            "id": row_id,
            "name": name,
            **extra,
            "token_id": issued.token_id,
            "token": issued.token,
            "expires": _when(issued.expires),
        }
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"{kind} {row_id} {name!r} created; token id {issued.token_id}.")
    click.echo("The token is shown this once; only its hash is stored:", err=True)
    click.echo(issued.token)


@main.group()
def orgs() -> None:
    """Organisations: companies that read the feed and give feedback, and contributors."""


@orgs.command("add")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in OrganisationKind]),
    required=True,
    help="company (gives feedback) or contributor (also proposes records).",
)
@expires_option
@as_option
@json_option
def orgs_add(
    name: str, kind: str, expires_days: int | None, actor: str | None, as_json: bool
) -> None:
    """Add the organisation NAME and print its first token, once."""
    with _session() as session:
        org, issued = add_organisation(
            session,
            name,
            OrganisationKind(kind),
            actor=_operator(actor),
            expires=_expiry(expires_days),
        )
        _print_issued("organisation", org.id, org.name, {"kind": org.kind}, issued, as_json)


@orgs.command("list")
@json_option
def orgs_list(as_json: bool) -> None:
    """List organisations."""
    with _session() as session:
        rows = [
            {"id": o.id, "name": o.name, "kind": o.kind, "created": _when(o.created)}
            for o in list_organisations(session)
        ]
    _print_rows(rows, ["id", "kind", "name"], as_json)


@main.group()
def users() -> None:
    """Commission users: editors, publishers and admins."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in UserRole]),
    required=True,
    help="editor (curates, triages), publisher (approves and publishes) or admin.",
)
@expires_option
@as_option
@json_option
def users_add(
    name: str, role: str, expires_days: int | None, actor: str | None, as_json: bool
) -> None:
    """Add the user NAME and print their first token, once."""
    with _session() as session:
        user, issued = add_user(
            session, name, UserRole(role), actor=_operator(actor), expires=_expiry(expires_days)
        )
        _print_issued("user", user.id, user.name, {"role": user.role}, issued, as_json)


@users.command("list")
@json_option
def users_list(as_json: bool) -> None:
    """List users."""
    with _session() as session:
        rows = [
            {"id": u.id, "name": u.name, "role": u.role, "created": _when(u.created)}
            for u in list_users(session)
        ]
    _print_rows(rows, ["id", "role", "name"], as_json)


@users.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
@as_option
def users_passwd(name: str, password_stdin: bool, actor: str | None) -> None:
    """Set the console password of user NAME (stored as an argon2id hash).

    Without --password-stdin the password is asked for twice, without echo. The user's
    console sessions opened with the old password end; token sign-ins are unaffected.
    """
    from feed.passwords import check_new_password
    from feed.store.console import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(
            click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
        )
    check_new_password(password)  # before touching the store
    with _session() as session:
        user = set_password(session, name, password, actor=_operator(actor))
        click.echo(f"password of user {user.id} {user.name!r} set")


@main.group()
def tokens() -> None:
    """Bearer tokens: issue another, list (never the secrets), revoke."""


@tokens.command("issue")
@click.argument("owner")
@expires_option
@as_option
@json_option
def tokens_issue(owner: str, expires_days: int | None, actor: str | None, as_json: bool) -> None:
    """Issue another token for OWNER (`organisation:ID` or `user:ID`), printed once."""
    with _session() as session:
        issued = issue_token(session, owner, actor=_operator(actor), expires=_expiry(expires_days))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "token_id": issued.token_id,
                    "owner": issued.owner,
                    "token": issued.token,
                    "expires": _when(issued.expires),
                },
                indent=2,
            )
        )
    else:
        click.echo(f"token {issued.token_id} issued for {issued.owner}.")
        click.echo("The token is shown this once; only its hash is stored:", err=True)
        click.echo(issued.token)


@tokens.command("list")
@json_option
def tokens_list(as_json: bool) -> None:
    """List tokens with their owner, expiry and revocation (never the secrets)."""
    with _session() as session:
        rows = [
            {
                "id": t.id,
                "owner": f"organisation:{t.organisation_id}"
                if t.organisation_id is not None
                else f"user:{t.user_id}",
                "created": _when(t.created),
                "expires": _when(t.expires),
                "revoked": _when(t.revoked),
            }
            for t in list_tokens(session)
        ]
    _print_rows(rows, ["id", "owner", "expires", "revoked"], as_json)


@tokens.command("revoke")
@click.argument("token_id")
@as_option
@json_option
def tokens_revoke(token_id: str, actor: str | None, as_json: bool) -> None:
    """Revoke token TOKEN_ID from now on."""
    with _session() as session:
        row = revoke_token(session, token_id, actor=_operator(actor))
        revoked = _when(row.revoked)
    if as_json:
        click.echo(json.dumps({"id": token_id, "revoked": revoked}, indent=2))
    else:
        click.echo(f"token {token_id} revoked at {revoked}")


def _print_rows(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo("  ".join(str(row[c]) if row[c] is not None else "-" for c in columns))
