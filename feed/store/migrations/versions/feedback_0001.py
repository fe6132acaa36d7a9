"""Feedback: cycles, submissions, idempotency keys, rate counters and triage history.

Revision ID: feedback_0001
Revises: server_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "feedback_0001"
down_revision: str | None = "server_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_cycles",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("window_start", _when(), nullable=False),
        sa.Column("window_end", _when(), nullable=False),
        sa.Column("release_target", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("opened_at", _when(), nullable=True),
        sa.Column("closed_at", _when(), nullable=True),
        sa.CheckConstraint(
            "state IN ('planned', 'open', 'closed')", name="ck_feedback_cycles_state"
        ),
        sa.CheckConstraint("window_end > window_start", name="ck_feedback_cycles_window"),
        sa.PrimaryKeyConstraint("name", name="pk_feedback_cycles"),
    )
    one_open = sa.text("state = 'open'")
    op.create_index(
        "uq_feedback_cycles_open",
        "feedback_cycles",
        ["state"],
        unique=True,
        sqlite_where=one_open,
        postgresql_where=one_open,
    )
    op.create_table(
        "feedback_submissions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column("cycle", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("release", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=True),
        sa.Column("sighting_count", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("addressed_in", sa.String(16), nullable=True),
        sa.Column("change_record_id", sa.String(200), nullable=True),
        sa.Column("change_revision", sa.Integer(), nullable=True),
        sa.Column("retracted_by", sa.String(32), nullable=True),
        sa.Column("created", _when(), nullable=False),
        sa.Column("updated", _when(), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'under_review', 'accepted', 'declined')",
            name="ck_feedback_submissions_status",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_feedback_submissions_organisation_id",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["tokens.id"], name="fk_feedback_submissions_token_id"
        ),
        sa.ForeignKeyConstraint(
            ["cycle"], ["feedback_cycles.name"], name="fk_feedback_submissions_cycle"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_submissions"),
    )
    op.create_index(
        "ix_feedback_submissions_org_created",
        "feedback_submissions",
        ["organisation_id", "created", "id"],
    )
    op.create_index(
        "ix_feedback_submissions_cycle_record", "feedback_submissions", ["cycle", "record_id"]
    )
    op.create_index("ix_feedback_submissions_kind", "feedback_submissions", ["kind"])
    op.create_index("ix_feedback_submissions_record_id", "feedback_submissions", ["record_id"])
    op.create_index("ix_feedback_submissions_status", "feedback_submissions", ["status"])
    op.create_index("ix_feedback_submissions_created", "feedback_submissions", ["created"])
    op.create_table(
        "feedback_idempotency",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_feedback_idempotency_organisation_id",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["feedback_submissions.id"],
            name="fk_feedback_idempotency_submission_id",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "key", name="pk_feedback_idempotency"),
    )
    op.create_table(
        "feedback_rate",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name="fk_feedback_rate_organisation_id"
        ),
        sa.PrimaryKeyConstraint("organisation_id", "minute", name="pk_feedback_rate"),
    )
    op.create_table(
        "feedback_triage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("token_id", sa.String(16), nullable=True),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("addressed_in", sa.String(16), nullable=True),
        sa.Column("change_record_id", sa.String(200), nullable=True),
        sa.Column("change_revision", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["feedback_submissions.id"],
            name="fk_feedback_triage_submission_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_triage"),
    )
    op.create_index("ix_feedback_triage_submission_id", "feedback_triage", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_triage_submission_id", "feedback_triage")
    op.drop_table("feedback_triage")
    op.drop_table("feedback_rate")
    op.drop_table("feedback_idempotency")
    for name in (
        "ix_feedback_submissions_created",
        "ix_feedback_submissions_status",
        "ix_feedback_submissions_record_id",
        "ix_feedback_submissions_kind",
        "ix_feedback_submissions_cycle_record",
        "ix_feedback_submissions_org_created",
    ):
        op.drop_index(name, "feedback_submissions")
    op.drop_table("feedback_submissions")
    op.drop_index("uq_feedback_cycles_open", "feedback_cycles")
    op.drop_table("feedback_cycles")
