"""Run the app with uvicorn: JSON log lines, migrations once, metrics pooled across workers."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import uvicorn

from feed.config import get_settings
from feed.store.db import make_engine, migrate

__all__ = ["LOG_CONFIG", "serve"]

#: JSON lines on stderr for kpfeed's and uvicorn's loggers; uvicorn's own access log is off
#: because `feed.api.observe` writes a richer one (route template, principal id, duration).
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "feed.api.observe.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "feed.api.observe.BackgroundStreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "kpfeed": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
    },
}


def serve(*, host: str, port: int, workers: int, run_migrations: bool = True) -> None:
    """Serve kpfeed until interrupted.

    Migrations run here, once, before any worker starts, so workers never race to migrate.
    Several workers share one SQLite file safely (WAL mode, busy timeout) or one PostgreSQL;
    each worker opens its own engine in the app's lifespan.
    """
    settings = get_settings()
    if run_migrations:
        engine = make_engine(settings.database_url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
    metrics_dir: str | None = None
    if workers > 1 and settings.prometheus_multiproc_dir is None:
        # prometheus_client reads this variable itself when a worker imports it; set it before
        # the workers are spawned so /metrics adds up every worker's counts. The folder is ours
        # and holds only this run's counters: it goes when the server stops.
        metrics_dir = tempfile.mkdtemp(prefix="kpfeed-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        get_settings.cache_clear()
    try:
        _run(host=host, port=port, workers=workers)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _run(*, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "feed.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=LOG_CONFIG,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        # A worker spawns a fresh interpreter and imports the app before answering uvicorn's
        # health check; on a busy machine that can take longer than uvicorn's 5 s default,
        # and the supervisor would then kill and respawn workers forever.
        timeout_worker_healthcheck=30,
    )
