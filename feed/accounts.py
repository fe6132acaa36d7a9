"""Who may ask: roles, principals and bearer tokens (pure logic; the store keeps the rows).

A token is `kpf_<id>_<secret>`: the id (16 hex digits) is public and names the token in the
audit log, in logs and in `kpfeed tokens revoke ID`; the secret (32 random bytes) is shown once
and only its SHA-256 is stored.

Why SHA-256 and not argon2: argon2 exists to slow down guessing of *low-entropy* passwords. A
256-bit random secret cannot be guessed, so a slow hash adds no protection, while costing tens
of milliseconds and a memory spike on every authenticated request (every feed download when
the feed needs a token). A stolen database still yields no usable token: SHA-256 is not
invertible. The stored digest is compared with `hmac.compare_digest` (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "EDITORIAL_ROLES",
    "ORGANISATION_ROLES",
    "TOKEN_PREFIX",
    "OrganisationKind",
    "Principal",
    "Role",
    "UserRole",
    "new_token",
    "parse_token",
    "secret_digest",
    "secret_matches",
]

TOKEN_PREFIX = "kpf_"  # noqa: S105 (a prefix, not a secret)
_TOKEN = re.compile(r"^kpf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class OrganisationKind(StrEnum):
    """What an organisation is to the catalogue."""

    COMPANY = "company"
    CONTRIBUTOR = "contributor"


class UserRole(StrEnum):
    """What a Commission user may do."""

    EDITOR = "editor"
    PUBLISHER = "publisher"
    ADMIN = "admin"


class Role(StrEnum):
    """Every role a principal can have: an organisation's kind or a user's role."""

    COMPANY = "company"
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    PUBLISHER = "publisher"
    ADMIN = "admin"


#: Roles that curate records and triage feedback; publishers are editors who may also release.
EDITORIAL_ROLES = frozenset({Role.EDITOR, Role.PUBLISHER})
#: Roles that speak for an organisation outside the Commission (feedback, proposals).
ORGANISATION_ROLES = frozenset({Role.COMPANY, Role.CONTRIBUTOR})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an organisation or a user, as proven by one token."""

    kind: str  # "organisation" or "user"
    id: int
    name: str
    role: Role
    token_id: str

    @property
    def ref(self) -> str:
        """A stable reference for logs and metrics, e.g. `user:3` or `organisation:7`."""
        return f"{self.kind}:{self.id}"

    @property
    def actor(self) -> str:
        """How the audit log and the four-eyes rules name this principal.

        A user is named by their user name, the same name the CLI's `--as NAME` takes, so a
        person is one actor whichever way they work; an organisation as `organisation:NAME`.
        """
        return self.name if self.kind == "user" else f"organisation:{self.name}"


def new_token() -> tuple[str, str, str]:
    """A fresh token: (token id, the full token to show once, the digest to store)."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}", secret_digest(secret)


def parse_token(presented: str) -> tuple[str, str] | None:
    """(token id, secret) of a well-formed token, or None."""
    match = _TOKEN.match(presented)
    if match is None:
        return None
    return match.group(1), match.group(2)


def secret_digest(secret: str) -> str:
    """The stored form of a token secret: hex SHA-256."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    """Whether a presented secret has the stored digest, compared in constant time."""
    return hmac.compare_digest(secret_digest(secret), digest)


def is_usable(*, expires: datetime | None, revoked: datetime | None, now: datetime) -> bool:
    """Whether a token is neither revoked nor past its expiry at `now`."""
    return revoked is None and (expires is None or now < expires)
