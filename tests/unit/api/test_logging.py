"""Log lines are JSON objects, written off the event loop, all of them, in order."""

from __future__ import annotations

import io
import json
import logging

from feed.api.observe import BackgroundStreamHandler, JsonFormatter


def test_background_handler_writes_every_record_in_order_and_drains_on_close() -> None:
    stream = io.StringIO()
    handler = BackgroundStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("kpfeed.access")
    old_propagate, old_level = logger.propagate, logger.level
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for i in range(500):
            logger.info("request", extra={"fields": {"n": i, "route": "/feed/{path}"}})
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old_propagate, old_level
        handler.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["n"] for line in lines] == list(range(500))
    assert lines[0]["logger"] == "kpfeed.access"
    assert lines[0]["level"] == "info"
    assert lines[0]["time"].endswith("Z")


def test_other_records_are_written_at_once_after_the_queued_access_lines() -> None:
    stream = io.StringIO()
    handler = BackgroundStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.makeLogRecord({"name": "kpfeed.access", "msg": "request", "levelno": 20})
    shutdown = logging.makeLogRecord({"name": "uvicorn.error", "msg": "bye", "levelno": 20})
    try:
        for _ in range(50):
            handler.emit(access)
        handler.emit(shutdown)
        # no close(): the process may die right after this line (uvicorn re-raises SIGTERM)
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.close()
    assert len(lines) == 51
    assert lines[-1]["message"] == "bye"
