"""What a match reports: spans, the record's guidance and the action the guidance allows."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from feed.model import Guidance
from feed.model.vocab import Ambiguity, HashAlgorithm, PatternKind

__all__ = [
    "Action",
    "FileMatch",
    "FileReport",
    "IndicatorKind",
    "RecordMatches",
    "TextMatch",
    "action_for",
]


class Action(StrEnum):
    """What a moderation tool may do with a match, from the record's ambiguity.

    `automatic`: low ambiguity, may be actioned without a person. `context`: medium ambiguity,
    the surrounding content decides (the platform's own checks or a person). `review`: a person
    must look; always the case for high ambiguity and for numbers that look like a price, a
    date or part of a longer number.
    """

    AUTOMATIC = "automatic"
    CONTEXT = "context"
    REVIEW = "review"


_CAUTION = {Action.AUTOMATIC: 0, Action.CONTEXT: 1, Action.REVIEW: 2}


def action_for(ambiguity: Ambiguity, collision: str | None = None) -> Action:
    """The action a match allows: high ambiguity or a known collision always means review."""
    if collision is not None or ambiguity is Ambiguity.HIGH:
        return Action.REVIEW
    return Action.CONTEXT if ambiguity is Ambiguity.MEDIUM else Action.AUTOMATIC


def least_cautious(actions: list[Action]) -> Action:
    """A record's action over several matches: its clearest match decides."""
    return min(actions, key=_CAUTION.__getitem__)


class IndicatorKind(StrEnum):
    """Which of a record's indicators matched."""

    TEXT_PATTERN = "text-pattern"
    NUMERIC_CODE = "numeric-code"
    EVASION = "evasion"
    FILE_HASH = "file-hash"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextMatch(_Result):
    """One place in a text where one indicator of a record matched."""

    record_id: str = Field(description="Id of the record whose indicator matched.")
    start: int = Field(ge=0, description="Start of the match in the original text (code points).")
    end: int = Field(ge=0, description="End of the match, exclusive (code points).")
    text: str = Field(description="The original text of the match, as written.")
    pattern: str = Field(description="The indicator as the record gives it.")
    indicator: IndicatorKind = Field(description="Which kind of indicator matched.")
    pattern_kind: PatternKind | None = Field(
        default=None, description="For text patterns: name, slogan, hashtag, ..."
    )
    note: str | None = Field(
        default=None, description="What the indicator stands for (a code's meaning, an evasion)."
    )
    ambiguity: Ambiguity = Field(description="The record's ambiguity level.")
    collision: str | None = Field(
        default=None,
        description="Why this match looks benign and needs review: `price`, `date`, "
        "`number-format`, `longer-number`, `quantity`.",
    )
    action: Action = Field(description="What the guidance allows for this match.")


class RecordMatches(_Result):
    """Every match of one record in one text, with the record's moderation guidance."""

    record_id: str = Field(description="Id of the record.")
    record_type: str = Field(description="`group`, `symbol` or `manifesto`.")
    name: str = Field(description="The record's name.")
    ambiguity: Ambiguity = Field(description="The record's ambiguity level.")
    action: Action = Field(description="The least cautious action among the matches.")
    guidance: Guidance = Field(description="The record's moderation guidance.")
    matches: list[TextMatch] = Field(description="The matches, in text order.")


class FileMatch(_Result):
    """A file whose hash is one of a record's known file hashes."""

    record_id: str = Field(description="Id of the record listing the hash.")
    record_type: str = Field(description="`group`, `symbol` or `manifesto`.")
    name: str = Field(description="The record's name.")
    algorithm: HashAlgorithm = Field(description="Hash algorithm that matched.")
    digest: str = Field(description="The matching digest.")
    variant: str | None = Field(default=None, description="Which known file this is.")
    ambiguity: Ambiguity = Field(description="The record's ambiguity level.")
    action: Action = Field(description="What the guidance allows for this match.")
    guidance: Guidance = Field(description="The record's moderation guidance.")


class FileReport(_Result):
    """The hashes of one file and the records they match."""

    path: str = Field(description="The file as given.")
    size: int | None = Field(default=None, description="Size in bytes.")
    digests: dict[str, str] = Field(default_factory=dict, description="Hex digests by algorithm.")
    matches: list[FileMatch] = Field(default_factory=list, description="Records matched.")
    error: str | None = Field(default=None, description="Why the file could not be read.")
