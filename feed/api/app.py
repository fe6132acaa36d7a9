"""`create_app()`: the one FastAPI application, its lifespan, middleware and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from feed import __version__
from feed.api import (
    routes_editor_cycles,
    routes_editor_feedback,
    routes_editor_records,
    routes_editor_releases,
    routes_feed,
    routes_feedback,
    routes_match,
    routes_me,
    routes_ops,
    routes_records,
    routes_releases,
)
from feed.api.limits import BodyLimitMiddleware
from feed.api.observe import Metrics, ObserveMiddleware
from feed.api.openapi_extra import add_components
from feed.api.problems import ProblemDocument, install_problem_handlers
from feed.api.published import PublishedFiles
from feed.api.readmodel import ReadModel
from feed.api.routes_feed import FeedFastPath
from feed.config import Settings, get_settings
from feed.feedback.releases import PublishedReleases
from feed.match import PublishedMatcher
from feed.store.db import make_engine

__all__ = ["create_app"]

_REF = "#/components/schemas/{model}"

DESCRIPTION = """\
The EU Internet Forum Knowledge Package: published feeds, the read API over releases, and
(for organisations and editors) feedback and editorial work.

Authenticate with `Authorization: Bearer kpf_...`. Errors are RFC 9457 problem documents
(`application/problem+json`).
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One engine (and connection pool) per process, created here rather than at import so
    # that each uvicorn worker gets its own and tests get a fresh one per app.
    settings: Settings = app.state.settings
    app.state.engine = make_engine(settings.database_url)
    try:
        yield
    finally:
        app.state.engine.dispose()


class KpfeedApp(FastAPI):
    """FastAPI, with `/feed/` requests taken off before its middleware stack (see
    `feed.api.routes_feed.FeedFastPath`)."""

    feed_fast_path: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.feed_fast_path is not None
            and scope["type"] == "http"
            and scope["path"].startswith(FeedFastPath.PREFIX)
        ):
            await self.feed_fast_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The kpfeed server application for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    app = KpfeedApp(
        title="kpfeed",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.read_model = ReadModel()
    app.state.published_releases = PublishedReleases()
    app.state.published = PublishedFiles(
        settings.public_dir.absolute(),
        max_age=settings.feed_max_age,
        private=settings.feed_requires_token,
        gzip_dir=settings.data_dir.absolute() / "cache" / "feed-gzip",
        memory_budget=settings.feed_cache_bytes,
    )
    app.state.matcher = PublishedMatcher(settings.public_dir.absolute())
    install_problem_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        per_path={"/api/v1/match": settings.match_max_body_bytes},
    )
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)
    app.include_router(routes_ops.router)
    app.include_router(routes_me.router)
    app.include_router(routes_records.router)
    app.include_router(routes_releases.router)
    app.include_router(routes_feedback.router)
    app.include_router(routes_match.router)
    app.include_router(routes_editor_feedback.router)
    app.include_router(routes_editor_cycles.router)
    app.include_router(routes_editor_records.router)
    app.include_router(routes_editor_releases.router)
    app.router.routes.extend(routes_feed.routes)
    # The console is built on feed.api's modules; importing it here keeps the imports acyclic.
    from feed.console.install import install_console

    install_console(app)
    app.feed_fast_path = ObserveMiddleware(FeedFastPath(app), metrics=app.state.metrics)
    _document_extra_paths(app, routes_feed.OPENAPI_PATHS)
    add_components(app, routes_feedback.COMPONENTS)
    return app


def _document_extra_paths(app: FastAPI, paths: dict[str, Any]) -> None:
    """Add hand-written OpenAPI path items for routes that are plain Starlette routes."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema["paths"].update(paths)
            schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
                "ProblemDocument", ProblemDocument.model_json_schema(ref_template=_REF)
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
