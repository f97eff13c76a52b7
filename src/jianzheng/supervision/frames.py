"""The analytic frames indicators read, and the validator that guards their contract.

Indicators never touch the database: they read four polars DataFrames built from the
read tables (or, for imported data, by `jianzheng.adapters.ocds.frames`). The contract:

``lots`` — one row per lot (标段)

=========================  =====================  =============================================
column                     dtype                  meaning
=========================  =====================  =============================================
lot_id                     String                 lot identifier (OCDS: ``ocid``)
project_id                 String                 project (项目) the lot belongs to
title                      String                 lot title
category                   String                 works / goods / services
procurement_method         String (nullable)      open / selective / limited / direct
estimated_price_fen        Int64 (nullable)       estimated (control) price in fen
currency                   String                 ISO 4217 code of all money on this lot
tender_start               Datetime UTC (null.)   tender documents first issued / period start
bid_deadline               Datetime UTC (null.)   deadline for bids
opened_at                  Datetime UTC (null.)   bid opening (开标)
awarded_at                 Datetime UTC (null.)   award (定标)
tenderer_id                String (nullable)      tenderer (招标人, OCDS buyer)
agency_id                  String (nullable)      agency (招标代理机构, OCDS procuring entity)
stage                      String                 the lot's stage; ``cancelled`` lots are skipped
state_funded               Boolean                state-funded project (Regs 55)
source                     String                 ``platform`` or ``ocds:<publisher>``
event_seq                  Int64 (nullable)       witnessed event that last changed the lot
=========================  =====================  =============================================

Optional ``lots`` columns (checked when present, treated as null when absent):
``procurement_method_details`` (String, the publisher's own name for the procedure, used by
the OCP indicators' per-procedure settings) and ``number_of_tenderers`` (Int64, a count of
bidders published without bid details; OCDS ``tender.numberOfTenderers``).

``bids`` — one row per bid and bidder

=============  ====================  ===========================================================
bid_id         String                bid identifier
lot_id         String                the lot
bidder_id      String (nullable)     the bidder; null only for imported bids without tenderers
price_fen      Int64 (nullable)      bid price in fen, in the lot's currency
submitted_at   Datetime UTC (null.)  when the bid was received
status         String                valid / disqualified / withdrawn / failed_decryption / pending
rank           Int64 (nullable)      rank after evaluation (1 = first candidate)
winner         Boolean               the bid won the lot
event_seq      Int64 (nullable)      witnessed event that recorded the bid
=============  ====================  ===========================================================

A joint bid (联合体投标, Law 31; OCDS bids with several tenderers) is one row per member
sharing the same ``bid_id``. Submitted bids are those ``valid``, ``disqualified`` or
``pending``; a bid that failed decryption counts as withdrawn (Order 20 Art. 31).

``awards`` — one row per award and supplier: lot_id (String), bidder_id (String, nullable),
price_fen (Int64, nullable), awarded_at (Datetime UTC, nullable), status (String:
active / pending / cancelled / unsuccessful), event_seq (Int64, nullable).

``parties`` — party_id (String), name (String), kind (String: bidder / tenderer / agency / …).

Datetimes must carry the UTC time zone, money is integer fen. `validate_frames` raises
`FrameSchemaError` naming the frame, the column, the expected and the found dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

UTC_DATETIME = pl.Datetime(time_unit="us", time_zone="UTC")

LOTS_SCHEMA: dict[str, pl.DataType] = {
    "lot_id": pl.String(),
    "project_id": pl.String(),
    "title": pl.String(),
    "category": pl.String(),
    "procurement_method": pl.String(),
    "estimated_price_fen": pl.Int64(),
    "currency": pl.String(),
    "tender_start": UTC_DATETIME,
    "bid_deadline": UTC_DATETIME,
    "opened_at": UTC_DATETIME,
    "awarded_at": UTC_DATETIME,
    "tenderer_id": pl.String(),
    "agency_id": pl.String(),
    "stage": pl.String(),
    "state_funded": pl.Boolean(),
    "source": pl.String(),
    "event_seq": pl.Int64(),
}

LOTS_OPTIONAL_SCHEMA: dict[str, pl.DataType] = {
    "procurement_method_details": pl.String(),
    "number_of_tenderers": pl.Int64(),
}

BIDS_SCHEMA: dict[str, pl.DataType] = {
    "bid_id": pl.String(),
    "lot_id": pl.String(),
    "bidder_id": pl.String(),
    "price_fen": pl.Int64(),
    "submitted_at": UTC_DATETIME,
    "status": pl.String(),
    "rank": pl.Int64(),
    "winner": pl.Boolean(),
    "event_seq": pl.Int64(),
}

AWARDS_SCHEMA: dict[str, pl.DataType] = {
    "lot_id": pl.String(),
    "bidder_id": pl.String(),
    "price_fen": pl.Int64(),
    "awarded_at": UTC_DATETIME,
    "status": pl.String(),
    "event_seq": pl.Int64(),
}

PARTIES_SCHEMA: dict[str, pl.DataType] = {
    "party_id": pl.String(),
    "name": pl.String(),
    "kind": pl.String(),
}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "lots": LOTS_SCHEMA,
    "bids": BIDS_SCHEMA,
    "awards": AWARDS_SCHEMA,
    "parties": PARTIES_SCHEMA,
}

OPTIONAL_SCHEMAS: dict[str, dict[str, pl.DataType]] = {"lots": LOTS_OPTIONAL_SCHEMA}

# Columns that may never hold nulls: every indicator joins or groups on them.
NOT_NULL: dict[str, tuple[str, ...]] = {
    "lots": ("lot_id", "stage", "source"),
    "bids": ("bid_id", "lot_id", "status", "winner"),
    "awards": ("lot_id", "status"),
    "parties": ("party_id",),
}

BID_STATUSES = frozenset({"valid", "disqualified", "withdrawn", "failed_decryption", "pending"})
SUBMITTED_BID_STATUSES = ("valid", "disqualified", "pending")
AWARD_STATUSES = frozenset({"active", "pending", "cancelled", "unsuccessful"})


class FrameSchemaError(ValueError):
    """A frame breaks the contract; the message is Chinese first, English second."""


@dataclass(frozen=True)
class Frames:
    """The four analytic frames an indicator may read."""

    lots: pl.DataFrame
    bids: pl.DataFrame
    awards: pl.DataFrame
    parties: pl.DataFrame

    def with_optional_columns(self) -> Frames:
        """Return frames whose ``lots`` carries every optional column (null when absent)."""
        missing = [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in LOTS_OPTIONAL_SCHEMA.items()
            if name not in self.lots.columns
        ]
        if not missing:
            return self
        return Frames(self.lots.with_columns(missing), self.bids, self.awards, self.parties)


def empty_frame(name: str) -> pl.DataFrame:
    """An empty frame with the contract's schema (handy for tests and adapters)."""
    return pl.DataFrame(schema=SCHEMAS[name])


def _dtype_matches(found: pl.DataType, expected: pl.DataType) -> bool:
    if isinstance(expected, pl.Datetime):
        # Any time unit is accepted; the time zone must be UTC so comparisons are honest.
        return isinstance(found, pl.Datetime) and found.time_zone == "UTC"
    return found == expected


def _check(name: str, frame: pl.DataFrame) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise FrameSchemaError(
            f"分析帧 {name} 应为 polars DataFrame，实际为 {type(frame).__name__}。"
            f" / Frame {name} must be a polars DataFrame, got {type(frame).__name__}."
        )
    required = SCHEMAS[name]
    optional = OPTIONAL_SCHEMAS.get(name, {})
    for column, expected in {**required, **optional}.items():
        if column not in frame.columns:
            if column in optional:
                continue
            raise FrameSchemaError(
                f"分析帧 {name} 缺少列 {column}（应为 {expected}）。"
                f" / Frame {name} is missing column {column} (expected {expected})."
            )
        found = frame.schema[column]
        if not _dtype_matches(found, expected):
            raise FrameSchemaError(
                f"分析帧 {name} 的列 {column} 类型应为 {expected}，实际为 {found}。"
                f" / Frame {name} column {column} must be {expected}, found {found}."
            )
    for column in NOT_NULL.get(name, ()):
        nulls = frame[column].null_count()
        if nulls:
            raise FrameSchemaError(
                f"分析帧 {name} 的列 {column} 不可为空，发现 {nulls} 个空值。"
                f" / Frame {name} column {column} may not be null; found {nulls} null(s)."
            )


def validate_frames(frames: Frames | Mapping[str, pl.DataFrame]) -> Frames:
    """Check every frame against the contract and return them as a `Frames`.

    Raises `FrameSchemaError` for a missing frame, a missing column, a wrong dtype or a null
    in a key column. Extra columns are allowed and ignored.
    """
    if isinstance(frames, Frames):
        parts: dict[str, pl.DataFrame] = {
            "lots": frames.lots,
            "bids": frames.bids,
            "awards": frames.awards,
            "parties": frames.parties,
        }
    else:
        parts = dict(frames)
        for name in SCHEMAS:
            if name not in parts:
                raise FrameSchemaError(f"缺少分析帧 {name}。 / The {name} frame is missing.")
    for name in SCHEMAS:
        _check(name, parts[name])
    return Frames(parts["lots"], parts["bids"], parts["awards"], parts["parties"])


def _parse_value(value: object, dtype: pl.DataType) -> object:
    if isinstance(dtype, pl.Datetime) and isinstance(value, str):
        from datetime import datetime

        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise FrameSchemaError(f"时间 {value} 缺少时区。 / Datetime {value} has no time zone.")
        return parsed
    return value


def frames_from_records(records: Mapping[str, list[dict[str, object]]]) -> Frames:
    """Frames from plain records (e.g. JSON fixtures): missing frames are empty, missing
    nullable columns are null, ISO 8601 strings become UTC datetimes. The result is validated.
    """
    built: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        full = {**schema, **OPTIONAL_SCHEMAS.get(name, {})}
        rows = records.get(name, [])
        unknown = sorted({k for row in rows for k in row} - set(full))
        if unknown:
            raise FrameSchemaError(
                f"分析帧 {name} 中有未知列：{', '.join(unknown)}。"
                f" / Frame {name} has unknown columns: {', '.join(unknown)}."
            )
        columns = {column: [_parse_value(row.get(column), dtype) for row in rows] for column, dtype in full.items()}
        frame = pl.DataFrame(columns, schema=full)
        built[name] = frame
    return validate_frames(built)
