"""The Merkle node store on SQLAlchemy 2: batched reads and writes on the caller's connection.

:class:`SqlNodeStore` implements :class:`jianzheng.ledger.nodestore.NodeStore` on a
``Connection`` the caller owns, so appending events and their tree nodes happens in one
transaction: either the events and the nodes are all written, or none are. Reads fetch a
whole proof (up to ``2 * log2(size)`` nodes) in one query per chunk of addresses; writes go
in one ``executemany`` per chunk (psycopg 3 pipelines it, SQLite reuses one prepared
statement). On SQLite and PostgreSQL both go through the DBAPI cursor of the caller's
connection (same transaction) with hand-written SQL (:mod:`jianzheng.adapters.sql.driver`):
they run on every append and every proof, where SQLAlchemy's statement building cost
several times the query itself. Other dialects take the SQLAlchemy Core path.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from jianzheng.adapters.sql import driver
from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.ledger.nodestore import NodeAddress, missing

# Keeps each SELECT well under SQLite's bound-parameter limit (32766 since 3.32).
_READ_CHUNK = 500
_WRITE_CHUNK = 10_000


NODE_COLUMNS = ("level", "idx", "hash")


def node_rows(nodes: Sequence[tuple[NodeAddress, bytes]]) -> list[tuple[int, int, bytes]]:
    return [(level, index, value) for (level, index), value in nodes]


class SqlNodeStore:
    """A node store on ``connection``; the caller begins and commits the transaction."""

    def __init__(self, connection: sa.Connection, table: sa.Table = ledger_nodes) -> None:
        self.connection = connection
        self.table = table

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        found: dict[NodeAddress, bytes] = {}
        wanted = list(dict.fromkeys(addresses))
        placeholder = driver.marker(self.connection)
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            # Grouping by level gives "level = ? AND idx IN (...)" terms, which both
            # databases answer with primary-key range seeks.
            by_level: dict[int, list[int]] = {}
            for level, index in chunk:
                by_level.setdefault(level, []).append(index)
            if placeholder is None:
                self._select_core(by_level, found)
                continue
            terms, params = [], []
            for level, indexes in by_level.items():
                terms.append(f"(level = {placeholder} AND idx IN ({', '.join([placeholder] * len(indexes))}))")
                params += [level, *indexes]
            statement = (f"SELECT level, idx, hash FROM {driver.table_name(self.connection, self.table)} "
                         f"WHERE {' OR '.join(terms)}")
            for level, index, value in driver.fetchall(self.connection, statement, params):
                found[(int(level), int(index))] = bytes(value)
        try:
            return [found[a] for a in addresses]
        except KeyError as exc:
            raise missing(exc.args[0]) from exc

    def _select_core(self, by_level: dict[int, list[int]], found: dict[NodeAddress, bytes]) -> None:
        t = self.table
        condition = sa.or_(*(sa.and_(t.c.level == level, t.c.idx.in_(indexes)) for level, indexes in by_level.items()))
        for level, index, value in self.connection.execute(sa.select(t.c.level, t.c.idx, t.c.hash).where(condition)):
            found[(level, index)] = bytes(value)

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None:
        if not nodes:
            return
        placeholder = driver.marker(self.connection)
        if placeholder is None:
            rows = [{"level": level, "idx": index, "hash": value} for (level, index), value in nodes]
            insert = sa.insert(self.table)
            for start in range(0, len(rows), _WRITE_CHUNK):
                self.connection.execute(insert, rows[start : start + _WRITE_CHUNK])
            return
        driver.insert_many(self.connection, [(self.table, NODE_COLUMNS, node_rows(nodes))])

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
