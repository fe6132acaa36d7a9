"""Console: users' optional password (argon2id), console sessions; search index rebuilt.

Revision ID: console_0001
Revises: feedback_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "console_0001"
down_revision: str | None = "feedback_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(200), nullable=True))
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.String(16), nullable=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created", _when(), nullable=False),
        sa.Column("expires", _when(), nullable=False),
        sa.CheckConstraint(
            "(organisation_id IS NULL) <> (user_id IS NULL)", name="ck_console_sessions_one_owner"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name="fk_console_sessions_organisation_id"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_console_sessions_user_id"),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"], name="fk_console_sessions_token_id"),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    # The search key now also holds each record's numeric codes. The index is derived data,
    # refilled release by release the first time the read API or the console reads one.
    op.execute("DELETE FROM record_search")


def downgrade() -> None:
    op.drop_index("ix_console_sessions_user_id", "console_sessions")
    op.drop_table("console_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
