"""The SQL implementation of the services' Store port (SQLite and PostgreSQL).

A write session holds the append lock for its whole transaction: it reads the streams it
decides on, appends the events (event table, Merkle tree, read tables) and commits — or
rolls everything back, so a refused or failed command writes nothing.

Group commit. A durable commit waits for the disk (an fsync: about 2 ms here), and appends
are serialised anyway (one write lock per log), so commands from concurrent clients share
commits: the write sessions of one process run one after another inside one database
transaction, each in its own SAVEPOINT, and the last session of the group — the one that
finds no other session waiting, or the 32nd — commits for all. A refused or failed command
rolls back to its savepoint only, so it still writes nothing; a session returns only after
the commit that holds its events is durable (and raises if that commit failed), so a
receipt still means the record is on disk. Alone, a session commits at once as before.

The Merkle frontier (the perfect subtrees of the current tree, at most 64 hashes) is kept
in memory between appends, so an append computes its new nodes without reading the tree.
It is trusted only when its size equals the tree size read inside the transaction (the
number of events, under the write lock), so appends by another process are noticed and the
frontier is read again; it is adopted only by sessions that succeeded and kept only when
their group committed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import sqlalchemy as sa

from jianzheng.adapters.sql import driver, event_store, projections
from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.database import WRITE
from jianzheng.adapters.sql.desk_access import DeskAccess
from jianzheng.adapters.sql.expert_access import ExpertAccess
from jianzheng.adapters.sql.ledger_access import LedgerAccess
from jianzheng.adapters.sql.ledger_store import NODE_COLUMNS, SqlNodeStore, node_rows
from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.domain.calendar import parse_instant
from jianzheng.domain.context import PartyFacts
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent, lot_stream
from jianzheng.ledger import merkle
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.nodestore import NodeAddress, NodeStore

TABLES: dict[str, sa.Table] = {table.name: table for table in (*t.REPLAYED_TABLES, t.events)}
_KEYS = {"parties": "party_id", "persons": "person_id", "users": "user_id", "projects": "project_id",
         "lots": "lot_id", "bids": "bid_id", "deposits": "deposit_id", "objections": "objection_id",
         "complaints": "complaint_id", "alerts": "alert_id", "watchlist": "entry_id",
         "credit_records": "record_id"}


class Frontier(NamedTuple):
    """The perfect subtrees of the tree of ``size`` leaves, left to right (what an append reads)."""

    size: int
    hashes: tuple[bytes, ...]


class _FrontierFirst:
    """A node store that answers the frontier's addresses from memory and the rest from SQL."""

    def __init__(self, store: NodeStore, frontier: Frontier) -> None:
        self.store = store
        self.frontier = frontier
        self.addresses = merkle.range_addresses(0, frontier.size)

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        if list(addresses) == self.addresses:
            return list(self.frontier.hashes)
        return self.store.get_nodes(addresses)

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None:
        self.store.put_nodes(nodes)


class LedgerAppender:
    """Extends the Merkle tree with the new leaves inside the same transaction."""

    def extend(self, conn: sa.Connection, size: int, entries: list[bytes],
               frontier: Frontier | None = None) -> tuple[tuple[tuple[NodeAddress, bytes], ...], Frontier]:
        """The nodes that appending ``entries`` to a tree of ``size`` completes, and the new frontier.

        Writes nothing. ``frontier`` is used only if it is the frontier of a tree of exactly
        ``size`` leaves; otherwise the frontier is read from the node table.
        """
        sql = SqlNodeStore(conn)
        cached = frontier is not None and frontier.size == size
        source: NodeStore = _FrontierFirst(sql, frontier) if frontier is not None and cached else sql
        result = merkle.compute_append(source, size, [leaf_hash(e) for e in entries])
        # The new frontier's subtrees are old frontier subtrees or nodes this append completed.
        known = dict(result.nodes)
        if frontier is not None and cached:
            known.update(zip(merkle.range_addresses(0, size), frontier.hashes, strict=True))
        wanted = merkle.range_addresses(0, result.size)
        absent = [a for a in wanted if a not in known]
        if absent:
            known.update(zip(absent, sql.get_nodes(absent), strict=True))
        return result.nodes, Frontier(result.size, tuple(known[a] for a in wanted))

    def append(self, conn: sa.Connection, size: int, entries: list[bytes],
               frontier: Frontier | None = None) -> Frontier:
        """Append leaves for events seq size+1 ... (leaf index = seq - 1); return the new frontier."""
        nodes, after = self.extend(conn, size, entries, frontier)
        SqlNodeStore(conn).put_nodes(nodes)
        return after


class SqlWriteSession(LedgerAccess, DeskAccess, ExpertAccess):
    def __init__(self, conn: sa.Connection, ledger: LedgerAppender, frontier: Frontier | None = None) -> None:
        self.conn = conn
        self.ledger = ledger
        self.frontier = frontier  # the tree's frontier if known (see the module docstring); kept up to date

    def lot_events(self, lot_id: str) -> list[WitnessedEvent]:
        return event_store.load_stream(self.conn, lot_stream(lot_id))

    def party_facts(self, party_ids: Iterable[str]) -> dict[str, PartyFacts]:
        ids = sorted(set(party_ids))
        if not ids:
            return {}
        rows = self.conn.execute(sa.select(t.parties).where(t.parties.c.party_id.in_(ids))).mappings()
        sanctions = self.credit_sanctions(ids)
        return {r["party_id"]: PartyFacts(
            party_id=r["party_id"], name=r["name"], legal_representative_id=r["legal_representative_id"] or "",
            basic_account=r["basic_account"] or "",
            shareholders={s["holder_id"]: int(s["share_bp"]) for s in (r["shareholders"] or [])},
            sanctions=sanctions.get(r["party_id"], ()),
        ) for r in rows}

    def exists(self, kind: str, key: str) -> bool:
        # "username" looks a user up by name; every other kind by its table's key.
        column = t.users.c.username if kind == "username" else TABLES[kind].c[_KEYS[kind]]
        return self.conn.execute(sa.select(sa.literal(1)).where(column == key)).first() is not None

    def append(self, drafts: list[EventDraft], envelope: Envelope) -> list[WitnessedEvent]:
        witnessed = event_store.witness(drafts, envelope, event_store.next_seq(self.conn))
        if not witnessed:
            return witnessed
        entries = [event_store.canonical_entry(event.envelope()) for event in witnessed]
        nodes, frontier = self.ledger.extend(self.conn, witnessed[0].seq - 1, entries, self.frontier)
        texts = [entry.decode("utf-8") for entry in entries]
        if driver.marker(self.conn) is None:
            event_store.insert_rows(self.conn, witnessed, texts)
            SqlNodeStore(self.conn).put_nodes(nodes)
        else:
            # Events and their tree nodes in one statement: on PostgreSQL one round trip, not two.
            driver.insert_many(self.conn, [(ledger_nodes, NODE_COLUMNS, node_rows(nodes)),
                                           (t.events, event_store.COLUMNS, event_store.event_rows(witnessed, texts))])
        self.frontier = frontier
        for event in witnessed:
            projections.apply(self.conn, event)
        return witnessed

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.conn.execute(sa.delete(t.credentials).where(t.credentials.c.user_id == user_id))
        self.conn.execute(sa.insert(t.credentials).values(user_id=user_id, password_hash=password_hash))

    def store_token(self, token_id: str, token_hash: str, user_id: str, created_at: str, expires_at: str) -> None:
        self.conn.execute(sa.insert(t.api_tokens).values(token_id=token_id, token_hash=token_hash, user_id=user_id,
                                                         created_at=created_at, expires_at=expires_at, revoked=False))

    def revoke_token(self, token_id: str) -> None:
        self.conn.execute(sa.update(t.api_tokens).where(t.api_tokens.c.token_id == token_id).values(revoked=True))


class SqlReadSession(LedgerAccess, DeskAccess, ExpertAccess):
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _where(self, table: sa.Table, where: dict[str, Any] | None) -> list[Any]:
        conditions = []
        for name, value in (where or {}).items():
            column = table.c[name]
            if isinstance(value, (list, tuple, set, frozenset)):
                conditions.append(column.in_(list(value)))
            else:
                conditions.append(column == value)
        return conditions

    def row(self, table: str, key: str) -> dict[str, Any] | None:
        tbl = TABLES[table]
        found = self.conn.execute(sa.select(tbl).where(tbl.c[_KEYS[table]] == key)).mappings().first()
        return dict(found) if found else None

    def rows(self, table: str, where: dict[str, Any] | None = None, order_by: str | None = None,
             limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        tbl = TABLES[table]
        query = sa.select(tbl).where(*self._where(tbl, where))
        if order_by:
            descending = order_by.startswith("-")
            column = tbl.c[order_by.lstrip("-")]
            query = query.order_by(column.desc() if descending else column)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def count(self, table: str, where: dict[str, Any] | None = None) -> int:
        tbl = TABLES[table]
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(tbl)
                                     .where(*self._where(tbl, where))).scalar_one())

    def user_secret(self, username: str) -> tuple[dict[str, Any], str] | None:
        found = self.conn.execute(
            sa.select(t.users, t.credentials.c.password_hash)
            .join(t.credentials, t.credentials.c.user_id == t.users.c.user_id)
            .where(t.users.c.username == username)
        ).mappings().first()
        if found is None:
            return None
        row = dict(found)
        return row, str(row.pop("password_hash"))

    def token_user(self, token_hash: str, now: str) -> dict[str, Any] | None:
        found = self.conn.execute(
            sa.select(t.users).join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.user_id)
            .where(t.api_tokens.c.token_hash == token_hash, t.api_tokens.c.revoked.is_(False),
                   t.api_tokens.c.expires_at > now, t.users.c.disabled.is_(False))
        ).mappings().first()
        return dict(found) if found else None

    def log(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[int, list[WitnessedEvent]]:
        return event_store.query_log(self.conn, event_store.LogFilter(limit=limit, offset=offset, **filters))

    def lot_events(self, lot_id: str) -> list[WitnessedEvent]:
        return event_store.load_stream(self.conn, lot_stream(lot_id))


class _Group:
    """The write sessions sharing one transaction (one commit)."""

    def __init__(self, conn: sa.Connection, transaction: sa.RootTransaction, frontier: Frontier | None) -> None:
        self.conn = conn
        self.transaction = transaction
        self.frontier = frontier
        self.sessions = 0  # sessions that ran in it
        self.members = 0  # sessions that succeeded and wait for the commit
        self.broken: BaseException | None = None  # a savepoint could not be rolled back: roll back all
        self.error: BaseException | None = None  # the commit failed
        self.done = threading.Event()


# Plain SQL savepoints (the same name each time: sessions run one after another) cost a fraction
# of SQLAlchemy's nested-transaction objects on every command.
_SAVEPOINT = "jianzheng_session"


class GroupCommitError(RuntimeError):
    """The shared transaction this session's work was in did not commit: nothing was written."""


class SqlStore:
    session_class: type[SqlWriteSession] = SqlWriteSession
    max_group = 32  # sessions per commit at most, bounding how long the first one waits

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.ledger = LedgerAppender()
        self._mutex = threading.Lock()  # one write session at a time in this process
        self._queue_lock = threading.Lock()
        self._queued = 0  # sessions waiting for the mutex: while there are any, the group stays open
        self._owner: int | None = None
        self._group: _Group | None = None
        self._frontier: Frontier | None = None  # as of the last commit

    @contextmanager
    def write(self) -> Iterator[SqlWriteSession]:
        if self._owner == threading.get_ident():
            raise RuntimeError("a write session cannot be opened inside another on the same thread")
        with self._queue_lock:
            self._queued += 1
        self._mutex.acquire()
        with self._queue_lock:
            self._queued -= 1
        self._owner = threading.get_ident()
        try:
            group = self._group or self._open_group()
            # The first session of a group needs no savepoint: if it fails, the whole (otherwise
            # empty) transaction is rolled back. Later ones must not undo their predecessors.
            savepoint = group.sessions > 0
            if savepoint:
                group.conn.exec_driver_sql(f"SAVEPOINT {_SAVEPOINT}")
            group.sessions += 1
        except BaseException:
            self._abandon()
            raise
        session = self.session_class(group.conn, self.ledger, group.frontier)
        try:
            yield session
        except BaseException as failure:
            if not savepoint:
                group.broken = failure  # roll the transaction back; no other session is in it
            else:
                try:
                    group.conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")  # this command's work only
                    group.conn.exec_driver_sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
                except BaseException as exc:  # the connection is unusable: the whole group must roll back
                    group.broken = exc
            self._finish(group, succeeded=False)
            raise
        if savepoint:
            try:
                group.conn.exec_driver_sql(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            except BaseException as exc:
                group.broken = exc
                self._finish(group, succeeded=False)
                raise
        group.frontier, group.members = session.frontier, group.members + 1
        self._finish(group, succeeded=True)

    def _open_group(self) -> _Group:
        conn = self.engine.connect().execution_options(**{WRITE: True})
        try:
            transaction = conn.begin()  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the append advisory lock
        except BaseException:
            conn.close()
            raise
        self._group = _Group(conn, transaction, self._frontier)
        return self._group

    def _abandon(self) -> None:
        group, self._group = self._group, None
        if group is not None:
            group.broken = group.broken or RuntimeError("write session could not start")
            self._close(group)
        self._owner = None
        self._mutex.release()

    def _finish(self, group: _Group, succeeded: bool) -> None:
        """Commit the group now, or leave it open for the sessions queued behind this one."""
        with self._queue_lock:
            queued = self._queued
        if group.broken is None and queued and group.sessions < self.max_group:
            self._owner = None
            self._mutex.release()
            if succeeded:
                group.done.wait()
                if group.error is not None:
                    raise GroupCommitError("the shared commit failed; this command wrote nothing") from group.error
            return
        self._group = None
        try:
            self._close(group)
        finally:
            self._owner = None
            self._mutex.release()
        if succeeded and group.error is not None:
            raise group.error

    def _close(self, group: _Group) -> None:
        try:
            if group.broken is not None:
                group.error = group.broken
                group.transaction.rollback()  # the database is as at the last commit: the frontier still holds
            else:
                group.transaction.commit()
                self._frontier = group.frontier
        except BaseException as exc:
            group.error = group.error or exc
            self._frontier = None  # what the database holds now is unknown: read the tree again
        finally:
            group.conn.close()
            group.done.set()

    @contextmanager
    def read(self) -> Iterator[SqlReadSession]:
        with self.engine.connect() as conn, conn.begin():
            yield SqlReadSession(conn)


__all__ = ["SqlStore", "parse_instant"]
