"""Composite (column, seq) indexes on the event log; merges the desk and OCDS branches

Revision ID: 0004
Revises: 0003, ocds_0001
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = ("0003", "ocds_0001")
branch_labels = None
depends_on = None

COLUMNS = ("actor", "role", "type", "stream", "lot_id")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_events_{name}"))
            batch_op.create_index(f"ix_events_{name}_seq", [name, "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_index(f"ix_events_{name}_seq")
            batch_op.create_index(batch_op.f(f"ix_events_{name}"), [name], unique=False)
