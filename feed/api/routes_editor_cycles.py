"""`/api/v1/editor/cycles`: editors create, open and close feedback cycles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from feed.api.deps import EditorPrincipal, SessionDep
from feed.api.feedback_schemas import CycleIn, CycleList, CycleOut
from feed.api.routes_editor_feedback import EDITOR_ONLY
from feed.api.routes_feedback import json_response, problem
from feed.feedback import close_cycle, create_cycle, cycle_view, open_cycle
from feed.feedback.cycles import CYCLE_NAME
from feed.store.feedback import get_cycle, list_cycles

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/editor", tags=["editor: feedback"])

CycleName = Annotated[str, Path(pattern=CYCLE_NAME, examples=["2022"])]


@router.get(
    "/cycles",
    operation_id="editor_list_cycles",
    summary="Feedback cycles",
    response_model=CycleList,
    responses=EDITOR_ONLY,
)
def get_cycles(_editor: EditorPrincipal, session: SessionDep) -> Response:
    """Every feedback cycle, by window start."""
    return json_response({"items": [cycle_view(row) for row in list_cycles(session)]})


@router.post(
    "/cycles",
    operation_id="editor_create_cycle",
    summary="Create a feedback cycle",
    status_code=201,
    response_model=CycleOut,
    responses={
        **EDITOR_ONLY,
        400: problem("The window or name is wrong."),
        409: problem("A cycle of that name exists."),
    },
)
def post_cycle(editor: EditorPrincipal, session: SessionDep, body: CycleIn) -> Response:
    """Plan a cycle, e.g. `2022` with a January-March window for an autumn release."""
    row = create_cycle(
        session,
        body.name,
        window_start=body.window_start,
        window_end=body.window_end,
        release_target=body.release_target,
        actor=editor.actor,
        token_id=editor.token_id,
    )
    return json_response(cycle_view(row), 201, Location=f"/api/v1/editor/cycles/{row.name}")


@router.get(
    "/cycles/{name}",
    operation_id="editor_get_cycle",
    summary="One feedback cycle",
    response_model=CycleOut,
    responses={**EDITOR_ONLY, 404: problem("No such cycle.")},
)
def get_one_cycle(_editor: EditorPrincipal, session: SessionDep, name: CycleName) -> Response:
    """A cycle and its state."""
    return json_response(cycle_view(get_cycle(session, name)))


@router.post(
    "/cycles/{name}/open",
    operation_id="editor_open_cycle",
    summary="Open a feedback cycle",
    response_model=CycleOut,
    responses={**EDITOR_ONLY, 404: problem("No such cycle."), 409: problem("Cannot open it.")},
)
def post_open(editor: EditorPrincipal, session: SessionDep, name: CycleName) -> Response:
    """Open a cycle: from its window start until its end, submissions join it."""
    row = open_cycle(session, name, actor=editor.actor, token_id=editor.token_id)
    return json_response(cycle_view(row))


@router.post(
    "/cycles/{name}/close",
    operation_id="editor_close_cycle",
    summary="Close a feedback cycle",
    response_model=CycleOut,
    responses={**EDITOR_ONLY, 404: problem("No such cycle."), 409: problem("It is not open.")},
)
def post_close(editor: EditorPrincipal, session: SessionDep, name: CycleName) -> Response:
    """Close a cycle: no more submissions join it."""
    row = close_cycle(session, name, actor=editor.actor, token_id=editor.token_id)
    return json_response(cycle_view(row))
