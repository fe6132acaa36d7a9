"""Wiring the console into the app: its routers, static files, security headers, error pages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feed import errors
from feed.api.problems import status_for
from feed.console import (
    routes_auth,
    routes_catalogue,
    routes_dashboard,
    routes_editor,
    routes_feedback,
    routes_release_builder,
    routes_triage,
)
from feed.console.sessions import visit
from feed.console.web import PREFIX, page

__all__ = ["CONTENT_SECURITY_POLICY", "ConsoleHeaders", "install_console"]

_log = logging.getLogger("kpfeed.console")

#: No inline script or style, nothing from elsewhere, no framing, forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


class ConsoleHeaders:
    """Adds the console's security headers to every response under `/console` (error pages
    included), and `Cache-Control: no-store` to its pages, which may show private data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith(f"{PREFIX}/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


root = APIRouter(include_in_schema=False)


@root.get("/")
def to_console() -> Response:
    """The server's front page is the console."""
    return RedirectResponse(f"{PREFIX}/", status_code=307)


def _is_console(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


async def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    if not hasattr(request.state, "console_session"):
        try:
            await run_in_threadpool(visit, request)
        except errors.KpfeedError:
            request.state.console_session = None
    return page(request, "error.html", code=status, title=title, message=message)


def _sign_in_redirect(request: Request) -> Response:
    target = f"{PREFIX}/login"
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?" + urlencode({"next": here})
    return RedirectResponse(target, status_code=303)


_TITLES = {
    400: "Not understood",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible now",
    413: "Too large",
    422: "Not accepted",
    429: "Too many requests",
}

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _console_handler(api_handler: Handler, kind: str) -> Handler:
    """A handler that answers console requests with a page, others as the API does."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not _is_console(request):
            return await api_handler(request, exc)
        if isinstance(exc, errors.UnauthenticatedError):
            return _sign_in_redirect(request)
        if isinstance(exc, errors.KpfeedError):
            status = status_for(exc)
            if status >= 500:
                _log.error("console request failed: %s: %s", type(exc).__name__, exc)
                message = "Something went wrong on the server; it has been logged."
            else:
                message = str(exc)
            return await _error_page(request, status, _TITLES.get(status, "Error"), message)
        if isinstance(exc, RequestValidationError):
            # Only malformed paths and query strings get here (forms are read by the routes).
            in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
            status = 404 if in_path else 400
            message = "; ".join(
                f"{'/'.join(str(p) for p in err.get('loc', ())[1:])}: {err.get('msg')}"
                for err in exc.errors()
            )
            return await _error_page(request, status, _TITLES[status], message)
        if isinstance(exc, StarletteHTTPException):
            message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
            title = _TITLES.get(exc.status_code, "Error")
            return await _error_page(request, exc.status_code, title, message)
        _log.exception("unexpected error at %s", request.url.path, exc_info=exc)
        message = "Something went wrong on the server; it has been logged."
        return await _error_page(request, 500, "Error", message)

    handle.__name__ = f"console_or_api_{kind}"
    return handle


def install_console(app: FastAPI) -> None:
    """Add the console to `app` (after the API's problem handlers are installed)."""
    for router in (
        routes_auth.router,
        routes_catalogue.router,
        routes_feedback.router,
        routes_editor.router,
        routes_triage.router,
        routes_release_builder.router,
        routes_dashboard.router,
        root,
    ):
        app.include_router(router)
    app.mount(
        f"{PREFIX}/static",
        StaticFiles(packages=[("feed.console", "static")]),
        name="console-static",
    )
    handlers: dict[Any, Handler] = dict(app.exception_handlers)
    for key, handler in handlers.items():
        app.add_exception_handler(key, _console_handler(handler, getattr(key, "__name__", "x")))
    app.add_middleware(ConsoleHeaders)
