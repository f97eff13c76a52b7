"""The SQL implementation of the services' Store port (SQLite and PostgreSQL).

A write session holds the append lock for its whole transaction: it reads the streams it
decides on, appends the events (event table, Merkle tree, read tables) and commits — or
rolls everything back, so a refused or failed command writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql import event_store, projections
from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.database import WRITE
from jianzheng.adapters.sql.ledger_access import LedgerAccess
from jianzheng.adapters.sql.ledger_store import SqlNodeStore
from jianzheng.domain.calendar import parse_instant
from jianzheng.domain.context import PartyFacts
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent, lot_stream
from jianzheng.ledger import merkle
from jianzheng.ledger.hashing import leaf_hash

TABLES: dict[str, sa.Table] = {table.name: table for table in (*t.REPLAYED_TABLES, t.events)}
_KEYS = {"parties": "party_id", "persons": "person_id", "users": "user_id", "projects": "project_id",
         "lots": "lot_id", "bids": "bid_id", "deposits": "deposit_id", "objections": "objection_id",
         "complaints": "complaint_id"}


class LedgerAppender:
    """Extends the Merkle tree with the new leaves inside the same transaction."""

    def append(self, conn: sa.Connection, size: int, entries: list[bytes]) -> None:
        """Append leaves for events seq size+1 ... (leaf index = seq - 1)."""
        merkle.append(SqlNodeStore(conn), size, [leaf_hash(e) for e in entries])


class SqlWriteSession(LedgerAccess):
    def __init__(self, conn: sa.Connection, ledger: LedgerAppender) -> None:
        self.conn = conn
        self.ledger = ledger

    def lot_events(self, lot_id: str) -> list[WitnessedEvent]:
        return event_store.load_stream(self.conn, lot_stream(lot_id))

    def party_facts(self, party_ids: Iterable[str]) -> dict[str, PartyFacts]:
        ids = sorted(set(party_ids))
        if not ids:
            return {}
        rows = self.conn.execute(sa.select(t.parties).where(t.parties.c.party_id.in_(ids))).mappings()
        return {r["party_id"]: PartyFacts(
            party_id=r["party_id"], name=r["name"], legal_representative_id=r["legal_representative_id"] or "",
            basic_account=r["basic_account"] or "",
            shareholders={s["holder_id"]: int(s["share_bp"]) for s in (r["shareholders"] or [])},
        ) for r in rows}

    def exists(self, kind: str, key: str) -> bool:
        # "username" looks a user up by name; every other kind by its table's key.
        column = t.users.c.username if kind == "username" else TABLES[kind].c[_KEYS[kind]]
        return self.conn.execute(sa.select(sa.literal(1)).where(column == key)).first() is not None

    def append(self, drafts: list[EventDraft], envelope: Envelope) -> list[WitnessedEvent]:
        witnessed, entries = event_store.append(self.conn, drafts, envelope)
        if not witnessed:
            return witnessed
        self.ledger.append(self.conn, witnessed[0].seq - 1, entries)
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


class SqlReadSession(LedgerAccess):
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


class SqlStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.ledger = LedgerAppender()

    @contextmanager
    def write(self) -> Iterator[SqlWriteSession]:
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            yield SqlWriteSession(conn, self.ledger)

    @contextmanager
    def read(self) -> Iterator[SqlReadSession]:
        with self.engine.connect() as conn, conn.begin():
            yield SqlReadSession(conn)


__all__ = ["SqlStore", "parse_instant"]
