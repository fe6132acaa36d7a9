"""Request and response models of the feedback API and the editors' feedback endpoints.

The routes answer with plain data built by `feed.feedback.views` (the same bytes are kept with
an Idempotency-Key); these models describe that data in the OpenAPI document and validate the
small editor requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from feed.feedback.cycles import CYCLE_NAME
from feed.model.records import ID_PATTERN, VERSION_PATTERN
from feed.store.feedback import CycleState, FeedbackStatus

__all__ = [
    "AggregatesOut",
    "CycleIn",
    "CycleList",
    "CycleOut",
    "DraftOut",
    "FeedbackEditorOut",
    "FeedbackEditorPage",
    "FeedbackOut",
    "FeedbackPage",
    "OrganisationRef",
    "RecordAggregateOut",
    "RecordChangeLink",
    "TotalsOut",
    "TriageIn",
    "TriageStep",
]


NEXT_CURSOR = "Pass as `cursor` for the next page; null at the end."


class _Request(BaseModel):
    # Not strict: FastAPI validates the decoded JSON in Python mode, where strict would
    # refuse ISO dates and enum values given as text.
    model_config = ConfigDict(extra="forbid")


class RecordChangeLink(BaseModel):
    """A record revision linked to a submission (the change that addresses it, or a draft)."""

    model_config = ConfigDict(extra="forbid")

    record: str = Field(pattern=ID_PATTERN, description="Record id.", examples=["symbol:x"])
    revision: int = Field(ge=1, description="Revision of that record.", examples=[3])


class FeedbackOut(BaseModel):
    """A submission as its organisation sees it, with its status."""

    id: str = Field(
        description="Id of the submission.", examples=["9f1c0d6e2b7a4c3d8e5f6a7b8c9d0e1f"]
    )
    kind: str = Field(description="The kind of feedback.", examples=["false-positive"])
    status: FeedbackStatus = Field(description="received, under_review, accepted or declined.")
    cycle: str = Field(description="The feedback cycle it joined.", examples=["2022"])
    release: str = Field(description="The release it is about.", examples=["2022.1"])
    record: str | None = Field(description="The record it is about, if any.")
    created: datetime = Field(description="When it was received (UTC).")
    updated: datetime = Field(description="When its status last changed (UTC).")
    status_reason: str | None = Field(
        description="The editors' reason: why it was declined, or what became of it."
    )
    addressed_in: str | None = Field(description="The release that addresses it (accepted).")
    record_change: RecordChangeLink | None = Field(
        description="The record revision that addresses it, or the draft made from it."
    )
    retracted_by: str | None = Field(description="Id of the retraction that withdrew it.")
    submission: dict[str, Any] = Field(description="What was submitted, as stored.")


class FeedbackPage(BaseModel):
    """One page of submissions, newest first."""

    items: list[FeedbackOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class OrganisationRef(BaseModel):
    """The organisation that sent a submission."""

    id: int = Field(description="Organisation id.")
    name: str = Field(description="Organisation name.")


class TriageStep(BaseModel):
    """One status change, with the internal note (editors only)."""

    at: datetime = Field(description="When (UTC).")
    actor: str = Field(description="Editor who made the change.")
    from_status: FeedbackStatus = Field(description="Status before.")
    to_status: FeedbackStatus = Field(description="Status after.")
    reason: str | None = Field(description="Reason shown to the submitter.")
    note: str | None = Field(description="Internal note; never shown to the submitter.")
    addressed_in: str | None = Field(description="Release linked at this step.")
    record_change: RecordChangeLink | None = Field(description="Record revision linked.")


class FeedbackEditorOut(FeedbackOut):
    """A submission as editors see it: who sent it and its triage history."""

    organisation: OrganisationRef
    token_id: str = Field(description="Public id of the token it was sent with.")
    history: list[TriageStep] | None = Field(
        default=None, description="Status changes, oldest first (on the single-item view)."
    )


class FeedbackEditorPage(BaseModel):
    """One page of everyone's submissions, newest first."""

    items: list[FeedbackEditorOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class TriageIn(_Request):
    """A status change of a submission."""

    status: FeedbackStatus = Field(description="The new status.", examples=["accepted"])
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Shown to the submitter; required to decline.",
        examples=["Addressed: the alias was added."],
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Internal note for editors; never shown to the submitter.",
    )
    addressed_in: str | None = Field(
        default=None,
        pattern=VERSION_PATTERN,
        description="Release that addresses the submission (accepted only).",
        examples=["2022.2"],
    )
    record_change: RecordChangeLink | None = Field(
        default=None, description="Record revision that addresses it (accepted or under review)."
    )


class CycleIn(_Request):
    """A new feedback cycle."""

    name: str = Field(pattern=CYCLE_NAME, description="Cycle name.", examples=["2022"])
    window_start: datetime = Field(
        description="When submissions start to be taken (with time zone).",
        examples=["2022-01-01T00:00:00Z"],
    )
    window_end: datetime = Field(
        description="When the window closes (exclusive, with time zone).",
        examples=["2022-04-01T00:00:00Z"],
    )
    release_target: str = Field(
        min_length=1,
        max_length=200,
        description="The release the cycle's feedback is meant for.",
        examples=["autumn 2022 (2022.2)"],
    )


class CycleOut(BaseModel):
    """A feedback cycle."""

    name: str = Field(description="Cycle name.", examples=["2022"])
    window_start: datetime = Field(description="When the window opens (UTC).")
    window_end: datetime = Field(description="When it closes (UTC, exclusive).")
    release_target: str = Field(description="The release the feedback is meant for.")
    state: CycleState = Field(description="planned, open or closed.")
    created_by: str = Field(description="Editor who created it.")
    created_at: datetime = Field(description="When it was created (UTC).")
    opened_at: datetime | None = Field(description="When it was last opened (UTC).")
    closed_at: datetime | None = Field(description="When it was closed (UTC).")


class CycleList(BaseModel):
    """Every feedback cycle, by window start."""

    items: list[CycleOut]


class RecordAggregateOut(BaseModel):
    """What organisations said about one record."""

    record: str = Field(description="Record id.")
    true_positives: int = Field(description="True-positive reports.")
    false_positives: int = Field(description="False-positive reports.")
    false_positive_reasons: dict[str, int] = Field(description="False positives by reason.")
    inconclusive: int = Field(description="Inconclusive reports.")
    sighting_reports: int = Field(description="Sighting reports.")
    sightings: int = Field(description="Sightings reported in all (sum of counts).")
    label_disputes: int = Field(description="Label disputes.")
    corrections: int = Field(description="Corrections proposed.")
    suggestions: int = Field(description="Aliases, variants and evasions suggested.")
    organisations: int = Field(description="Different organisations reporting on it.")
    disputed: bool = Field(description="Both true and false positives were reported.")


class TotalsOut(BaseModel):
    """Totals over the matching feedback."""

    submissions: int = Field(description="Submissions (retractions and retracted left out).")
    by_kind: dict[str, int] = Field(description="Submissions by kind.")
    organisations: int = Field(description="Different organisations.")
    records: int = Field(description="Records with feedback.")
    disputed_records: int = Field(description="Records with both true and false positives.")
    sightings: int = Field(description="Sightings reported in all.")


class AggregatesOut(BaseModel):
    """Aggregates per cycle (totals) and per record."""

    cycle: str | None = Field(description="The cycle, or null for all cycles.")
    totals: TotalsOut
    records: list[RecordAggregateOut] = Field(description="Per record, sorted by id.")


class DraftOut(BaseModel):
    """The draft record made from a proposal."""

    record: str = Field(description="Id of the draft record.")
    revision: int = Field(description="Its revision.")
    feedback: FeedbackEditorOut = Field(description="The submission, now under review.")


#: Example bodies for `POST /api/v1/feedback`, one per kind (all synthetic).
SUBMISSION_EXAMPLES: dict[str, dict[str, JsonValue]] = {
    "true-positive": {
        "kind": "true-positive",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
    },
    "false-positive": {
        "kind": "false-positive",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
        "reason": "news-or-research",
        "comment": "Matched in a news report about the symbol.",
    },
    "inconclusive": {
        "kind": "inconclusive",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
    },
    "sighting": {
        "kind": "sighting",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
        "count": 42,
        "period": {"start": "2022-01-01", "end": "2022-01-31"},
        "regions": ["DE", "AT"],
    },
    "label-dispute": {
        "kind": "label-dispute",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
        "field": "/guidance/ambiguity",
        "argument": "Widely used in an unrelated hobby; ambiguity should be high.",
    },
    "correction": {
        "kind": "correction",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
        "field": "/aliases/0/language",
        "proposed_value": "de",
        "evidence": "https://example.org/synthetic-evidence",
    },
    "suggestion": {
        "kind": "suggestion",
        "release": "2022.1",
        "record": "symbol:synthetic-0000001",
        "proposal": {
            "what": "alias",
            "alias": {"value": "synthetic alias", "language": "en", "kind": "coded-form"},
        },
    },
    "usage-report": {
        "kind": "usage-report",
        "release": "2022.1",
        "period": {"start": "2022-01-01", "end": "2022-03-31"},
        "integration": "human-review",
        "matches": 1200,
    },
    "retraction": {"kind": "retraction", "retracts": "9f1c0d6e2b7a4c3d8e5f6a7b8c9d0e1f"},
}
