"""`POST /api/v1/match`: the hosted reference matcher over the currently published release.

A thin wrapper around `feed.match`: the request is validated and size-limited (the body limit is
`KPFEED_MATCH_MAX_BODY_BYTES`, enforced by `feed.api.limits` before the body is read), the texts
go through `Matcher.match_many` in one batch, and each document's matches come back grouped per
record exactly as `kpfeed match --json` prints them (`RecordMatches`). The matcher is the one
`feed.match.PublishedMatcher` keeps for the published directory, so a new publication is used
from the next request on, without a restart.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

import orjson
from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from feed.api.deps import AnyPrincipal
from feed.api.problems import PROBLEM_MEDIA_TYPE, ProblemDocument
from feed.match import Action, Matcher, PublishedMatcher, RecordMatches

__all__ = [
    "MAX_DOCUMENTS",
    "MatchRequest",
    "MatchResult",
    "get_published_matcher",
    "match_documents",
    "router",
]

#: Documents one request may carry; more texts go in more requests.
MAX_DOCUMENTS = 1000
#: Matches of one record in one document returned at most (a post that repeats a code ten
#: thousand times needs no ten thousand spans to be understood); `omitted_matches` counts the rest.
DEFAULT_MATCHES_PER_RECORD = 100
MAX_MATCHES_PER_RECORD = 1000

router = APIRouter(prefix="/api/v1", tags=["match"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchDocument(_In):
    """One text to search, with an optional reference of yours that comes back with its matches."""

    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Your reference for the document (a post id, say), echoed back.",
        examples=["post-81723"],
    )
    text: str = Field(description="The text to search (any length within the body limit).")


class MatchRequest(_In):
    """Text to search: one document as `text`, or several as `documents` (not both)."""

    text: str | None = Field(default=None, description="One document to search.")
    documents: list[MatchDocument] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_DOCUMENTS,
        description=f"Up to {MAX_DOCUMENTS} documents, searched in one batch; the answer keeps "
        "their order.",
    )
    max_matches_per_record: int = Field(
        default=DEFAULT_MATCHES_PER_RECORD,
        ge=1,
        le=MAX_MATCHES_PER_RECORD,
        description="Matches of one record in one document to return at most; the rest are "
        "counted in `omitted_matches`.",
    )

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.text is None) == (self.documents is None):
            raise ValueError("give either `text` (one document) or `documents` (a list), not both")
        return self

    def texts(self) -> list[tuple[str | None, str]]:
        """(reference, text) of each document, in order."""
        if self.documents is not None:
            return [(doc.id, doc.text) for doc in self.documents]
        assert self.text is not None
        return [(None, self.text)]


class MatchRelease(BaseModel):
    """The published release the matcher was compiled from."""

    version: str = Field(description="`YYYY.N`.", examples=["2022.2"])
    sequence: int = Field(description="Increases by one per release.", examples=[2])


class MatchedDocument(BaseModel):
    """The matches in one document, grouped per record (the `records` of `kpfeed match --json`)."""

    index: int = Field(ge=0, description="Position of the document in the request (0 for `text`).")
    id: str | None = Field(description="Your reference, as sent.")
    records: list[RecordMatches] = Field(
        description="Records whose indicators matched, in order of their first match; each with "
        "its matches (spans in code points of your text), guidance and `action`."
    )
    omitted_matches: int = Field(
        ge=0, description="Matches left out by `max_matches_per_record` (0: none)."
    )


class MatchResult(BaseModel):
    """Every document of the request, in order, with what matched in it."""

    release: MatchRelease | None = Field(
        description="The release matched against (null only for a matcher built from bare records)."
    )
    documents: list[MatchedDocument]
    matched: int = Field(ge=0, description="Documents with at least one match.")
    review: int = Field(
        ge=0, description="Documents with a record whose `action` is `review` (a person must look)."
    )


def _capped(records: list[RecordMatches], cap: int) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    omitted = 0
    for record in records:
        if len(record.matches) > cap:
            omitted += len(record.matches) - cap
            record = record.model_copy(update={"matches": record.matches[:cap]})
        out.append(record.model_dump(mode="json"))
    return out, omitted


def match_documents(matcher: Matcher, request: MatchRequest) -> dict[str, Any]:
    """The answer to a match request as plain JSON-ready data (no HTTP)."""
    texts = request.texts()
    documents: list[dict[str, Any]] = []
    matched = review = 0
    for index, ((ref, _), records) in enumerate(
        zip(texts, matcher.match_many(text for _, text in texts), strict=True)
    ):
        dumped, omitted = _capped(records, request.max_matches_per_record)
        matched += bool(records)
        review += any(r.action is Action.REVIEW for r in records)
        documents.append({"index": index, "id": ref, "records": dumped, "omitted_matches": omitted})
    release = matcher.release
    return {
        "release": {"version": release.version, "sequence": release.sequence} if release else None,
        "documents": documents,
        "matched": matched,
        "review": review,
    }


def get_published_matcher(request: Request) -> PublishedMatcher:
    """The process's matcher of the published directory (compiled once per publication)."""
    matcher: PublishedMatcher = request.app.state.matcher
    return matcher


PublishedMatcherDep = Annotated[PublishedMatcher, Depends(get_published_matcher)]

_PROBLEM = {"model": ProblemDocument, "content": {PROBLEM_MEDIA_TYPE: {}}}


def _problem(description: str) -> dict[str, Any]:
    return {**_PROBLEM, "description": description}


_GUIDANCE = {
    "signals": "Synthetic: signals support for the synthetic group when used as a greeting.",
    "benign_uses": ["Synthetic: an ordinary number in prices and dates."],
    "known_collisions": ["Synthetic: a product code."],
}
RESPONSE_EXAMPLE: dict[str, Any] = {
    "release": {"version": "2022.2", "sequence": 2},
    "documents": [
        {
            "index": 0,
            "id": "post-81723",
            "records": [
                {
                    "record_id": "symbol:synthetic-0000001",
                    "record_type": "symbol",
                    "name": "Synthetic symbol 0000001",
                    "ambiguity": "high",
                    "action": "review",
                    "guidance": {**_GUIDANCE, "ambiguity": "high"},
                    "matches": [
                        {
                            "record_id": "symbol:synthetic-0000001",
                            "start": 10,
                            "end": 15,
                            "text": "90 17",
                            "pattern": "9017",
                            "indicator": "numeric-code",
                            "pattern_kind": "numeric-code",
                            "note": "Synthetic number code.",
                            "ambiguity": "high",
                            "collision": None,
                            "action": "review",
                        }
                    ],
                }
            ],
            "omitted_matches": 0,
        },
        {"index": 1, "id": "post-81724", "records": [], "omitted_matches": 0},
    ],
    "matched": 1,
    "review": 1,
}

REQUEST_EXAMPLES: dict[str, Any] = {
    "one text": {
        "summary": "One document",
        "value": {"text": "greetings 90 17 to all"},
    },
    "documents": {
        "summary": "Several documents, with your references",
        "value": {
            "documents": [
                {"id": "post-81723", "text": "greetings 90 17 to all"},
                {"id": "post-81724", "text": "the bus leaves at 9:17"},
            ],
            "max_matches_per_record": 20,
        },
    },
}


@router.post(
    "/match",
    operation_id="match_text",
    summary="Find the catalogue's indicators in text",
    response_model=MatchResult,
    responses={
        200: {
            "description": "Every document, in order, with its matches grouped per record.",
            "content": {"application/json": {"example": RESPONSE_EXAMPLE}},
        },
        401: _problem("No valid token."),
        404: _problem("No release has been published yet."),
        413: _problem("The body exceeds KPFEED_MATCH_MAX_BODY_BYTES."),
        422: _problem("The request is malformed (located problems)."),
    },
)
def post_match(
    _caller: AnyPrincipal,
    published: PublishedMatcherDep,
    body: Annotated[MatchRequest, Body(openapi_examples=REQUEST_EXAMPLES)],
) -> Response:
    """Search text for the indicators of every record of the current published release: names,
    slogans, hashtags, numeric codes and known evasions, each under its own normalization
    (case, accents, look-alike letters, invisible characters, separators, leetspeak).

    The answer is the structure `kpfeed match --json` prints, per document: the records that
    matched, each with its matches (code-point spans into your text), its moderation guidance
    and an `action`: `automatic` (low ambiguity), `context` (medium) or `review` (high
    ambiguity, or a number that reads as a price or date): a person must look, never act
    automatically. Matching runs against the release published when the request arrives; the
    release is named in the answer. Any token holder may call it (it reveals nothing beyond the
    published package); the body is limited by `KPFEED_MATCH_MAX_BODY_BYTES`.
    """
    matcher = published.current()
    return Response(
        orjson.dumps(match_documents(matcher, body)),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
