"""Request metrics (Prometheus) and one structured JSON log line per request.

A plain ASGI middleware rather than Starlette's `BaseHTTPMiddleware`, which would add a task
and a memory stream to every request (the feed must stay fast). The route is named by its
template (`/api/v1/records/{record_id}`), never by the concrete path, so label cardinality is
bounded; the principal by its id, never by its token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOG", "JsonFormatter", "Metrics", "ObserveMiddleware"]

ACCESS_LOG = logging.getLogger("kpfeed.access")

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The server's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "kpfeed_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "kpfeed_http_request_duration_seconds",
            "HTTP request duration by method, route template and status.",
            ["method", "route", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, str(status))
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(*key), self.duration.labels(*key))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's path template, or `unmatched` (404s must not explode the labels)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


class ObserveMiddleware:
    """Counts and times every HTTP request and writes its access log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - start
            method: str = scope["method"]
            route = route_template(scope)
            self.metrics.observe(method, route, status, seconds)
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                principal = state.get("principal")
                ACCESS_LOG.info(
                    "request",
                    extra={
                        "fields": {
                            "method": method,
                            "route": route,
                            "path": scope["path"],
                            "status": status,
                            "duration_ms": round(seconds * 1000, 3),
                            "principal": principal.ref if principal is not None else None,
                            "token_id": principal.token_id if principal is not None else None,
                        }
                    },
                )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update(fields)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()

    converter = time.gmtime  # type: ignore[assignment]
