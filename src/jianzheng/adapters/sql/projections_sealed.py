"""Projections of the opening hall's events onto the bids table (sealed bids)."""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.projections import _document, projects
from jianzheng.domain.events import WitnessedEvent


@projects("lot.bid_decrypted")
def _decrypted(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == p["bid_id"]).values(
        content_sha256=p["content_sha256"], content_sm3=p["content_sm3"], documents=p["documents"]))


@projects("lot.bid_decryption_failed")
def _decryption_failed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == e.payload["bid_id"]).values(
        status="failed_decryption", rejected_reason=e.payload["reason"]))


@projects("lot.opening_record_published")
def _opening_record(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _document(conn, e, "opening_record", e.payload["document"])
