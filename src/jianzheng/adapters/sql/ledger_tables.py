"""Tables of the Merkle tree's node store: one immutable row per perfect subtree.

``ledger_nodes(level, idx, hash)``: node ``(level, idx)`` is the root hash of leaves
``[idx * 2**level, (idx + 1) * 2**level)`` (see :mod:`jianzheng.ledger.nodestore` for why
single nodes rather than C2SP tiles). The composite primary key is the only index needed:
every read is a batch of exact addresses. On SQLite the table is ``WITHOUT ROWID`` so the
rows live in the primary-key B-tree itself (a third smaller, no second lookup).

Rows are append-only at the database level: triggers refuse UPDATE and DELETE on SQLite
and PostgreSQL, so even a platform operator with SQL access cannot quietly rewrite a node
(and a rewrite of the event log would still fail at the witnesses).
"""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql.metadata import metadata

ledger_nodes = sa.Table(
    "ledger_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.CheckConstraint("level >= 0 AND level < 64", name="level_range"),
    sa.CheckConstraint("idx >= 0", name="idx_nonnegative"),
    sqlite_with_rowid=False,
)


def _ddl(statement: str) -> sa.DDL:
    # SQLAlchemy's DDL constructor lacks annotations; wrap it once for mypy --strict.
    return sa.DDL(statement)  # type: ignore[no-untyped-call]


_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_nodes_no_{op.lower()}
    BEFORE {op} ON ledger_nodes
    BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only / 账本节点表只允许追加'); END"""
    for op in ("UPDATE", "DELETE")
]

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_nodes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_nodes is append-only / 账本节点表只允许追加';
END $$ LANGUAGE plpgsql"""

_POSTGRES_TRIGGER = """
CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
ON ledger_nodes FOR EACH STATEMENT EXECUTE FUNCTION ledger_nodes_append_only()"""

for _statement in _SQLITE_TRIGGERS:
    sa.event.listen(ledger_nodes, "after_create", _ddl(_statement).execute_if(dialect="sqlite"))
for _statement in (_POSTGRES_FUNCTION, _POSTGRES_TRIGGER):
    sa.event.listen(ledger_nodes, "after_create", _ddl(_statement).execute_if(dialect="postgresql"))

# Signed checkpoints the platform made, in order. ``note`` is the whole signed note (the
# C2SP checkpoint body and the platform's signature lines) exactly as it was signed.
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("checkpoint_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False, unique=True),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
)

# Cosignatures witnesses returned for a checkpoint: one C2SP tlog-cosignature line each.
cosignatures = sa.Table(
    "cosignatures",
    metadata,
    sa.Column("checkpoint_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("witness", sa.String(256), primary_key=True),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("line", sa.Text, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.String(32), nullable=False),
)
