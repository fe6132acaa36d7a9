"""`/api/v1/me`: who the presented token proves the caller to be."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from feed.accounts import Role
from feed.api.deps import CurrentPrincipal
from feed.api.problems import PROBLEM_MEDIA_TYPE, ProblemDocument

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class Me(BaseModel):
    """The caller, as its token proves it."""

    kind: str = Field(description="`organisation` or `user`.", examples=["organisation"])
    id: int = Field(description="Id of the organisation or user.", examples=[7])
    name: str = Field(description="Its name.", examples=["Example Platform Ltd"])
    role: Role = Field(description="Organisation kind or user role.", examples=["company"])
    token_id: str = Field(
        description="Public id of the token used (never the token).", examples=["3c10c45c5891b905"]
    )


@router.get(
    "/me",
    operation_id="get_me",
    summary="Who am I",
    responses={401: {"model": ProblemDocument, "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def get_me(principal: CurrentPrincipal) -> Me:
    """The organisation or user the bearer token belongs to."""
    return Me(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        role=principal.role,
        token_id=principal.token_id,
    )
