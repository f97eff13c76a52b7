"""The supervision frames built from the platform's read tables, the event log and the blob store.

`load_frames` reads the tables the projections keep (lots, bids, deposits, parties, persons,
lot documents) and turns them into the frame contract of `jianzheng.supervision.frames`:
the four frames every indicator reads and the optional ones the collusion indicators need.
Every row keeps the sequence number of the witnessed event behind it, taken from the event
log: the submission of a bid, the opening that published it, the deposit payment, the
registration of a party or person, the award. A bid's content (representative, project
manager and key staff, bill of quantities, technical proposal) is read from the blob store
only for bids that have been opened — before the opening the platform must not look.

A sealed bid (封标) is read through its ``lot.bid_decrypted`` event, which names the plaintext
content and documents; before that only its envelope is stored and nothing of it is read.

Mapping of the platform's bid statuses to the frame's: ``opened`` → valid, ``rejected`` →
disqualified, ``submitted`` → pending, ``withdrawn`` and ``closed`` (a round that failed and
was re-tendered) → withdrawn; a ``replaced`` version is left out (its replacement counts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl
import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.process_frames import with_process_facts
from jianzheng.supervision.frames import (
    ALL_SCHEMAS,
    FINGERPRINT_FIELDS,
    OPTIONAL_SCHEMAS,
    Frames,
    validate_frames,
)

STATUS = {
    "opened": "valid",
    "rejected": "disqualified",
    "submitted": "pending",
    "withdrawn": "withdrawn",
    "closed": "withdrawn",
}
TEXT_MEDIA = ("text/", "application/json", "application/xml")
MAX_TEXT_BYTES = 5 * 1024 * 1024
CONTENT_BATCH = 500

# progress(phase, done, total): phases are "tables", "contents", "documents".
Progress = Callable[[str, int, int], None]


class BlobReader(Protocol):
    def get(self, sha256: str) -> bytes: ...


@dataclass
class LoadedFrames:
    """The frames, and what could not be read (each note in Chinese and English)."""

    frames: Frames
    notes: list[str] = field(default_factory=list)


def _rows(conn: sa.Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings()]


def _frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _instant(column: str) -> pl.Expr:
    """The read tables' UTC ISO strings (``2026-03-02T01:00:00.000Z``) as UTC datetimes."""
    return (
        pl.col(column)
        .str.replace(r"Z$", "+00:00")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", strict=False)
        .dt.cast_time_unit("us")
        .alias(column)
    )


def _by_lot(query: sa.Select[Any], column: sa.ColumnElement[Any], lot_ids: Sequence[str] | None) -> sa.Select[Any]:
    return query.where(column.in_(list(lot_ids))) if lot_ids is not None else query


def _event_seqs(conn: sa.Connection, event_type: str, lot_ids: Sequence[str] | None) -> pl.DataFrame:
    query = _by_lot(
        sa.select(t.events.c.seq, t.events.c.lot_id).where(t.events.c.type == event_type), t.events.c.lot_id, lot_ids
    )
    return _frame(_rows(conn, query), {"seq": pl.Int64(), "lot_id": pl.String()})


def _payloads(conn: sa.Connection, event_type: str, lot_ids: Sequence[str] | None) -> list[tuple[int, str, Any]]:
    query = _by_lot(
        sa.select(t.events.c.seq, t.events.c.lot_id, t.events.c.entry).where(t.events.c.type == event_type),
        t.events.c.lot_id,
        lot_ids,
    )
    return [(int(r["seq"]), r["lot_id"], json.loads(r["entry"])["payload"]) for r in conn.execute(query).mappings()]


def _stream_seqs(conn: sa.Connection, event_type: str, prefix: str) -> dict[str, int]:
    query = sa.select(t.events.c.seq, t.events.c.stream).where(t.events.c.type == event_type)
    return {r["stream"][len(prefix):]: int(r["seq"]) for r in conn.execute(query).mappings()}


def load_frames(
    engine: sa.Engine,
    blobs: BlobReader | None,
    lot_ids: Iterable[str] | None = None,
    progress: Progress | None = None,
    read_contents: bool = True,
) -> LoadedFrames:
    """Build every supervision frame from the database (all lots, or the ones given).

    Registries (parties, persons, shareholders) are always whole: relations cross lots.
    ``blobs`` is the blob store; without it, or with ``read_contents`` false, the frames
    carry no bid contents (fingerprints and upload addresses are in the submission events
    and are always there).
    """
    wanted = sorted(set(lot_ids)) if lot_ids is not None else None
    notes: list[str] = []
    report = progress or (lambda phase, done, total: None)
    with engine.connect() as conn:
        report("tables", 0, 6)
        lots = _rows(conn, _by_lot(sa.select(t.lots), t.lots.c.lot_id, wanted))
        bids = _rows(conn, _by_lot(sa.select(t.bids).where(t.bids.c.status != "replaced"), t.bids.c.lot_id, wanted))
        report("tables", 1, 6)
        deposits = _rows(conn, _by_lot(sa.select(t.deposits), t.deposits.c.lot_id, wanted))
        parties = _rows(conn, sa.select(t.parties))
        persons = _rows(conn, sa.select(t.persons))
        report("tables", 2, 6)
        documents = _rows(
            conn,
            _by_lot(
                sa.select(t.lot_documents).where(t.lot_documents.c.kind.in_(("tender", "clarification"))),
                t.lot_documents.c.lot_id,
                wanted,
            ),
        )
        opened = _event_seqs(conn, "lot.opened", wanted)
        awarded = _event_seqs(conn, "lot.awarded", wanted)
        report("tables", 3, 6)
        deposit_seqs = {p["deposit_id"]: seq for seq, _, p in _payloads(conn, "lot.deposit_paid", wanted)}
        # A sealed bid's stored digest is its envelope's until the bidder releases the key; the
        # decryption event names the plaintext content and documents.
        decrypted = {p["bid_id"]: p for _, _, p in _payloads(conn, "lot.bid_decrypted", wanted)}
        retenders = [(lot, seq, int(p["round"])) for seq, lot, p in _payloads(conn, "lot.retendered", wanted)]
        report("tables", 4, 6)
        party_seqs = _stream_seqs(conn, "party.registered", "party:")
        person_seqs = _stream_seqs(conn, "person.registered", "person:")
        report("tables", 5, 6)
    frames_lots = _lots_frame(lots)
    for bid in bids:
        plain = decrypted.get(bid["bid_id"])
        if plain is not None:
            bid["content_sha256"] = plain["content_sha256"]
            bid["documents"] = plain.get("documents") or []
    bid_frame = _bids_frame(bids, lots, opened)
    awards = _awards_frame(lots, bid_frame, awarded)
    parties_frame, shareholders = _parties_frames(parties, party_seqs)
    persons_frame = _frame(
        [{**{k: p.get(k) for k in ("person_id", "name", "employer_id", "phone", "email")},
          "event_seq": person_seqs.get(p["person_id"])} for p in persons],
        ALL_SCHEMAS["persons"],
    )
    deposits_frame = _deposits_frame(deposits, deposit_seqs, retenders)
    report("tables", 6, 6)
    contents: dict[str, dict[str, Any]] = {}
    texts: list[dict[str, Any]] = []
    bid_texts: dict[str, str] = {}
    if blobs is not None and read_contents:
        contents = _read_contents(blobs, bid_frame, bids, notes, report)
        bid_texts = _read_bid_documents(blobs, bid_frame, bids, notes)
        texts = _read_documents(blobs, documents, notes, report)
    details, staff, boq = _content_frames(bids, bid_frame, contents, bid_texts)
    frames = Frames(
        lots=frames_lots,
        bids=bid_frame.drop("round", "opened_seq", "content_sha256"),
        awards=awards,
        parties=parties_frame,
        bid_details=details,
        bid_staff=staff,
        boq_lines=boq,
        deposits=deposits_frame,
        persons=persons_frame,
        shareholders=shareholders,
        tender_texts=_frame(texts, ALL_SCHEMAS["tender_texts"]),
    )
    # The process warnings' facts (contracts, refunds, rule warnings): adapters/sql/process_frames.py.
    frames = with_process_facts(engine, frames, wanted)
    return LoadedFrames(validate_frames(frames), notes)


def _method(procedure: str | None) -> str | None:
    if not procedure:
        return None
    for word, method in (("open", "open"), ("selective", "selective"), ("invite", "selective"),
                         ("limited", "limited"), ("direct", "direct")):
        if word in procedure:
            return method
    return None


def _lots_frame(lots: list[dict[str, Any]]) -> pl.DataFrame:
    rows = [
        {
            "lot_id": r["lot_id"],
            "project_id": r["project_id"],
            "title": r["name"],
            "category": r["category"],
            "procurement_method": _method(r["procedure"]),
            "estimated_price_fen": r["estimated_price_fen"],
            "currency": "CNY",
            "tender_start": r["sale_start"] or r["announced_at"],
            "bid_deadline": r["bid_deadline"],
            "opened_at": r["opened_at"],
            "awarded_at": r["awarded_at"],
            "tenderer_id": r["tenderer_id"],
            "agency_id": r["agency_id"],
            "stage": r["stage"],
            "state_funded": bool(r["state_funded"]),
            "source": "platform",
            "event_seq": r["last_seq"],
            "procurement_method_details": r["procedure"],
        }
        for r in lots
    ]
    schema = {**ALL_SCHEMAS["lots"], **OPTIONAL_SCHEMAS["lots"]}
    text_schema = {**schema, **{c: pl.String() for c in ("tender_start", "bid_deadline", "opened_at", "awarded_at")}}
    frame = _frame(rows, text_schema)
    return frame.with_columns(_instant(c) for c in ("tender_start", "bid_deadline", "opened_at", "awarded_at"))


def _bids_frame(bids: list[dict[str, Any]], lots: list[dict[str, Any]], opened: pl.DataFrame) -> pl.DataFrame:
    """The ``bids`` frame plus, for the adapter's own use, round, opened_seq and content digest."""
    lot_round = {r["lot_id"]: (r["round"], r["awarded_bidder_id"]) for r in lots}
    rows = []
    for r in bids:
        current, winner = lot_round.get(r["lot_id"], (None, None))
        rows.append(
            {
                "bid_id": r["bid_id"],
                "lot_id": r["lot_id"],
                "bidder_id": r["bidder_id"],
                "price_fen": r["price_fen"],
                "submitted_at": r["submitted_at"],
                "status": STATUS.get(r["status"], "pending"),
                "rank": r["rank"],
                "winner": bool(winner and winner == r["bidder_id"] and r["status"] == "opened"
                               and r["round"] == current),
                "event_seq": r["submitted_seq"],
                "round": r["round"],
                "content_sha256": r["content_sha256"],
            }
        )
    schema = {**ALL_SCHEMAS["bids"], "submitted_at": pl.String(), "round": pl.Int64(), "content_sha256": pl.String()}
    frame = _frame(rows, schema).with_columns(_instant("submitted_at"))
    # The opening that published a bid is the lot's first opening after its submission.
    was_opened = frame.filter(pl.col("price_fen").is_not_null()).select("bid_id", "lot_id", "event_seq")
    openings = opened.sort("seq").rename({"seq": "opened_seq"})
    matched = (
        was_opened.filter(pl.col("event_seq").is_not_null())
        .sort("event_seq")
        # Both sides are sorted by sequence number, so sortedness needs no check per lot.
        .join_asof(openings, left_on="event_seq", right_on="opened_seq", by="lot_id", strategy="forward",
                   check_sortedness=False)
        .select("bid_id", "opened_seq")
    )
    return frame.join(matched, on="bid_id", how="left")


def _awards_frame(lots: list[dict[str, Any]], bids: pl.DataFrame, awarded: pl.DataFrame) -> pl.DataFrame:
    seqs = {lot: seq for seq, lot in awarded.sort("seq").iter_rows()}
    prices = {r[0]: r[1] for r in bids.filter(pl.col("winner")).select("lot_id", "price_fen").iter_rows()}
    rows = [
        {
            "lot_id": r["lot_id"],
            "bidder_id": r["awarded_bidder_id"],
            "price_fen": prices.get(r["lot_id"]),
            "awarded_at": r["awarded_at"],
            "status": "active",
            "event_seq": seqs.get(r["lot_id"]),
        }
        for r in lots
        if r["awarded_at"] and r["awarded_bidder_id"]
    ]
    return _frame(rows, {**ALL_SCHEMAS["awards"], "awarded_at": pl.String()}).with_columns(_instant("awarded_at"))


def _parties_frames(parties: list[dict[str, Any]], seqs: dict[str, int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, holdings = [], []
    for p in parties:
        seq = seqs.get(p["party_id"])
        rows.append(
            {
                "party_id": p["party_id"],
                "name": p["name"],
                "kind": p["kind"],
                "credit_code": p["credit_code"],
                "legal_representative_id": p["legal_representative_id"] or None,
                "address": p["address"] or None,
                "phones": [str(x) for x in (p["phones"] or []) if x],
                "email": p["email"] or None,
                "basic_account": p["basic_account"] or None,
                "event_seq": seq,
            }
        )
        for holder in p["shareholders"] or []:
            holdings.append(
                {
                    "party_id": p["party_id"],
                    "holder_id": holder.get("holder_id"),
                    "holder_name": holder.get("name"),
                    "share_bp": int(holder.get("share_bp", 0)),
                    "event_seq": seq,
                }
            )
    parties_frame = _frame(rows, {**ALL_SCHEMAS["parties"], **OPTIONAL_SCHEMAS["parties"]})
    holders = _frame([h for h in holdings if h["holder_id"]], ALL_SCHEMAS["shareholders"])
    return parties_frame, holders


def _deposits_frame(deposits: list[dict[str, Any]], seqs: dict[str, int],
                    retenders: list[tuple[str, int, int]]) -> pl.DataFrame:
    # A deposit belongs to the round the lot was in when it was paid: after the last re-tender before it.
    by_lot: dict[str, list[tuple[int, int]]] = {}
    for lot, retender_seq, new_round in retenders:
        by_lot.setdefault(lot, []).append((retender_seq, new_round))

    def round_of(lot_id: str, seq: int | None) -> int:
        if seq is None:
            return 1
        return max((r for s, r in by_lot.get(lot_id, ()) if s < seq), default=1)

    rows = []
    for d in deposits:
        seq = seqs.get(d["deposit_id"])
        rows.append(
            {
                "deposit_id": d["deposit_id"],
                "lot_id": d["lot_id"],
                "round": round_of(d["lot_id"], seq),
                "bidder_id": d["bidder_id"],
                "amount_fen": d["amount_fen"],
                "paying_account": d["paying_account"],
                "paying_bank": d["paying_bank"],
                "from_basic_account": d["from_basic_account"],
                "paid_at": d["paid_at"],
                "event_seq": seq,
            }
        )
    schema = {**ALL_SCHEMAS["deposits"], "paid_at": pl.String()}
    return _frame(rows, schema).with_columns(_instant("paid_at"))


def _read_contents(blobs: BlobReader, bid_frame: pl.DataFrame, bids: list[dict[str, Any]], notes: list[str],
                   report: Progress) -> dict[str, dict[str, Any]]:
    """Content of every opened bid, by bid id; unreadable ones are noted and skipped."""
    opened = bid_frame.filter(pl.col("opened_seq").is_not_null()).select("bid_id", "content_sha256").rows()
    contents: dict[str, dict[str, Any]] = {}
    total = len(opened)
    report("contents", 0, total)
    for done, (bid_id, digest) in enumerate(opened, start=1):
        try:
            data = json.loads(blobs.get(digest))
        except (OSError, ValueError) as error:
            notes.append(f"投标 {bid_id} 的内容无法读取（{type(error).__name__}）/ The content of bid {bid_id} "
                         f"could not be read ({type(error).__name__})")
            continue
        if isinstance(data, dict):
            contents[bid_id] = data
        else:
            notes.append(f"投标 {bid_id} 的内容不是对象 / The content of bid {bid_id} is not an object")
        if done % CONTENT_BATCH == 0 or done == total:
            report("contents", done, total)
    return contents


def _read_bid_documents(blobs: BlobReader, bid_frame: pl.DataFrame, bids: list[dict[str, Any]],
                        notes: list[str]) -> dict[str, str]:
    """The text of each opened bid's uploaded documents that are text (a PDF is not read here)."""
    opened = set(bid_frame.filter(pl.col("opened_seq").is_not_null())["bid_id"].to_list())
    texts: dict[str, str] = {}
    for bid in bids:
        if bid["bid_id"] not in opened:
            continue
        parts = []
        for doc in bid["documents"] or []:
            if not isinstance(doc, dict) or not str(doc.get("media_type") or "").startswith(TEXT_MEDIA):
                continue
            if (doc.get("size") or 0) > MAX_TEXT_BYTES:
                continue
            try:
                parts.append(blobs.get(str(doc["sha256"])).decode("utf-8"))
            except (OSError, ValueError, KeyError) as error:
                notes.append(f"投标 {bid['bid_id']} 的文件 {doc.get('name')} 无法读取（{type(error).__name__}）/ "
                             f"Document {doc.get('name')} of bid {bid['bid_id']} could not be read "
                             f"({type(error).__name__})")
        if parts:
            texts[bid["bid_id"]] = "\n".join(parts)
    return texts


def _read_documents(blobs: BlobReader, documents: list[dict[str, Any]], notes: list[str],
                    report: Progress) -> list[dict[str, Any]]:
    """Text of the lots' own documents when they are text (a PDF is not read here)."""
    texts = []
    report("documents", 0, len(documents))
    for done, doc in enumerate(documents, start=1):
        media = str(doc.get("media_type") or "")
        if not media.startswith(TEXT_MEDIA) or (doc.get("size") or 0) > MAX_TEXT_BYTES:
            continue
        try:
            text = blobs.get(doc["sha256"]).decode("utf-8")
        except (OSError, ValueError) as error:
            notes.append(f"标段 {doc['lot_id']} 的文件 {doc['name']} 无法读取（{type(error).__name__}）/ Document "
                         f"{doc['name']} of lot {doc['lot_id']} could not be read ({type(error).__name__})")
            continue
        texts.append({"lot_id": doc["lot_id"], "kind": doc["kind"], "text": text, "event_seq": doc["seq"]})
        report("documents", done, len(documents))
    return texts


def _text(value: Any) -> str | None:
    """A recorded string, or None when nothing (or only blanks) was recorded."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _content_frames(bids: list[dict[str, Any]], bid_frame: pl.DataFrame, contents: dict[str, dict[str, Any]],
                    bid_texts: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    seqs = {r[0]: (r[1], r[2]) for r in bid_frame.select("bid_id", "event_seq", "opened_seq").iter_rows()}
    details, staff, boq = [], [], []
    for r in bids:
        bid_id = r["bid_id"]
        submitted, opened = seqs.get(bid_id, (r["submitted_seq"], None))
        fingerprint = r.get("fingerprint") or {}
        content = contents.get(bid_id, {})
        rep = content.get("representative") or {}
        common = {"bid_id": bid_id, "lot_id": r["lot_id"], "round": r["round"], "bidder_id": r["bidder_id"]}
        details.append(
            {
                **common,
                "source_ip": r["source_ip"],
                **{name: _text(fingerprint.get(name)) for name in FINGERPRINT_FIELDS},
                "rep_person_id": _text(rep.get("person_id")),
                "rep_name": _text(rep.get("name")),
                "rep_phone": _text(rep.get("phone")),
                "rep_email": _text(rep.get("email")),
                "technical_proposal": content.get("technical_proposal") if content else None,
                "document_names": [str(d.get("name", "")) for d in (r["documents"] or []) if isinstance(d, dict)],
                "document_text": bid_texts.get(bid_id),
                "event_seq": submitted,
                "opened_seq": opened,
            }
        )
        if not content:
            continue
        named = []
        if content.get("project_manager_id"):
            named.append((str(content["project_manager_id"]), "project_manager"))
        named += [(str(p), "key_staff") for p in content.get("key_staff") or [] if p]
        for person, role in dict.fromkeys(named):
            staff.append({**common, "person_id": person, "role": role, "event_seq": submitted, "opened_seq": opened})
        for line in content.get("boq") or []:
            boq.append(
                {
                    **common,
                    "code": str(line.get("code")),
                    "name": line.get("name"),
                    "unit": line.get("unit"),
                    "unit_price_fen": line.get("unit_price_fen"),
                    "event_seq": submitted,
                    "opened_seq": opened,
                }
            )
    return (
        _frame(details, ALL_SCHEMAS["bid_details"]),
        _frame(staff, ALL_SCHEMAS["bid_staff"]),
        _frame(boq, ALL_SCHEMAS["boq_lines"]),
    )
