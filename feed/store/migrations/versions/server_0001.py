"""Server: organisations, users, bearer tokens (secrets as SHA-256) and the record search index.

Revision ID: server_0001
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "server_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created", _when(), nullable=False),
        sa.CheckConstraint("kind IN ('company', 'contributor')", name="ck_organisations_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("name", name="uq_organisations_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created", _when(), nullable=False),
        sa.CheckConstraint("role IN ('editor', 'publisher', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created", _when(), nullable=False),
        sa.Column("expires", _when(), nullable=True),
        sa.Column("revoked", _when(), nullable=True),
        sa.CheckConstraint(
            "(organisation_id IS NULL) <> (user_id IS NULL)", name="ck_tokens_one_owner"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name="fk_tokens_organisation_id"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tokens_user_id"),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
    )
    op.create_index("ix_tokens_organisation_id", "tokens", ["organisation_id"])
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "record_search",
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ambiguity", sa.String(16), nullable=False),
        sa.Column("ideologies", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "revision", name="pk_record_search"),
    )


def downgrade() -> None:
    op.drop_table("record_search")
    op.drop_index("ix_tokens_user_id", "tokens")
    op.drop_index("ix_tokens_organisation_id", "tokens")
    op.drop_table("tokens")
    op.drop_table("users")
    op.drop_table("organisations")
