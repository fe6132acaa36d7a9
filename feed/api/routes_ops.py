"""Operations: liveness, readiness (the database answers and is migrated) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from feed.api.deps import EngineDep, SettingsDep
from feed.api.problems import PROBLEM_MEDIA_TYPE, ProblemDocument
from feed.store.db import check_ready

__all__ = ["router"]

router = APIRouter(tags=["operations"])

METRICS_EXAMPLE = """\
# HELP kpfeed_http_requests_total HTTP requests by method, route template and status.
# TYPE kpfeed_http_requests_total counter
kpfeed_http_requests_total{method="GET",route="/feed/{path}",status="200"} 1532.0
kpfeed_http_requests_total{method="GET",route="/feed/{path}",status="304"} 8410.0
"""


class Health(BaseModel):
    """The process answers."""

    status: str = Field(description="Always `ok`.", examples=["ok"])


class Readiness(BaseModel):
    """The process can serve: its database answers and has the schema this version needs."""

    status: str = Field(description="Always `ready`.", examples=["ready"])


@router.get("/healthz", operation_id="healthz", summary="Liveness")
async def healthz() -> Health:
    """200 as long as the process runs; touches nothing else."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness",
    responses={
        503: {
            "model": ProblemDocument,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": "The database cannot be reached or is not migrated.",
        }
    },
)
async def readyz(engine: EngineDep) -> Readiness:
    """200 when the database answers and is migrated, else a 503 problem document."""
    await run_in_threadpool(check_ready, engine)
    return Readiness(status="ready")


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format.",
            "content": {"text/plain": {"schema": {"type": "string"}, "example": METRICS_EXAMPLE}},
        }
    },
)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Request counts and latency by method, route template and status (text format 0.0.4)."""
    if settings.prometheus_multiproc_dir is not None:
        registry = CollectorRegistry()
        path = str(settings.prometheus_multiproc_dir)
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    else:
        registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
