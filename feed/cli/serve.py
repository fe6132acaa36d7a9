"""`kpfeed serve`: run the HTTP server (feeds, read API, feedback, editor API)."""

from __future__ import annotations

import click

from feed.cli.app import main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes. Several workers work on SQLite too (WAL mode); "
    "PostgreSQL is the production choice.",
)
@click.option(
    "--migrate/--no-migrate",
    "run_migrations",
    default=True,
    show_default=True,
    help="Bring the database schema up to date before serving.",
)
def serve(host: str, port: int, workers: int, run_migrations: bool) -> None:
    """Serve the published feed under /feed/ and the API under /api/v1 with uvicorn.

    Settings (database, published directory, token restriction) come from KPFEED_*
    environment variables. Logs are JSON lines on stderr, one per request.
    """
    from feed.api.server import serve as run_server

    run_server(host=host, port=port, workers=workers, run_migrations=run_migrations)
