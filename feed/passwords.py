"""Console passwords of Commission users: argon2id hashes, checked in constant time (pure).

Tokens stay the way machines sign in (random, SHA-256, see `feed.accounts`); a password is
what a person types into the console's sign-in form, so it can be weak and guessable, and is
kept only as an argon2id hash (RFC 9106) whose cost makes every guess expensive.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from feed.errors import InputError

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "check_new_password",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

#: NIST SP 800-63B asks for at least 8; people choose passphrases when asked for more.
MIN_PASSWORD_CHARS = 12
#: argon2 takes any length, but a megabyte "password" is a denial-of-service attempt.
MAX_PASSWORD_CHARS = 1024

# argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, t=3, 64 MiB).
_HASHER = PasswordHasher()
# Verified when the user is unknown or has no password, so a sign-in takes as long either way
# and the answer time does not tell which user names exist.
_DUMMY = _HASHER.hash("kpfeed: no such user, and this is not a password anyone has")


def check_new_password(password: str) -> str:
    """The password if it is acceptable as a new one; InputError saying why not otherwise."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if password != password.strip():
        raise InputError("a password must not start or end with spaces (they are easily lost)")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string, salt and parameters included) of a new password."""
    return _HASHER.hash(check_new_password(password))


def verify_password(stored: str | None, presented: str) -> bool:
    """Whether `presented` is the password `stored` was made from; False for no hash.

    Costs the same with or without a stored hash (a dummy hash is checked instead).
    """
    if len(presented) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _HASHER.verify(stored or _DUMMY, presented) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash uses weaker parameters than today's (rehash on next sign-in)."""
    return _HASHER.check_needs_rehash(stored)
