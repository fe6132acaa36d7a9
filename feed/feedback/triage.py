"""Editors' work on feedback: status changes with reasons and links; proposals become drafts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from feed.errors import Problem, StateError, ValidationFailed
from feed.feedback.submit import proposal_problems
from feed.messages import pydantic_problems
from feed.model import parse_record
from feed.store.audit import record_audit
from feed.store.common import flush, utcnow
from feed.store.feedback import (
    FeedbackStatus,
    SubmissionRow,
    TriageRow,
    add_triage,
    get_submission,
)
from feed.store.feedback_queries import release_state, revision_exists
from feed.store.records import save_revision
from feed.store.tables import EditorialState

__all__ = ["TRANSITIONS", "Decision", "draft_from_proposal", "triage_feedback"]

S = FeedbackStatus
#: Where each status may go. Accepted and declined can be reopened for another look.
TRANSITIONS: dict[FeedbackStatus, frozenset[FeedbackStatus]] = {
    S.RECEIVED: frozenset({S.UNDER_REVIEW, S.ACCEPTED, S.DECLINED}),
    S.UNDER_REVIEW: frozenset({S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.UNDER_REVIEW}),
    S.DECLINED: frozenset({S.UNDER_REVIEW}),
}


@dataclass(frozen=True)
class Decision:
    """A triage step: the new status, the reason the submitter reads, an internal note, and
    what addresses the feedback: the release (accepted only) and the record revision (accepted,
    or under review while a draft is worked on)."""

    status: FeedbackStatus
    reason: str | None = None
    note: str | None = None
    addressed_in: str | None = None
    record_change: tuple[str, int] | None = None


def _decision_problems(session: Session, decision: Decision) -> list[Problem]:
    problems: list[Problem] = []
    if decision.status == S.DECLINED and not decision.reason:
        problems.append(Problem(None, None, "/reason", "a declined submission needs a reason"))
    addressed = decision.addressed_in is not None or decision.record_change is not None
    if decision.status == S.ACCEPTED and not addressed:
        problems.append(
            Problem(
                None,
                None,
                "/addressed_in",
                "an accepted submission names the release or record change that addresses it",
            )
        )
    if decision.status != S.ACCEPTED and decision.addressed_in is not None:
        problems.append(
            Problem(None, None, "/addressed_in", "only an accepted submission is addressed")
        )
    if decision.status == S.DECLINED and decision.record_change is not None:
        problems.append(
            Problem(None, None, "/record_change", "a declined submission links no change")
        )
    if decision.addressed_in is not None and release_state(session, decision.addressed_in) is None:
        problems.append(Problem(None, None, "/addressed_in", f"no release {decision.addressed_in}"))
    if decision.record_change is not None:
        record_id, revision = decision.record_change
        if not revision_exists(session, record_id, revision):
            problems.append(
                Problem(None, record_id, "/record_change", f"no revision {revision} of {record_id}")
            )
    return problems


def _step(
    session: Session,
    row: SubmissionRow,
    decision: Decision,
    *,
    actor: str,
    token_id: str | None,
    now: datetime,
) -> None:
    previous = row.status
    row.status = decision.status.value
    row.status_reason = decision.reason
    row.addressed_in = decision.addressed_in
    row.change_record_id = decision.record_change[0] if decision.record_change else None
    row.change_revision = decision.record_change[1] if decision.record_change else None
    row.updated = now
    session.add(row)
    flush(session)
    add_triage(
        session,
        TriageRow(
            submission_id=row.id,
            at=now,
            actor=actor,
            token_id=token_id,
            from_status=previous,
            to_status=row.status,
            reason=decision.reason,
            note=decision.note,
            addressed_in=row.addressed_in,
            change_record_id=row.change_record_id,
            change_revision=row.change_revision,
        ),
    )
    record_audit(
        session,
        actor=actor,
        action="feedback.triage",
        target=f"feedback:{row.id}",
        detail={
            "from": previous,
            "to": row.status,
            "addressed_in": row.addressed_in,
            "record_change": (
                f"{row.change_record_id}@{row.change_revision}" if row.change_record_id else None
            ),
        },
        token_id=token_id,
        at=now,
    )


def triage_feedback(
    session: Session,
    submission_id: str,
    decision: Decision,
    *,
    actor: str,
    token_id: str | None = None,
    now: datetime | None = None,
) -> SubmissionRow:
    """Move a submission to a new status (see TRANSITIONS), recording who, why and what."""
    row = get_submission(session, submission_id)
    current = FeedbackStatus(row.status)
    if decision.status not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current]))
        raise StateError(
            f"feedback {submission_id} is {current.value}; it can go to {allowed}, "
            f"not {decision.status.value}"
        )
    problems = _decision_problems(session, decision)
    if problems:
        raise ValidationFailed(problems)
    _step(session, row, decision, actor=actor, token_id=token_id, now=now or utcnow())
    return row


def draft_from_proposal(
    session: Session,
    submission_id: str,
    *,
    actor: str,
    token_id: str | None = None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Turn a new-record proposal into a draft record; returns (record id, revision).

    The proposal is validated again (the catalogue may have changed since it came in) and the
    submission moves to under review, linked to the draft.
    """
    now = now or utcnow()
    row = get_submission(session, submission_id)
    proposal = row.body.get("proposal") if row.kind == "suggestion" else None
    if not isinstance(proposal, dict) or proposal.get("what") != "new-record":
        raise StateError(f"feedback {submission_id} is not a new-record proposal")
    if row.retracted_by is not None:
        raise StateError(f"feedback {submission_id} was retracted by {row.retracted_by}")
    if row.change_record_id is not None:
        raise StateError(f"feedback {submission_id} was drafted already as {row.change_record_id}")
    if row.status not in (S.RECEIVED, S.UNDER_REVIEW):
        raise StateError(f"feedback {submission_id} is {row.status}; it was triaged already")
    data = proposal["record"]
    problems = proposal_problems(session, data, "/submission/proposal/record")
    if problems:
        raise ValidationFailed(problems)
    try:
        record = parse_record(data)
    except ValidationError as error:  # pragma: no cover - validate_items parses it too
        raise ValidationFailed(pydantic_problems(error, file=None, record_id=None)) from None
    revision = save_revision(
        session,
        record,
        author=actor,
        comment=f"drafted from feedback {submission_id}",
        state=EditorialState.DRAFT,
        at=now,
    )
    decision = Decision(
        status=S.UNDER_REVIEW,
        reason=f"drafted as {record.id}; it is published once a release carries it",
        record_change=(record.id, revision),
    )
    _step(session, row, decision, actor=actor, token_id=token_id, now=now)
    return record.id, revision
