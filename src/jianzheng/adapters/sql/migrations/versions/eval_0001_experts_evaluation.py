"""Experts and evaluation: the expert pool, draws, review telemetry, questions, deviation reasons, signatures

Revision ID: eval_0001
Revises: 0002
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "eval_0001"
down_revision = "0002"
branch_labels = None
depends_on = None


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "expert_profiles",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("employer_id", sa.String(length=64), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("unavailable_reason", sa.Text(), nullable=True),
        sa.Column("unavailable_until", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_expert_profiles")),
    )
    _index("expert_profiles", "region", "employer_id")
    op.create_table(
        "expert_draws",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.String(length=32), nullable=False),
        sa.Column("requested_seq", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("local_region", sa.String(length=6), nullable=False),
        sa.Column("evaluation_at", sa.String(length=32), nullable=False),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("drawn_at", sa.String(length=32), nullable=True),
        sa.Column("drawn_seq", sa.BigInteger(), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_expert_draws")),
    )
    _index("expert_draws", "lot_id")
    op.create_table(
        "expert_draw_picks",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reserve", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("request_id", "person_id", name=op.f("pk_expert_draw_picks")),
    )
    _index("expert_draw_picks", "lot_id")
    op.create_table(
        "review_page_views",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("bid_id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.String(length=64), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.String(length=32), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", "idx", name=op.f("pk_review_page_views")),
    )
    _index("review_page_views", "lot_id", "person_id", "bid_id")
    op.create_table(
        "evaluation_questions",
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("bid_id", sa.String(length=64), nullable=False),
        sa.Column("bidder_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("deadline", sa.String(length=32), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.String(length=32), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.String(length=32), nullable=True),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_evaluation_questions")),
    )
    _index("evaluation_questions", "lot_id", "bidder_id")
    op.create_table(
        "deviation_reasons",
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("bid_id", sa.String(length=64), nullable=False),
        sa.Column("factor", sa.String(length=64), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("others_mean", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", "person_id", "bid_id", "factor", name=op.f("pk_deviation_reasons")),
    )
    op.create_table(
        "report_signatures",
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", "person_id", "round", name=op.f("pk_report_signatures")),
    )
    op.create_table(
        "price_decisions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("lot_id", sa.String(length=64), nullable=False),
        sa.Column("bid_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_price_decisions")),
    )
    _index("price_decisions", "lot_id")


def downgrade() -> None:
    for table in ("price_decisions", "report_signatures", "deviation_reasons", "evaluation_questions",
                  "review_page_views", "expert_draw_picks", "expert_draws", "expert_profiles"):
        op.drop_table(table)
