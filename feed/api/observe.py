"""Request metrics (Prometheus) and one structured JSON log line per request.

A plain ASGI middleware rather than Starlette's `BaseHTTPMiddleware`, which would add a task
and a memory stream to every request (the feed must stay fast). The route is named by its
template (`/api/v1/records/{record_id}`), never by the concrete path, so label cardinality is
bounded; the principal by its id, never by its token.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from typing import Any, TextIO

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOG", "BackgroundStreamHandler", "JsonFormatter", "Metrics", "ObserveMiddleware"]

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


class BackgroundStreamHandler(logging.Handler):
    """Writes access-log lines on a thread of its own, everything else at once.

    A write and flush per request on the event loop would cost the feed a good share of its
    throughput, so `kpfeed.access` records only go on a queue that a thread writes out. Other
    records (startup, shutdown, errors) are rare and must not be lost when uvicorn ends the
    process by re-raising SIGTERM (no atexit runs then): they first write out whatever is
    queued, then themselves, in the caller's thread. Order is kept either way.
    """

    _STOP = object()

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kpfeed-log", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == ACCESS_LOG.name:
            self._queue.put(record)
            return
        with self._write_lock:
            self._drain()
            self._write(record)
            self.stream.flush()

    def _write(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + "\n")
        except Exception:  # a broken record must not stop logging
            self.handleError(record)

    def _drain(self) -> bool:
        """Write out what is queued; False once the stop marker has been taken."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return True
            if item is self._STOP:
                return False
            assert isinstance(item, logging.LogRecord)
            self._write(item)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            with self._write_lock:
                if item is self._STOP:
                    self.stream.flush()
                    return
                assert isinstance(item, logging.LogRecord)
                self._write(item)
                going_on = self._drain()
                self.stream.flush()
            if not going_on:
                return

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(self._STOP)
            self._thread.join(timeout=5)
        super().close()
