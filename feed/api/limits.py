"""Request body size limit: 413 problem documents, before or while the body is read."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feed.api.problems import library_problem
from feed.errors import TooLargeError

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes`: by Content-Length up front, else by counting as they come.

    Counting covers chunked uploads that announce no length: on overflow the 413 is sent from
    here, the route is told the client disconnected, and whatever it answers is dropped.
    `per_path` gives some paths a limit of their own (the hosted matcher takes whole posts).
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = 0
                if announced > limit:
                    response = library_problem(self._error(limit), scope["path"])
                    await response(scope, receive, send)
                    return
        seen = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not started:
                    refused = True
                    await library_problem(self._error(limit), scope["path"])(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, guarded)

    @staticmethod
    def _error(limit: int) -> TooLargeError:
        return TooLargeError(f"the request body exceeds {limit} bytes")
