"""`/feed/`: the published directory over HTTP, with strong ETags, gzip and cache headers."""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from feed.api.conditional import accepts_gzip, etag_matches, not_modified_since
from feed.api.deps import get_feed_reader
from feed.api.problems import PROBLEM_MEDIA_TYPE, library_problem, problem_response
from feed.api.published import PublishedFiles, Representation, safe_relative_path
from feed.errors import KpfeedError

_log = logging.getLogger("kpfeed.api")

__all__ = ["FEED_ROUTE", "OPENAPI_PATHS", "FeedFastPath", "routes"]


class _Prebuilt(Response):
    """A response whose headers were encoded when the file was loaded."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.raw_headers = headers
        self.body = body
        self.background = None


async def get_published_file(request: Request) -> Response:
    """Serve one published file; cache hits never leave the event loop."""
    # FastAPI's router names only its own routes in the scope; the access log and the metrics
    # want this one's template too.
    request.scope["route"] = FEED_ROUTE
    await get_feed_reader(request)
    files: PublishedFiles = request.app.state.published
    path = safe_relative_path(request.path_params["path"])
    st = files.stat_of(path)
    entry = files.cached(path, st)
    if entry is None:
        entry = await run_in_threadpool(files.load, path)
    headers = request.headers
    use_gzip = entry.gzip is not None and accepts_gzip(headers.get("accept-encoding"))
    rep: Representation = entry.gzip if use_gzip and entry.gzip else entry.identity
    if_none_match = headers.get("if-none-match")
    unchanged = (
        etag_matches(if_none_match, rep.etag)
        if if_none_match is not None
        else not_modified_since(headers.get("if-modified-since"), entry.mtime)
    )
    if unchanged:
        validators = entry.gzip_not_modified_headers if use_gzip else entry.not_modified_headers
        return _Prebuilt(304, list(validators), b"")
    if rep.body is None:
        return FileResponse(rep.file, headers={k.decode(): v.decode() for k, v in rep.headers})
    body = b"" if request.method == "HEAD" else rep.body
    return _Prebuilt(200, list(rep.headers), body)


class FeedFastPath:
    """`/feed/...` straight to the handler, past FastAPI's middleware stack and router.

    Serving a cached file costs a few microseconds; FastAPI's per-request machinery (its
    middleware, router and dependency resolution) costs many times that, and the feed is the
    hottest path by far. Errors still become problem documents, and `ObserveMiddleware`
    around this still counts and logs every request.
    """

    PREFIX = "/feed/"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self.app
        scope["path_params"] = {"path": scope["path"][len(self.PREFIX) :]}
        request = Request(scope, receive)
        if scope["method"] not in ("GET", "HEAD"):
            allow = {"Allow": "GET, HEAD"}
            await problem_response(405, instance=scope["path"], headers=allow)(scope, receive, send)
            return
        try:
            response = await get_published_file(request)
        except KpfeedError as error:
            response = library_problem(error, scope["path"])
        except Exception:  # the same last resort as the app's own handler
            _log.exception("unexpected error at %s", scope["path"])
            response = problem_response(
                500, detail="an unexpected error occurred; it has been logged"
            )
        await response(scope, receive, send)


# Also a plain Starlette route of the app, so the app answers /feed/ on its own (tests, routes
# listing) and the fast path above is an optimisation only. Documented by hand below.
FEED_ROUTE = Route("/feed/{path:path}", get_published_file, methods=["GET", "HEAD"])
routes = [FEED_ROUTE]

_PROBLEM = {
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}
}

#: The OpenAPI path item of `/feed/{path}`.
OPENAPI_PATHS: dict[str, Any] = {
    "/feed/{path}": {
        method: {
            "tags": ["feed"],
            "operationId": f"{method}_published_file",
            "summary": "A published file",
            "description": (
                "Any file of the published directory: `feed.json` (JSON Feed), `feed.atom`, "
                "`releases.json`, `releases.atom`, `package.json`, `releases/<version>/...`, "
                "`*.minisig` signatures, `minisign.pub`, `schemas/`, `tuf/`. The ETag is the "
                "SHA-256 of the bytes (`-gzip` appended for the gzip encoding); files under "
                "`releases/<version>/` are immutable. Needs a bearer token when the deployment "
                "restricts the feed."
            ),
            "parameters": [
                {
                    "name": "path",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "feed.json",
                },
                {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "The file.",
                    "content": {
                        "application/feed+json": {"schema": {"type": "object"}},
                        "application/atom+xml": {"schema": {"type": "string"}},
                        "application/json": {"schema": {}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                "304": {"description": "Not modified: the ETag in If-None-Match is current."},
                "401": {**_PROBLEM, "description": "The feed needs a token; none or a bad one."},
                "404": {**_PROBLEM, "description": "No such published file."},
            },
        }
        for method in ("get", "head")
    }
}
