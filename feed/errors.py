"""The one error tree of kpfeed; every library failure is one of these.

    KpfeedError
    ├── ConfigError                 a setting is missing or wrong
    ├── InputError                  input refused before anything was stored
    │   ├── SourceFormatError       a file is not readable YAML/JSON (size, encoding, syntax, tags)
    │   └── ValidationFailed        records break the schema or a catalogue rule (carries Problems)
    ├── StoreError                  the store refused an operation
    │   ├── NotFoundError           no such record, release, cycle, organisation or user
    │   ├── ConflictError           the thing exists already, or changed underneath the caller
    │   ├── StateError              not allowed in the current editorial/release state
    │   └── StoreUnavailableError   the database cannot be reached
    ├── ReleaseError                release rules
    │   ├── VersionOrderError       version or sequence does not increase
    │   ├── FourEyesError           the approver is the creator
    │   └── ImmutableReleaseError   a published release cannot change
    ├── ExportError                 writing files failed: package sources, schemas, exports
    ├── PublishError                rendering, checking or writing the published directory failed
    ├── KeyStoreError               signing keys missing, unreadable or wrongly protected
    ├── TrustError                  a published artifact failed verification
    │   ├── BadSignatureError       signature does not verify
    │   ├── UnknownKeyError         signed by a key that is not trusted
    │   ├── ExpiredError            signature or metadata past its expiry (freeze attack)
    │   ├── RollbackError           older version or sequence than already trusted
    │   ├── MixAndMatchError        files from different releases combined
    │   └── IntegrityError          length or hash differs from what was signed
    ├── FetchError                  the network fetch failed (status, size cap, timeout)
    │   └── TooLargeError           a response exceeds its size cap
    ├── DeltaError                  a changes file does not apply to the mirror
    ├── AuthError                   who is asking
    │   ├── UnauthenticatedError    no valid token or session
    │   └── ForbiddenError          authenticated, but the role does not allow it
    └── FeedbackError               feedback rules
        ├── CycleClosedError        no feedback window is open (says when the next opens)
        ├── IdempotencyError        an Idempotency-Key reused with a different body
        └── RateLimitedError        too many submissions (carries retry_after seconds)

Library code raises these and nothing else; the HTTP layer maps them to problem
documents in one table and the CLI prints them with exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AuthError",
    "BadSignatureError",
    "ConfigError",
    "ConflictError",
    "CycleClosedError",
    "DeltaError",
    "ExpiredError",
    "ExportError",
    "FeedbackError",
    "FetchError",
    "ForbiddenError",
    "FourEyesError",
    "IdempotencyError",
    "ImmutableReleaseError",
    "InputError",
    "IntegrityError",
    "KeyStoreError",
    "KpfeedError",
    "MixAndMatchError",
    "NotFoundError",
    "Problem",
    "PublishError",
    "RateLimitedError",
    "ReleaseError",
    "RollbackError",
    "SourceFormatError",
    "StateError",
    "StoreError",
    "StoreUnavailableError",
    "TooLargeError",
    "TrustError",
    "UnauthenticatedError",
    "UnknownKeyError",
    "ValidationFailed",
    "VersionOrderError",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem: where it is and what is wrong, in words a person understands."""

    file: str | None
    record_id: str | None
    pointer: str
    message: str

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, self.record_id) if p)
        pointer = self.pointer or "/"
        return f"{where + ' ' if where else ''}{pointer}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "file": self.file,
            "record_id": self.record_id,
            "pointer": self.pointer,
            "message": self.message,
        }


class KpfeedError(Exception):
    """Base of every error kpfeed raises on purpose."""


class ConfigError(KpfeedError):
    """A setting is missing or has a wrong value."""


class InputError(KpfeedError):
    """Input was refused before anything was stored."""


class SourceFormatError(InputError):
    """A source file cannot be read as YAML or JSON (size, encoding, syntax, unsafe tags)."""

    def __init__(self, file: str, message: str, pointer: str = "") -> None:
        self.problem = Problem(file=file, record_id=None, pointer=pointer, message=message)
        super().__init__(str(self.problem))


class ValidationFailed(InputError):
    """Records break the schema or a catalogue rule; carries every problem found, located."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file or "", p.record_id or "", p.pointer))
        count = len(self.problems)
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''}: {head}{more}")


class StoreError(KpfeedError):
    """The store refused an operation."""


class NotFoundError(StoreError):
    """No such record, release, cycle, organisation or user."""


class ConflictError(StoreError):
    """The thing exists already, or changed underneath the caller."""


class StateError(StoreError):
    """The operation is not allowed in the current editorial or release state."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached."""


class ReleaseError(KpfeedError):
    """A release rule was broken."""


class VersionOrderError(ReleaseError):
    """A release version or sequence does not increase."""


class FourEyesError(ReleaseError):
    """The approver of a release or record is the same person as its author."""


class ImmutableReleaseError(ReleaseError):
    """A published release cannot change; publish a correction as a new release."""


class ExportError(KpfeedError):
    """Writing files failed: a package source directory, the schema files, or an export
    (STIX, MISP, CSV, keywords) where it was asked for (path taken, no permission, disk)."""


class PublishError(KpfeedError):
    """Rendering, checking or writing the published directory failed."""


class KeyStoreError(KpfeedError):
    """Signing keys are missing, unreadable or wrongly protected."""


class TrustError(KpfeedError):
    """A published artifact failed verification."""


class BadSignatureError(TrustError):
    """A signature does not verify over the bytes it claims to cover."""


class UnknownKeyError(TrustError):
    """A file is signed by a key that is not trusted."""


class ExpiredError(TrustError):
    """A signature or metadata is past its expiry (a freeze attack, or a missed refresh)."""


class RollbackError(TrustError):
    """A file carries an older version or sequence than one already trusted."""


class MixAndMatchError(TrustError):
    """Files from different releases were combined."""


class IntegrityError(TrustError):
    """A file's length or hash differs from what was signed."""


class FetchError(KpfeedError):
    """A network fetch failed: status, timeout, or connection dropped."""


class TooLargeError(FetchError):
    """A response or upload exceeds its size cap."""


class DeltaError(KpfeedError):
    """A changes file does not apply to the mirror it was meant for."""


class AuthError(KpfeedError):
    """Who is asking could not be established or is not allowed."""


class UnauthenticatedError(AuthError):
    """No valid token or session."""


class ForbiddenError(AuthError):
    """Authenticated, but the role does not allow this."""


class FeedbackError(KpfeedError):
    """A feedback rule was broken."""


class CycleClosedError(FeedbackError):
    """No feedback window is open; the message says when the next one opens."""

    def __init__(self, message: str, next_opens: datetime | None = None) -> None:
        self.next_opens = next_opens
        super().__init__(message)


class IdempotencyError(FeedbackError):
    """An Idempotency-Key was reused with a different request body."""


class RateLimitedError(FeedbackError):
    """Too many submissions from one organisation."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)
