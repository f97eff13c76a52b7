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
bidders published without bid details; OCDS ``tender.numberOfTenderers``). The process
warnings read, when present: ``awarded_seq`` (Int64, the award event), ``contract_signed_at``
(Datetime UTC) and ``contract_seq`` (Int64, the contract event), ``contract_within_days`` and
``deposit_refund_within_days`` (Int64, the lot's procedure periods, Law 46 and Regs 57).

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
Optional ``parties`` columns (the registry facts the relationship analysis reads; null when
absent): credit_code (String, USCC), legal_representative_id (String, a person id), address
(String), phones (List(String)), email (String), basic_account (String, the basic bank
account), event_seq (Int64, the ``party.registered`` event).

Optional frames (empty when absent) for the collusion indicators (Regs 40, Regs 34). Rows
that come from a bid's content carry two events: ``event_seq`` is the submission, whose
payload commits to the content's digest, and ``opened_seq`` the opening that made it
public (content is only read for opened bids).

``bid_details`` — one row per bid: bid_id, lot_id, round (Int64, the tender round of the
lot: a re-tender starts round 2), bidder_id, source_ip (the upload address), the bid file's
compiling fingerprint machine_code / mac / cpu_id / disk_serial / author / tool, the
authorised representative rep_person_id / rep_name / rep_phone / rep_email,
technical_proposal (the text, null until opened), document_names (List(String)),
document_text (the text of the bid's uploaded documents that are text, null until opened),
event_seq, opened_seq.

``bid_staff`` — one row per bid and named person: bid_id, lot_id, round, bidder_id,
person_id, role (``project_manager`` or ``key_staff``), event_seq, opened_seq.

``boq_lines`` — one row per bill-of-quantities line (工程量清单): bid_id, lot_id, round,
bidder_id, code, name, unit, unit_price_fen (Int64), event_seq, opened_seq.

``deposits`` — one row per bid deposit (投标保证金): deposit_id, lot_id, round, bidder_id,
amount_fen, paying_account, paying_bank, from_basic_account (Boolean), paid_at, event_seq.

``persons`` — person_id, name, employer_id, phone, email, event_seq.

``shareholders`` — one row per holding: party_id (the company), holder_id (a person or
party id), holder_name, share_bp (Int64, basis points: 10000 = 100%), event_seq.

``tender_texts`` — text of the lot's own documents (tender documents, clarifications) when
they are text: lot_id, kind, text, event_seq. Passages from here are boilerplate, not
evidence of copying.

Optional ``deposits`` columns: ``refunded_at`` (Datetime UTC) and ``refund_seq`` (Int64, the
refund event), null while the deposit is held.

``rule_warnings`` — one row per ``rule.warning`` event (a statutory rule in warn mode was
broken): event_seq, lot_id (nullable), rule, article, text_zh, text_en, facts (String: the
facts as JSON), at (Datetime UTC).

Datetimes must carry the UTC time zone, money is integer fen. `validate_frames` raises
`FrameSchemaError` naming the frame, the column, the expected and the found dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

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
    "awarded_seq": pl.Int64(),
    "contract_signed_at": UTC_DATETIME,
    "contract_seq": pl.Int64(),
    "contract_within_days": pl.Int64(),
    "deposit_refund_within_days": pl.Int64(),
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

PARTIES_OPTIONAL_SCHEMA: dict[str, pl.DataType] = {
    "credit_code": pl.String(),
    "legal_representative_id": pl.String(),
    "address": pl.String(),
    "phones": pl.List(pl.String()),
    "email": pl.String(),
    "basic_account": pl.String(),
    "event_seq": pl.Int64(),
}

FINGERPRINT_FIELDS = ("machine_code", "mac", "cpu_id", "disk_serial", "author", "tool")
REPRESENTATIVE_FIELDS = ("rep_person_id", "rep_name", "rep_phone", "rep_email")

BID_DETAILS_SCHEMA: dict[str, pl.DataType] = {
    "bid_id": pl.String(),
    "lot_id": pl.String(),
    "round": pl.Int64(),
    "bidder_id": pl.String(),
    "source_ip": pl.String(),
    **{name: pl.String() for name in FINGERPRINT_FIELDS},
    **{name: pl.String() for name in REPRESENTATIVE_FIELDS},
    "technical_proposal": pl.String(),
    "document_names": pl.List(pl.String()),
    "document_text": pl.String(),
    "event_seq": pl.Int64(),
    "opened_seq": pl.Int64(),
}

BID_STAFF_SCHEMA: dict[str, pl.DataType] = {
    "bid_id": pl.String(),
    "lot_id": pl.String(),
    "round": pl.Int64(),
    "bidder_id": pl.String(),
    "person_id": pl.String(),
    "role": pl.String(),
    "event_seq": pl.Int64(),
    "opened_seq": pl.Int64(),
}

BOQ_LINES_SCHEMA: dict[str, pl.DataType] = {
    "bid_id": pl.String(),
    "lot_id": pl.String(),
    "round": pl.Int64(),
    "bidder_id": pl.String(),
    "code": pl.String(),
    "name": pl.String(),
    "unit": pl.String(),
    "unit_price_fen": pl.Int64(),
    "event_seq": pl.Int64(),
    "opened_seq": pl.Int64(),
}

DEPOSITS_SCHEMA: dict[str, pl.DataType] = {
    "deposit_id": pl.String(),
    "lot_id": pl.String(),
    "round": pl.Int64(),
    "bidder_id": pl.String(),
    "amount_fen": pl.Int64(),
    "paying_account": pl.String(),
    "paying_bank": pl.String(),
    "from_basic_account": pl.Boolean(),
    "paid_at": UTC_DATETIME,
    "event_seq": pl.Int64(),
}

PERSONS_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "name": pl.String(),
    "employer_id": pl.String(),
    "phone": pl.String(),
    "email": pl.String(),
    "event_seq": pl.Int64(),
}

SHAREHOLDERS_SCHEMA: dict[str, pl.DataType] = {
    "party_id": pl.String(),
    "holder_id": pl.String(),
    "holder_name": pl.String(),
    "share_bp": pl.Int64(),
    "event_seq": pl.Int64(),
}

TENDER_TEXTS_SCHEMA: dict[str, pl.DataType] = {
    "lot_id": pl.String(),
    "kind": pl.String(),
    "text": pl.String(),
    "event_seq": pl.Int64(),
}

DEPOSITS_OPTIONAL_SCHEMA: dict[str, pl.DataType] = {
    "refunded_at": UTC_DATETIME,
    "refund_seq": pl.Int64(),
}

RULE_WARNINGS_SCHEMA: dict[str, pl.DataType] = {
    "event_seq": pl.Int64(),
    "lot_id": pl.String(),
    "rule": pl.String(),
    "article": pl.String(),
    "text_zh": pl.String(),
    "text_en": pl.String(),
    "facts": pl.String(),
    "at": UTC_DATETIME,
}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "lots": LOTS_SCHEMA,
    "bids": BIDS_SCHEMA,
    "awards": AWARDS_SCHEMA,
    "parties": PARTIES_SCHEMA,
}

# Frames that may be absent (an OCDS import has none of them): absent means empty.
OPTIONAL_FRAMES: dict[str, dict[str, pl.DataType]] = {
    "bid_details": BID_DETAILS_SCHEMA,
    "bid_staff": BID_STAFF_SCHEMA,
    "boq_lines": BOQ_LINES_SCHEMA,
    "deposits": DEPOSITS_SCHEMA,
    "persons": PERSONS_SCHEMA,
    "shareholders": SHAREHOLDERS_SCHEMA,
    "tender_texts": TENDER_TEXTS_SCHEMA,
    "rule_warnings": RULE_WARNINGS_SCHEMA,
}

ALL_SCHEMAS: dict[str, dict[str, pl.DataType]] = {**SCHEMAS, **OPTIONAL_FRAMES}

# Frames restricted to the lots an event touched in real time; the others are registries.
LOT_FRAMES = ("lots", "bids", "awards", "bid_details", "bid_staff", "boq_lines", "deposits", "tender_texts")

OPTIONAL_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "lots": LOTS_OPTIONAL_SCHEMA,
    "parties": PARTIES_OPTIONAL_SCHEMA,
    "deposits": DEPOSITS_OPTIONAL_SCHEMA,
}

# Columns that may never hold nulls: every indicator joins or groups on them.
NOT_NULL: dict[str, tuple[str, ...]] = {
    "lots": ("lot_id", "stage", "source"),
    "bids": ("bid_id", "lot_id", "status", "winner"),
    "awards": ("lot_id", "status"),
    "parties": ("party_id",),
    "bid_details": ("bid_id", "lot_id", "round", "bidder_id"),
    "bid_staff": ("bid_id", "lot_id", "round", "bidder_id", "person_id", "role"),
    "boq_lines": ("bid_id", "lot_id", "round", "bidder_id", "code"),
    "deposits": ("deposit_id", "lot_id", "round", "bidder_id"),
    "persons": ("person_id",),
    "shareholders": ("party_id", "holder_id", "share_bp"),
    "tender_texts": ("lot_id", "kind"),
    "rule_warnings": ("event_seq", "rule"),
}

BID_STATUSES = frozenset({"valid", "disqualified", "withdrawn", "failed_decryption", "pending"})
SUBMITTED_BID_STATUSES = ("valid", "disqualified", "pending")
AWARD_STATUSES = frozenset({"active", "pending", "cancelled", "unsuccessful"})


class FrameSchemaError(ValueError):
    """A frame breaks the contract; the message is Chinese first, English second."""


def empty_frame(name: str) -> pl.DataFrame:
    """An empty frame with the contract's schema (handy for tests and adapters)."""
    return pl.DataFrame(schema=ALL_SCHEMAS[name])


def _empty(name: str) -> Callable[[], pl.DataFrame]:
    return lambda: empty_frame(name)


@dataclass(frozen=True)
class Frames:
    """The analytic frames an indicator may read: four required, the rest optional (empty)."""

    lots: pl.DataFrame
    bids: pl.DataFrame
    awards: pl.DataFrame
    parties: pl.DataFrame
    bid_details: pl.DataFrame = field(default_factory=_empty("bid_details"))
    bid_staff: pl.DataFrame = field(default_factory=_empty("bid_staff"))
    boq_lines: pl.DataFrame = field(default_factory=_empty("boq_lines"))
    deposits: pl.DataFrame = field(default_factory=_empty("deposits"))
    persons: pl.DataFrame = field(default_factory=_empty("persons"))
    shareholders: pl.DataFrame = field(default_factory=_empty("shareholders"))
    tender_texts: pl.DataFrame = field(default_factory=_empty("tender_texts"))
    rule_warnings: pl.DataFrame = field(default_factory=_empty("rule_warnings"))

    def parts(self) -> dict[str, pl.DataFrame]:
        """Every frame by name."""
        return {name: getattr(self, name) for name in ALL_SCHEMAS}

    def with_optional_columns(self) -> Frames:
        """Return frames whose ``lots`` and ``parties`` carry every optional column (null when absent)."""
        changes: dict[str, pl.DataFrame] = {}
        for name, optional in OPTIONAL_SCHEMAS.items():
            frame: pl.DataFrame = getattr(self, name)
            missing = [pl.lit(None, dtype=dtype).alias(c) for c, dtype in optional.items() if c not in frame.columns]
            if missing:
                changes[name] = frame.with_columns(missing)
        return replace(self, **changes) if changes else self


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
    required = ALL_SCHEMAS[name]
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

    Raises `FrameSchemaError` for a missing required frame, a missing column, a wrong dtype
    or a null in a key column; an optional frame that is absent is empty. Extra columns are
    allowed and ignored; an unknown frame name is refused (it is most likely a typo).
    """
    if isinstance(frames, Frames):
        parts = frames.parts()
    else:
        parts = dict(frames)
        unknown = sorted(set(parts) - set(ALL_SCHEMAS))
        if unknown:
            raise FrameSchemaError(
                f"未知的分析帧：{', '.join(unknown)}。 / Unknown frames: {', '.join(unknown)}."
            )
        for name in SCHEMAS:
            if name not in parts:
                raise FrameSchemaError(f"缺少分析帧 {name}。 / The {name} frame is missing.")
        for name in OPTIONAL_FRAMES:
            parts.setdefault(name, empty_frame(name))
    for name in ALL_SCHEMAS:
        _check(name, parts[name])
    return Frames(**parts)


def _parse_value(value: object, dtype: pl.DataType) -> object:
    if isinstance(dtype, pl.Datetime) and isinstance(value, str):
        from datetime import datetime

        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise FrameSchemaError(f"时间 {value} 缺少时区。 / Datetime {value} has no time zone.")
        return parsed
    return value


# Defaults for columns a record leaves out (a lot that was never re-tendered is in round 1).
RECORD_DEFAULTS: dict[str, object] = {"round": 1}


def frames_from_records(records: Mapping[str, list[dict[str, object]]]) -> Frames:
    """Frames from plain records (e.g. JSON fixtures): missing frames are empty, missing
    nullable columns are null, ISO 8601 strings become UTC datetimes. The result is validated.
    """
    unknown_frames = sorted(set(records) - set(ALL_SCHEMAS))
    if unknown_frames:
        raise FrameSchemaError(
            f"未知的分析帧：{', '.join(unknown_frames)}。 / Unknown frames: {', '.join(unknown_frames)}."
        )
    built: dict[str, pl.DataFrame] = {}
    for name, schema in ALL_SCHEMAS.items():
        full = {**schema, **OPTIONAL_SCHEMAS.get(name, {})}
        rows = records.get(name, [])
        unknown = sorted({k for row in rows for k in row} - set(full))
        if unknown:
            raise FrameSchemaError(
                f"分析帧 {name} 中有未知列：{', '.join(unknown)}。"
                f" / Frame {name} has unknown columns: {', '.join(unknown)}."
            )
        columns = {
            column: [_parse_value(row.get(column, RECORD_DEFAULTS.get(column)), dtype) for row in rows]
            for column, dtype in full.items()
        }
        frame = pl.DataFrame(columns, schema=full)
        built[name] = frame
    return validate_frames(built)
