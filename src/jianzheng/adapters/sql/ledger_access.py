"""Reads and writes of the witness ledger on one SQL connection: tree, leaves, proofs, checkpoints.

The leaves are the events' stored canonical JSON (leaf index = seq - 1); the tree's nodes
are in ``ledger_nodes``; checkpoints and cosignatures in their own append-only tables. Both
session kinds of the SQL store mix this in, so a checkpoint is taken under the same write
lock that orders appends.
"""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql.ledger_store import SqlNodeStore
from jianzheng.adapters.sql.ledger_tables import checkpoints as checkpoint_table
from jianzheng.adapters.sql.ledger_tables import cosignatures as cosignature_table
from jianzheng.adapters.sql.tables import events
from jianzheng.domain.errors import invalid
from jianzheng.ledger import merkle, proofs
from jianzheng.services.ports import StoredCheckpoint, StoredCosignature

MAX_LEAVES_PER_READ = 10_000


def _check_size(size: int, tree_size: int, what: str = "size") -> None:
    if size < 0 or size > tree_size:
        raise invalid(what, f"树大小 {size} 超出范围 0…{tree_size}", f"Tree size {size} is outside 0…{tree_size}")


class LedgerAccess:
    """Mixin for a session that has ``self.conn``."""

    conn: sa.Connection

    def tree_size(self) -> int:
        return SqlNodeStore(self.conn).leaf_count()

    def tree_root(self, size: int) -> bytes:
        _check_size(size, self.tree_size())
        return merkle.root(SqlNodeStore(self.conn), size)

    def leaves(self, start: int, end: int) -> list[bytes]:
        """The leaf entries with indexes start ≤ i < end (at most MAX_LEAVES_PER_READ)."""
        size = self.tree_size()
        if start < 0 or end < start or end > size:
            raise invalid("range", f"叶子范围 [{start}, {end}) 无效（树大小 {size}）",
                          f"Leaf range [{start}, {end}) is invalid (tree size {size})")
        if end - start > MAX_LEAVES_PER_READ:
            raise invalid("range", f"一次最多读取 {MAX_LEAVES_PER_READ} 个叶子",
                          f"At most {MAX_LEAVES_PER_READ} leaves per read")
        rows = self.conn.execute(sa.select(events.c.entry).where(events.c.seq > start, events.c.seq <= end)
                                 .order_by(events.c.seq))
        return [r.entry.encode("utf-8") for r in rows]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        _check_size(size, self.tree_size())
        if not 0 <= index < size:
            raise invalid("index", f"叶子序号 {index} 不在树大小 {size} 之内",
                          f"Leaf index {index} is not within tree size {size}")
        return proofs.inclusion_proof(SqlNodeStore(self.conn), index, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        _check_size(new_size, self.tree_size(), "new_size")
        if not 0 <= old_size <= new_size:
            raise invalid("old_size", f"旧树大小 {old_size} 应在 0…{new_size} 之间",
                          f"The old size {old_size} must be within 0…{new_size}")
        return proofs.consistency_proof(SqlNodeStore(self.conn), old_size, new_size)

    def _with_cosignatures(self, rows: list[sa.RowMapping]) -> list[StoredCheckpoint]:
        if not rows:
            return []
        ids = [r["checkpoint_id"] for r in rows]
        found: dict[int, list[StoredCosignature]] = {}
        query = (sa.select(cosignature_table).where(cosignature_table.c.checkpoint_id.in_(ids))
                 .order_by(cosignature_table.c.witness))
        for c in self.conn.execute(query).mappings():
            found.setdefault(c["checkpoint_id"], []).append(StoredCosignature(
                c["witness"], c["key_id"], c["line"], int(c["timestamp"]), c["received_at"]))
        return [StoredCheckpoint(r["checkpoint_id"], int(r["tree_size"]), bytes(r["root_hash"]), r["note"],
                                 r["created_at"], r["reason"], tuple(found.get(r["checkpoint_id"], ())))
                for r in rows]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self.conn.execute(sa.select(checkpoint_table).order_by(checkpoint_table.c.tree_size.desc())
                                .limit(1)).mappings().first()
        found = self._with_cosignatures([row] if row else [])
        return found[0] if found else None

    def checkpoint_by_size(self, size: int) -> StoredCheckpoint | None:
        row = self.conn.execute(sa.select(checkpoint_table).where(checkpoint_table.c.tree_size == size)
                                ).mappings().first()
        found = self._with_cosignatures([row] if row else [])
        return found[0] if found else None

    def checkpoints(self, limit: int, offset: int = 0) -> list[StoredCheckpoint]:
        rows = list(self.conn.execute(sa.select(checkpoint_table).order_by(checkpoint_table.c.tree_size.desc())
                                      .limit(limit).offset(offset)).mappings())
        return self._with_cosignatures(rows)

    def checkpoint_count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(checkpoint_table)).scalar_one())

    def add_checkpoint(self, tree_size: int, root_hash: bytes, note: str, created_at: str,
                       reason: str) -> StoredCheckpoint:
        result = self.conn.execute(sa.insert(checkpoint_table).values(
            tree_size=tree_size, root_hash=root_hash, note=note, created_at=created_at, reason=reason))
        key = result.inserted_primary_key
        assert key is not None
        return StoredCheckpoint(int(key[0]), tree_size, root_hash, note, created_at, reason)

    def add_cosignature(self, checkpoint_id: int, cosignature: StoredCosignature) -> None:
        self.conn.execute(sa.insert(cosignature_table).values(
            checkpoint_id=checkpoint_id, witness=cosignature.witness, key_id=cosignature.key_id,
            line=cosignature.line, timestamp=cosignature.timestamp, received_at=cosignature.received_at))
