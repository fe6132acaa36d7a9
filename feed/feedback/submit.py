"""Taking in a submission: idempotency, rate limit, open cycle, checks against the store.

Everything happens in the caller's one transaction, so a submission, its Idempotency-Key and
its audit entry are stored together or not at all; a client that got an answer can rely on it,
and a client that got none can retry with the same key and get the same answer.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlmodel import Session

from feed.errors import (
    CycleClosedError,
    IdempotencyError,
    InputError,
    Problem,
    RateLimitedError,
    ValidationFailed,
)
from feed.feedback.releases import PublishedReleases
from feed.feedback.views import iso, submission_problems, submitter_view
from feed.model.feedback import (
    AnySubmission,
    NewRecordProposal,
    Retraction,
    Sighting,
    Suggestion,
    parse_submission,
    submission_data,
)
from feed.source import SourceRecord
from feed.store.common import flush, utcnow
from feed.store.feedback import CycleState, FeedbackStatus, SubmissionRow, next_cycle_after
from feed.store.ingest import (
    NewSubmission,
    StoredKey,
    claim_key,
    count_request,
    open_cycle_name,
    store_submission,
)
from feed.store.records import record_ids
from feed.validate import validate_items

__all__ = [
    "IDEMPOTENCY_KEY",
    "Receipt",
    "Submitter",
    "check_idempotency_key",
    "closed_error",
    "proposal_problems",
    "request_digest",
    "submit_feedback",
]

#: Printable ASCII without spaces, as the IETF Idempotency-Key draft suggests (UUIDs fit).
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class Submitter:
    """The organisation submitting, and the token it used."""

    organisation_id: int
    token_id: str
    actor: str


@dataclass(frozen=True)
class Receipt:
    """The answer to a submission; `replayed` when it is the stored answer to an earlier try."""

    view: dict[str, Any]
    replayed: bool

    @property
    def submission_id(self) -> str:
        return str(self.view["id"])


def check_idempotency_key(key: str | None) -> str | None:
    """The key, checked: 1 to 200 printable ASCII characters."""
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise InputError(
            "the Idempotency-Key header must be 1 to 200 printable ASCII characters without "
            "spaces (a UUID is a good key)"
        )
    return key


def request_digest(submission: AnySubmission | dict[str, Any]) -> str:
    """SHA-256 of a submission's canonical JSON: equal content, equal digest, whatever the
    key order or spacing of the request. Takes the submission or its `submission_data`."""
    data = submission if isinstance(submission, dict) else submission_data(submission)
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def closed_error(session: Session, now: datetime) -> CycleClosedError:
    """The error for a submission outside any open window, saying when the next one opens."""
    upcoming = next_cycle_after(session, now)
    if upcoming is None:
        return CycleClosedError("no feedback window is open and none is planned yet")
    if upcoming.window_start > now:
        return CycleClosedError(
            f"no feedback window is open; the next one (cycle {upcoming.name}) opens "
            f"{iso(upcoming.window_start)}",
            next_opens=upcoming.window_start,
        )
    if upcoming.state == CycleState.OPEN:  # pragma: no cover - then it is open at `now`
        return CycleClosedError(f"cycle {upcoming.name} is open")
    return CycleClosedError(
        f"the window of cycle {upcoming.name} has begun but the editors have not opened it "
        "yet; try again later"
    )


def _minute(now: datetime) -> int:
    return int(now.timestamp() // 60)


def _rate_limit(session: Session, organisation_id: int, limit: int, now: datetime) -> None:
    _check_rate(count_request(session, organisation_id, _minute(now)), limit, now)


def _check_rate(count: int, limit: int, now: datetime) -> None:
    """RateLimitedError when `count` submissions this minute are more than `limit`."""
    if count > limit:
        retry_after = max(1, 60 - int(now.timestamp() % 60))
        raise RateLimitedError(
            f"more than {limit} submissions this minute from your organisation; "
            f"retry in {retry_after} s",
            retry_after=retry_after,
        )


def proposal_problems(session: Session, record: dict[str, Any], at: str) -> list[Problem]:
    """A proposed record checked as `kpfeed validate` checks editor files, located under `at`.

    Its id must also be new: ids are never reused, retired ones included.
    """
    known = record_ids(session)
    _, found = validate_items([SourceRecord("<proposal>", record)], known_ids=known)
    problems = [Problem(None, p.record_id, at + p.pointer, p.message) for p in found]
    rid = record.get("id")
    if isinstance(rid, str) and rid in known:
        problems.append(
            Problem(
                None,
                rid,
                f"{at}/id",
                f"{rid} exists already; propose an alias, variant or correction to it instead",
            )
        )
    return problems


def _store_problems(
    session: Session,
    submission: AnySubmission,
    organisation_id: int,
    releases: PublishedReleases,
) -> tuple[list[Problem], SubmissionRow | None]:
    """What the store says about a well-formed submission; and the row a retraction retracts."""
    if isinstance(submission, Retraction):
        target = session.get(SubmissionRow, submission.retracts)
        if target is None or target.organisation_id != organisation_id:
            why = f"your organisation sent no feedback {submission.retracts!r}"
            return [Problem(None, None, "/retracts", why)], None
        if target.kind == "retraction":
            return [Problem(None, None, "/retracts", "a retraction cannot be retracted")], None
        if target.retracted_by is not None:
            why = f"{target.id} was retracted already by {target.retracted_by}"
            return [Problem(None, None, "/retracts", why)], None
        return [], target
    problems: list[Problem] = []
    record: str | None = getattr(submission, "record", None)
    if not releases.is_published(session, submission.release):
        why = f"no published release {submission.release}"
        problems.append(Problem(None, None, "/release", why))
    elif record is not None and not releases.holds(session, submission.release, record):
        why = f"{record} is not in release {submission.release}"
        problems.append(Problem(None, record, "/record", why))
    if isinstance(submission, Suggestion) and isinstance(submission.proposal, NewRecordProposal):
        problems += proposal_problems(session, submission.proposal.record, "/proposal/record")
    return problems, None


def _replay(key: str, digest: str, earlier: StoredKey) -> Receipt:
    if earlier.request_sha256 != digest or earlier.response is None:
        raise IdempotencyError(
            f"the Idempotency-Key {key!r} was used for a different submission; "
            "use a new key for new feedback"
        )
    return Receipt(earlier.response, replayed=True)


def submit_feedback(
    session: Session,
    submitter: Submitter,
    body: bytes,
    *,
    idempotency_key: str | None,
    rate_per_minute: int,
    now: datetime | None = None,
    releases: PublishedReleases | None = None,
) -> Receipt:
    """Parse, check and store one submission (or replay the answer to its Idempotency-Key).

    Raises ValidationFailed (located problems), IdempotencyError (key reused with another
    body), RateLimitedError or CycleClosedError; nothing is stored then. `releases` keeps
    what published releases hold between calls (a server passes one per process).

    It reads before it writes: on SQLite, call it in a `transaction(engine, writes=True)`.
    A key used before wins over every other answer, as if it were claimed first: its stored
    answer (or the refusal of a different body) comes back, nothing is counted or stored.
    """
    now = now or utcnow()
    try:
        submission = parse_submission(body)
    except ValidationError as error:
        raise ValidationFailed(submission_problems(error)) from None
    key = check_idempotency_key(idempotency_key)
    data = submission_data(submission)
    digest = request_digest(data)
    org = submitter.organisation_id
    cycle = open_cycle_name(session, now)
    problems, retracted = (
        _store_problems(session, submission, org, releases or PublishedReleases())
        if cycle is not None
        else ([], None)
    )
    if cycle is None or problems:
        # Refused, unless the key was used before: its first answer comes back then.
        if key is not None:
            earlier = claim_key(session, org, key, digest, now)
            if earlier is not None:
                return _replay(key, digest, earlier)
        _rate_limit(session, org, rate_per_minute, now)
        if cycle is None:
            raise closed_error(session, now)
        raise ValidationFailed(problems)
    row = NewSubmission(
        id=uuid.uuid4().hex,
        organisation_id=org,
        token_id=submitter.token_id,
        cycle=cycle,
        kind=submission.kind,
        release=retracted.release if retracted else getattr(submission, "release", ""),
        record_id=retracted.record_id if retracted else getattr(submission, "record", None),
        sighting_count=submission.count if isinstance(submission, Sighting) else None,
        body=data,
        status=FeedbackStatus.RECEIVED.value,
        created=now,
        updated=now,
    )
    view = submitter_view(row)
    # The row goes in first so that the key can be stored with its answer in one statement
    # (its row names the submission); if the key turns out to be used, the row goes again.
    stored = store_submission(
        session,
        row,
        key=key,
        request_sha256=digest,
        answer=view,
        minute=_minute(now),
        audit={
            "actor": submitter.actor,
            "action": "feedback.submit",
            "target": f"feedback:{row.id}",
            "detail": {"kind": row.kind, "cycle": row.cycle, "record": row.record_id},
            "token_id": submitter.token_id,
            "at": now,
        },
    )
    if stored.earlier is not None:
        assert key is not None  # only a key can have been used before
        return _replay(key, digest, stored.earlier)
    assert stored.count is not None
    _check_rate(stored.count, rate_per_minute, now)
    if retracted is not None:
        retracted.retracted_by = row.id
        retracted.updated = now
        session.add(retracted)
        flush(session)
    return Receipt(view, replayed=False)
