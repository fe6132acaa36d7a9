"""Alembic environment: runs on the connection `feed.store.db.migrate` hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from feed.store.tables import full_metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, sa.Connection):
    raise RuntimeError("run migrations through feed.store.migrate(engine), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    # SQLite cannot ALTER most things; batch mode rebuilds tables when a later migration must.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
