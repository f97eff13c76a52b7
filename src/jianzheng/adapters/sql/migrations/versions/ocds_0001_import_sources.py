"""OCDS import: where each row came from, the lot's currency, and facts imported data may lack

Projects, lots, parties and bids get a ``source`` column ("platform", or "import:<publisher>"
for rows projected from imported OCDS data) and lots a ``currency``. A party imported from
OCDS has no unified social credit code, and an imported bid may have no published date or
content digest, so those columns become nullable.

Revision ID: ocds_0001
Revises: 0002
Create Date: 2026-11-22 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ocds_0001"
down_revision = "0002"
branch_labels = None
depends_on = None

SOURCE_TABLES = ("projects", "lots", "parties", "bids")


def _source() -> sa.Column[str]:
    return sa.Column("source", sa.String(length=128), nullable=False, server_default="platform")


def upgrade() -> None:
    for table in SOURCE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_source())
            batch_op.create_index(batch_op.f(f"ix_{table}_source"), ["source"], unique=False)
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.alter_column("credit_code", existing_type=sa.String(length=18), nullable=True)
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.alter_column("submitted_at", existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column("content_sha256", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("content_sm3", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.alter_column("content_sm3", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("content_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("submitted_at", existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.alter_column("credit_code", existing_type=sa.String(length=18), nullable=False)
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_column("currency")
    for table in reversed(SOURCE_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_source"))
            batch_op.drop_column("source")
