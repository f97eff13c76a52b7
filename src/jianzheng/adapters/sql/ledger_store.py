"""The Merkle node store on SQLAlchemy 2: batched reads and writes on the caller's connection.

:class:`SqlNodeStore` implements :class:`jianzheng.ledger.nodestore.NodeStore` on a
``Connection`` the caller owns, so appending events and their tree nodes happens in one
transaction: either the events and the nodes are all written, or none are. Reads fetch a
whole proof (up to ``2 * log2(size)`` nodes) in one query per chunk of addresses; writes go
in one ``executemany`` per chunk (psycopg 3 pipelines it, SQLite reuses one prepared
statement). Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.ledger.nodestore import NodeAddress, missing

# Keeps each SELECT well under SQLite's bound-parameter limit (32766 since 3.32).
_READ_CHUNK = 500
_WRITE_CHUNK = 10_000


class SqlNodeStore:
    """A node store on ``connection``; the caller begins and commits the transaction."""

    def __init__(self, connection: sa.Connection, table: sa.Table = ledger_nodes) -> None:
        self.connection = connection
        self.table = table

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        found: dict[NodeAddress, bytes] = {}
        wanted = list(dict.fromkeys(addresses))
        t = self.table
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            # Grouping by level gives "level = ? AND idx IN (...)" terms, which both
            # databases answer with primary-key range seeks.
            by_level: dict[int, list[int]] = {}
            for level, index in chunk:
                by_level.setdefault(level, []).append(index)
            condition = sa.or_(
                *(
                    sa.and_(t.c.level == level, t.c.idx.in_(indexes))
                    for level, indexes in by_level.items()
                )
            )
            query = sa.select(t.c.level, t.c.idx, t.c.hash).where(condition)
            for level, index, value in self.connection.execute(query):
                found[(level, index)] = bytes(value)
        try:
            return [found[a] for a in addresses]
        except KeyError as exc:
            raise missing(exc.args[0]) from exc

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None:
        rows = [{"level": level, "idx": index, "hash": value} for (level, index), value in nodes]
        statement = sa.insert(self.table)
        for start in range(0, len(rows), _WRITE_CHUNK):
            self.connection.execute(statement, rows[start : start + _WRITE_CHUNK])

    def node_count(self) -> int:
        """Return the number of stored nodes."""
        count = self.connection.execute(sa.select(sa.func.count()).select_from(self.table))
        return int(count.scalar_one())

    def leaf_count(self) -> int:
        """Return the number of leaves stored: the tree size on disk.

        Leaves are written densely from index 0, so this is the largest level-0 index
        plus one, found by a primary-key seek rather than a count.
        """
        query = sa.select(sa.func.max(self.table.c.idx)).where(self.table.c.level == 0)
        last = self.connection.execute(query).scalar_one()
        return 0 if last is None else int(last) + 1
