"""Feedback from companies and contributors: the submission kinds, strict, as pydantic models.

A submission names the release it is about and, for most kinds, a record of that release.
Whether the release and record exist is the store's question (`feed.feedback`); what can be
decided from the submission alone is decided here, including that a correction's field path
exists in the record schema. Not exported from `feed.model` (it depends on `feed.schemagen`,
which depends on `feed.model`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from feed.fieldpaths import check_proposed_value, field_path_problem
from feed.model.records import (
    Alias,
    CountryCode,
    Evasion,
    HttpsUrl,
    LongText,
    RecordId,
    ShortText,
    Version,
)

__all__ = [
    "FEEDBACK_ADAPTER",
    "RECORDLESS_KINDS",
    "AliasProposal",
    "AnySubmission",
    "Correction",
    "EvasionProposal",
    "FalsePositive",
    "FalsePositiveReason",
    "FeedbackKind",
    "FeedbackSubmission",
    "Inconclusive",
    "LabelDispute",
    "NewRecordProposal",
    "Period",
    "Retraction",
    "Sighting",
    "Suggestion",
    "TruePositive",
    "UsageIntegration",
    "UsageReport",
    "VariantProposal",
    "parse_submission",
    "refused",
    "submission_data",
]

#: Largest count a sighting or usage figure may carry (a year of a large platform fits).
MAX_COUNT = 10**12
Comment = Annotated[
    str,
    Field(
        min_length=1,
        max_length=5000,
        description="Free text for the editors: context, examples in words (no personal data).",
        examples=["Mostly seen in replies under news posts about the 2019 anniversary."],
    ),
]


class FeedbackKind(StrEnum):
    """What a submission says."""

    TRUE_POSITIVE = "true-positive"
    FALSE_POSITIVE = "false-positive"
    INCONCLUSIVE = "inconclusive"
    SIGHTING = "sighting"
    LABEL_DISPUTE = "label-dispute"
    CORRECTION = "correction"
    SUGGESTION = "suggestion"
    USAGE_REPORT = "usage-report"
    RETRACTION = "retraction"


#: Kinds that are about the catalogue as a whole, not one record.
RECORDLESS_KINDS = frozenset({FeedbackKind.USAGE_REPORT, FeedbackKind.RETRACTION})


class FalsePositiveReason(StrEnum):
    """Why content matched by a record was not extremist content."""

    BENIGN_COLLISION = "benign-collision"
    NEWS_OR_RESEARCH = "news-or-research"
    COUNTER_SPEECH = "counter-speech"
    QUOTATION = "quotation"
    OTHER_LANGUAGE_SENSE = "other-language-sense"
    OUTDATED = "outdated"


class UsageIntegration(StrEnum):
    """How an organisation uses the package in its moderation."""

    AUTOMATED = "automated"
    HUMAN_REVIEW = "human-review"
    MIXED = "mixed"
    REFERENCE_ONLY = "reference-only"
    NOT_IN_USE = "not-in-use"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def refused(message: str, pointer: str = "") -> PydanticCustomError:
    """A validation error whose `pointer` (relative to where pydantic locates it) says where.

    Model-level checks are located at the model; the pointer moves them to the field they are
    about, and checks on a JSON value add the place inside that value.
    """
    return PydanticCustomError("kpfeed", "{message}", {"message": message, "pointer": pointer})


def _path_check(value: str | None, info: ValidationInfo) -> str | None:
    record = info.data.get("record")
    if value is not None and isinstance(record, str):
        problem = field_path_problem(record, value)
        if problem:
            raise refused(problem)
    return value


class Period(_Strict):
    """A span of whole days, both ends included."""

    start: dt.date = Field(description="First day (ISO 8601 date).", examples=["2022-01-01"])
    end: dt.date = Field(description="Last day, on or after `start`.", examples=["2022-03-31"])

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise refused(f"the period ends ({self.end}) before it starts ({self.start})", "/end")
        return self


class _About(_Strict):
    """Fields of a submission about one record of one release."""

    release: Version = Field(
        description="The published release the feedback is about, `YYYY.N`.", examples=["2022.1"]
    )
    record: RecordId = Field(description="The record, which must be in that release.")
    comment: Comment | None = None


class TruePositive(_About):
    """Content the record matched was indeed what the record describes."""

    kind: Literal["true-positive"] = Field(description="Always `true-positive`.")


class FalsePositive(_About):
    """Content the record matched was not what the record describes."""

    kind: Literal["false-positive"] = Field(description="Always `false-positive`.")
    reason: FalsePositiveReason = Field(description="Why the match was wrong.")


class Inconclusive(_About):
    """Moderators could not tell whether the match was right."""

    kind: Literal["inconclusive"] = Field(description="Always `inconclusive`.")


class Sighting(_About):
    """How often the record's content was seen on the platform in a period."""

    kind: Literal["sighting"] = Field(description="Always `sighting`.")
    count: int = Field(ge=1, le=MAX_COUNT, description="Times seen in the period.", examples=[42])
    period: Period = Field(description="When it was seen.")
    regions: list[CountryCode] = Field(
        default_factory=list, max_length=250, description="Countries it was seen from, if known."
    )


class LabelDispute(_About):
    """The record is labelled wrongly: its ideology, status, ambiguity or type is disputed."""

    kind: Literal["label-dispute"] = Field(description="Always `label-dispute`.")
    field: str | None = Field(
        default=None,
        max_length=300,
        description="JSON Pointer of the disputed label in the record, e.g. `/ideologies` or "
        "`/guidance/ambiguity`; it must exist in the record schema.",
        examples=["/guidance/ambiguity"],
    )
    argument: LongText = Field(description="Why the label is wrong, with what it should say.")

    _field_exists = field_validator("field")(_path_check)


class Correction(_About):
    """A fact in the record is wrong: the field, the proposed value and public evidence."""

    kind: Literal["correction"] = Field(description="Always `correction`.")
    field: str = Field(
        max_length=300,
        description="JSON Pointer of the field to correct, e.g. `/aliases/0/language`; it "
        "must exist in the record schema (`-` as the last part adds to a list).",
        examples=["/aliases/0/language"],
    )
    proposed_value: JsonValue = Field(
        description="The value the field should have, as it would stand in the record "
        "(`null` removes an optional field).",
        examples=["de"],
    )
    evidence: HttpsUrl = Field(
        description="Public https:// source supporting the correction (never a copy of a "
        "manifesto)."
    )

    _field_exists = field_validator("field")(_path_check)

    @field_validator("proposed_value")
    @classmethod
    def _value_fits(cls, value: JsonValue, info: ValidationInfo) -> JsonValue:
        record, field = info.data.get("record"), info.data.get("field")
        if isinstance(record, str) and isinstance(field, str):
            wrong = check_proposed_value(record, field, value)
            if wrong:
                where, message = wrong[0]
                raise refused(message, where)
        return value


class NewRecordProposal(_Strict):
    """A record the catalogue lacks, in the editor file format (content only)."""

    what: Literal["new-record"] = Field(description="Always `new-record`.")
    record: dict[str, JsonValue] = Field(
        description="The proposed record, as in an editor file: `id`, `type`, `name`, "
        "`summary`, `guidance`, `sources`... Validated like `kpfeed validate` does.",
    )


class AliasProposal(_Strict):
    """Another name the record goes by."""

    what: Literal["alias"] = Field(description="Always `alias`.")
    alias: Alias = Field(description="The alias, as a record holds it.")


class VariantProposal(_Strict):
    """A variant form of the record's symbol, slogan or code seen in the wild."""

    what: Literal["variant"] = Field(description="Always `variant`.")
    value: ShortText = Field(description="The variant as written or, for images, named.")
    description: LongText | None = Field(
        default=None, description="How it differs from the known forms."
    )


class EvasionProposal(_Strict):
    """A way the record's indicators are disguised."""

    what: Literal["evasion"] = Field(description="Always `evasion`.")
    evasion: Evasion = Field(description="The evasion, as a record holds it.")


Proposal: TypeAlias = Annotated[
    NewRecordProposal | AliasProposal | VariantProposal | EvasionProposal,
    Field(discriminator="what"),
]


class Suggestion(_Strict):
    """Something to add: a new record (contributors' proposals), an alias, variant or evasion."""

    kind: Literal["suggestion"] = Field(description="Always `suggestion`.")
    release: Version = Field(description="The release the suggestion was made against.")
    record: RecordId | None = Field(
        default=None,
        description="The record to add to; required unless the proposal is a new record.",
    )
    proposal: Proposal = Field(description="What is proposed, by `what`.")
    comment: Comment | None = None

    @model_validator(mode="after")
    def _record_when_needed(self) -> Self:
        new = isinstance(self.proposal, NewRecordProposal)
        if new and self.record is not None:
            raise refused("a new-record proposal names no existing record", "/record")
        if not new and self.record is None:
            raise refused(f"a {self.proposal.what} proposal names the record it is for", "/record")
        return self


class UsageReport(_Strict):
    """How the organisation used a release over a period."""

    kind: Literal["usage-report"] = Field(description="Always `usage-report`.")
    release: Version = Field(description="The release in use.")
    period: Period = Field(description="The period reported on.")
    integration: UsageIntegration = Field(description="How the package is used.")
    records_in_use: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Records loaded into moderation tools."
    )
    matches: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Content items matched in the period."
    )
    actions: int | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="Moderation actions taken on matched content in the period.",
    )
    comment: Comment | None = None


class Retraction(_Strict):
    """Withdraw one of the organisation's earlier submissions (it stays, marked retracted)."""

    kind: Literal["retraction"] = Field(description="Always `retraction`.")
    retracts: str = Field(
        min_length=1,
        max_length=64,
        description="Id of the earlier submission, as its `Location` gave it.",
        examples=["3f0a2c1e9b7d4e5fa1c2d3e4f5a6b7c8"],
    )
    comment: Comment | None = None


AnySubmission: TypeAlias = (
    TruePositive
    | FalsePositive
    | Inconclusive
    | Sighting
    | LabelDispute
    | Correction
    | Suggestion
    | UsageReport
    | Retraction
)
FeedbackSubmission: TypeAlias = Annotated[AnySubmission, Field(discriminator="kind")]
FEEDBACK_ADAPTER: TypeAdapter[AnySubmission] = TypeAdapter(FeedbackSubmission)


def parse_submission(body: bytes | str) -> AnySubmission:
    """A submission from its JSON text, strictly (raises pydantic.ValidationError)."""
    return FEEDBACK_ADAPTER.validate_json(body, strict=True)


def submission_data(submission: AnySubmission) -> dict[str, Any]:
    """Plain JSON-ready data of a submission, as it is stored and shown back."""
    return submission.model_dump(mode="json", exclude_none=True)
