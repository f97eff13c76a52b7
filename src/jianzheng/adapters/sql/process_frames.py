"""The process facts the late-step and rule-warning indicators read, added to loaded frames.

`with_process_facts` adds to frames built from the database (`supervision_frames.load_frames`):

- on ``lots``: ``awarded_seq`` and ``contract_seq`` (the award and contract events),
  ``contract_signed_at``, and the lot's procedure periods ``contract_within_days`` (Law 46)
  and ``deposit_refund_within_days`` (Regs 57), from its procedure file;
- on ``deposits``: ``refunded_at`` and ``refund_seq`` (the refund event);
- the ``rule_warnings`` frame: every ``rule.warning`` event from the read table, its facts
  as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.domain.errors import Refusal
from jianzheng.domain.procedures import Procedure, load_procedure
from jianzheng.supervision.frames import ALL_SCHEMAS, UTC_DATETIME, Frames

_LOT_COLUMNS: dict[str, pl.DataType] = {
    "lot_id": pl.String(),
    "awarded_seq": pl.Int64(),
    "contract_signed_at": UTC_DATETIME,
    "contract_seq": pl.Int64(),
    "contract_within_days": pl.Int64(),
    "deposit_refund_within_days": pl.Int64(),
}
_DEPOSIT_COLUMNS: dict[str, pl.DataType] = {"deposit_id": pl.String(), "refunded_at": UTC_DATETIME,
                                            "refund_seq": pl.Int64()}


def _instant(text: str | None) -> Any:
    from jianzheng.domain.calendar import parse_instant

    return parse_instant(text) if text else None


def _latest_seqs(conn: sa.Connection, event_type: str, lot_ids: Sequence[str] | None) -> dict[str, int]:
    """The last event of a type per lot (a re-tendered lot may have several rounds)."""
    e = t.events.c
    query = sa.select(e.lot_id, sa.func.max(e.seq)).where(e.type == event_type).group_by(e.lot_id)
    if lot_ids is not None:
        query = query.where(e.lot_id.in_(list(lot_ids)))
    return {r[0]: int(r[1]) for r in conn.execute(query)}


def _procedure(code: str | None, directory: Path | None, cache: dict[str, Procedure | None]) -> Procedure | None:
    if not code:
        return None
    if code not in cache:
        try:
            cache[code] = load_procedure(code, directory)
        except Refusal:
            cache[code] = None  # an unknown procedure: the indicators' settings give the period
    return cache[code]


def with_process_facts(engine: sa.Engine, frames: Frames, lot_ids: Sequence[str] | None = None,
                       procedures_dir: Path | None = None) -> Frames:
    """`frames` with the process columns and the ``rule_warnings`` frame filled from the database."""
    wanted = sorted(set(lot_ids)) if lot_ids is not None else None
    with engine.connect() as conn:
        lot_query = sa.select(t.lots.c.lot_id, t.lots.c.procedure, t.lots.c.contract_signed_at)
        warning_query = sa.select(t.rule_warnings).order_by(t.rule_warnings.c.seq)
        deposit_query = sa.select(t.deposits.c.deposit_id, t.deposits.c.refunded_at).where(
            t.deposits.c.refunded_at.is_not(None))
        refund_query = sa.select(t.events.c.seq, t.events.c.entry).where(t.events.c.type == "lot.deposit_refunded")
        if wanted is not None:
            lot_query = lot_query.where(t.lots.c.lot_id.in_(wanted))
            warning_query = warning_query.where(t.rule_warnings.c.lot_id.in_(wanted))
            deposit_query = deposit_query.where(t.deposits.c.lot_id.in_(wanted))
            refund_query = refund_query.where(t.events.c.lot_id.in_(wanted))
        lots = [dict(r) for r in conn.execute(lot_query).mappings()]
        awarded = _latest_seqs(conn, "lot.awarded", wanted)
        contracted = _latest_seqs(conn, "lot.contract_signed", wanted)
        warnings = [dict(r) for r in conn.execute(warning_query).mappings()]
        refunded = [dict(r) for r in conn.execute(deposit_query).mappings()]
        refund_seqs = {json.loads(r["entry"])["payload"]["deposit_id"]: int(r["seq"])
                       for r in conn.execute(refund_query).mappings()}
    cache: dict[str, Procedure | None] = {}
    lot_rows = []
    for r in lots:
        procedure = _procedure(r["procedure"], procedures_dir, cache)
        lot_rows.append({
            "lot_id": r["lot_id"], "awarded_seq": awarded.get(r["lot_id"]),
            "contract_signed_at": _instant(r["contract_signed_at"]), "contract_seq": contracted.get(r["lot_id"]),
            "contract_within_days": procedure.periods.contract_within_days if procedure else None,
            "deposit_refund_within_days": procedure.periods.deposit_refund_within_days if procedure else None,
        })
    lot_facts = pl.DataFrame(lot_rows, schema=_LOT_COLUMNS, orient="row") if lot_rows else pl.DataFrame(
        schema=_LOT_COLUMNS)
    deposit_rows = [{"deposit_id": r["deposit_id"], "refunded_at": _instant(r["refunded_at"]),
                     "refund_seq": refund_seqs.get(r["deposit_id"])} for r in refunded]
    deposit_facts = (pl.DataFrame(deposit_rows, schema=_DEPOSIT_COLUMNS, orient="row") if deposit_rows
                     else pl.DataFrame(schema=_DEPOSIT_COLUMNS))
    warning_rows = [{"event_seq": int(w["seq"]), "lot_id": w["lot_id"], "rule": w["rule"], "article": w["article"],
                     "text_zh": w["text_zh"], "text_en": w["text_en"],
                     "facts": json.dumps(w["facts"] or {}, ensure_ascii=False, sort_keys=True),
                     "at": _instant(w["at"])} for w in warnings]
    schema = ALL_SCHEMAS["rule_warnings"]
    warning_frame = (pl.DataFrame(warning_rows, schema=schema, orient="row") if warning_rows
                     else pl.DataFrame(schema=schema))
    lots_frame = frames.lots.drop([c for c in _LOT_COLUMNS if c != "lot_id" and c in frames.lots.columns])
    deposits_frame = frames.deposits.drop([c for c in _DEPOSIT_COLUMNS if c != "deposit_id"
                                           and c in frames.deposits.columns])
    return replace(
        frames,
        lots=lots_frame.join(lot_facts, on="lot_id", how="left"),
        deposits=deposits_frame.join(deposit_facts, on="deposit_id", how="left"),
        rule_warnings=warning_frame,
    )
