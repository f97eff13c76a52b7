"""The event store: appends witnessed events and reads streams and the operation log.

An append gives each event the next sequence number, the server time, the actor, role,
source IP and command id, stores its canonical JSON (RFC 8785) — the exact bytes that
become the Merkle leaf — and returns the witnessed events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql.tables import events
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent
from jianzheng.ledger.canonical import canonical_bytes


def _lot_of(stream: str, payload: dict[str, Any]) -> str | None:
    if stream.startswith("lot:"):
        return stream[4:]
    lot_id = payload.get("lot_id")
    return str(lot_id) if lot_id else None


def next_seq(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one()) + 1


def append(
    conn: sa.Connection, drafts: Sequence[EventDraft], envelope: Envelope
) -> tuple[list[WitnessedEvent], list[bytes]]:
    """Insert the drafts as witnessed events; return them with their leaf entries.

    The caller holds the write lock, so the sequence numbers are dense and unique.
    """
    seq = next_seq(conn)
    witnessed: list[WitnessedEvent] = []
    entries: list[bytes] = []
    rows = []
    for offset, draft in enumerate(drafts):
        event = WitnessedEvent(
            seq=seq + offset, time=envelope.time, actor=envelope.actor, role=envelope.role,
            source_ip=envelope.source_ip, command_id=envelope.command_id, type=draft.type,
            stream=draft.stream, payload=draft.payload, origin=envelope.origin,
        )
        entry_bytes = canonical_bytes(event.envelope())
        entries.append(entry_bytes)
        entry = entry_bytes.decode("utf-8")
        rows.append({
            "seq": event.seq, "time": format_instant(event.time), "actor": event.actor, "role": event.role,
            "source_ip": event.source_ip, "command_id": event.command_id, "type": event.type,
            "stream": event.stream, "origin": event.origin, "lot_id": _lot_of(event.stream, event.payload),
            "entry": entry,
        })
        witnessed.append(event)
    if rows:
        conn.execute(sa.insert(events), rows)
    return witnessed, entries


def from_entry(entry: str) -> WitnessedEvent:
    """Rebuild a witnessed event from its canonical JSON."""
    doc = json.loads(entry)
    return WitnessedEvent(
        seq=doc["seq"], time=parse_instant(doc["time"]), actor=doc["actor"], role=doc["role"],
        source_ip=doc["source_ip"], command_id=doc["command_id"], type=doc["type"], stream=doc["stream"],
        payload=doc["payload"], origin=doc.get("origin", "platform"),
    )


def load_stream(conn: sa.Connection, stream: str) -> list[WitnessedEvent]:
    rows = conn.execute(sa.select(events.c.entry).where(events.c.stream == stream).order_by(events.c.seq))
    return [from_entry(r.entry) for r in rows]


def iter_all(conn: sa.Connection, start: int = 1, batch: int = 5000) -> Iterator[tuple[int, str]]:
    """Every (seq, entry) in order, read in batches so a long ledger streams."""
    position = start
    while True:
        rows = conn.execute(
            sa.select(events.c.seq, events.c.entry).where(events.c.seq >= position)
            .order_by(events.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield int(row.seq), str(row.entry)
        position = int(rows[-1].seq) + 1


@dataclass(frozen=True)
class LogFilter:
    """Filters of the operation log (操作日志)."""

    lot_id: str | None = None
    actor: str | None = None
    role: str | None = None
    type: str | None = None
    since: str | None = None
    until: str | None = None
    stream: str | None = None
    limit: int = 100
    offset: int = 0


def query_log(conn: sa.Connection, f: LogFilter) -> tuple[int, list[WitnessedEvent]]:
    """The events matching the filter, newest first, with the total count."""
    conditions = []
    if f.lot_id:
        conditions.append(events.c.lot_id == f.lot_id)
    if f.actor:
        conditions.append(events.c.actor == f.actor)
    if f.role:
        conditions.append(events.c.role == f.role)
    if f.type:
        conditions.append(events.c.type.like(f.type.replace("*", "%")) if "*" in f.type else events.c.type == f.type)
    if f.since:
        conditions.append(events.c.time >= format_instant(parse_instant(f.since)))
    if f.until:
        conditions.append(events.c.time <= format_instant(parse_instant(f.until)))
    if f.stream:
        conditions.append(events.c.stream == f.stream)
    total = conn.execute(sa.select(sa.func.count()).select_from(events).where(*conditions)).scalar_one()
    rows = conn.execute(
        sa.select(events.c.entry).where(*conditions).order_by(events.c.seq.desc()).limit(f.limit).offset(f.offset)
    )
    return int(total), [from_entry(r.entry) for r in rows]
