"""Values that different bidders of one tender share: the core of Regs 40 items 1, 2, 3 and 6.

The collusion indicators turn what they compare (a machine code, a contact phone, a project
manager, a paying account) into *carrier rows*, one per bid or registry fact that carries a
value, and ask which values are carried by two or more different bidders of the same tender
(a lot in one round: a re-tender is a new tender). Every carrier keeps the witnessed event
behind it, so the evidence can link to it.

Carrier rows: ``lot_id, round, bidder_id, bid_id (nullable), field, value`` (normalised, the
comparison key), ``shown`` (the value as recorded, for the evidence), ``origin`` (where the
value came from: ``bid``, ``deposit``, ``registry`` …), ``event_seq``, ``opened_seq``.

Normalising matters: ``00-1A-2B-3C-4D-5E`` and ``001a.2b3c.4d5e`` are the same MAC address,
``+86 139-0000-0001`` and ``13900000001`` the same phone. Values a tool writes when it knows
nothing (``Administrator``, ``To be filled by O.E.M.``) and values so common across history
that they identify nobody (a shared proxy address) are dropped before matching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import polars as pl

from jianzheng.supervision.alert import Alert, AlertParty, Evidence, Severity, evidence

CARRIER_SCHEMA: dict[str, pl.DataType] = {
    "lot_id": pl.String(),
    "round": pl.Int64(),
    "bidder_id": pl.String(),
    "bid_id": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "shown": pl.String(),
    "origin": pl.String(),
    "event_seq": pl.Int64(),
    "opened_seq": pl.Int64(),
}

TENDER = ("lot_id", "round")


def text_key(expr: pl.Expr) -> pl.Expr:
    """Compatibility form of free text: NFKC (full-width to half-width), lower case, no whitespace."""
    return expr.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", "")


def hex_key(expr: pl.Expr) -> pl.Expr:
    """Hardware identifiers: only letters and digits, upper case (separators differ by tool)."""
    return expr.str.normalize("NFKC").str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")


def phone_key(expr: pl.Expr) -> pl.Expr:
    """Digits only, without the country code 86; null when fewer than 7 digits remain."""
    digits = expr.str.normalize("NFKC").str.replace_all(r"\D", "")
    national = (
        pl.when(digits.str.starts_with("0086") & (digits.str.len_chars() > 13))
        .then(digits.str.slice(4))
        .when(digits.str.starts_with("86") & (digits.str.len_chars() > 11))
        .then(digits.str.slice(2))
        .otherwise(digits)
    )
    return pl.when(national.str.len_chars() >= 7).then(national).otherwise(None)


def email_key(expr: pl.Expr) -> pl.Expr:
    """Lower case without spaces; null unless it looks like an address."""
    key = expr.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", "")
    return pl.when(key.str.contains("@", literal=True)).then(key).otherwise(None)


def account_key(expr: pl.Expr) -> pl.Expr:
    """Bank account numbers: letters and digits only (banks print them with spaces and dashes)."""
    return hex_key(expr)


def carriers(frame: pl.DataFrame, **columns: pl.Expr) -> pl.DataFrame:
    """Select ``frame`` into the carrier schema; ``columns`` gives expressions for missing ones.

    Rows whose ``value`` is null or empty are dropped: a missing value matches nothing.
    """
    exprs = []
    for name, dtype in CARRIER_SCHEMA.items():
        if name in columns:
            exprs.append(columns[name].cast(dtype).alias(name))
        elif name in frame.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs).filter(pl.col("value").is_not_null() & (pl.col("value") != ""))


def with_key(frame: pl.DataFrame, column: str, key: Callable[[pl.Expr], pl.Expr], alias: str) -> pl.DataFrame:
    """``frame`` plus ``alias`` = ``key(column)``, computed once per distinct value.

    Normalising strings is the expensive part of matching, and a million bids carry a few
    thousand distinct phones, machines and accounts.
    """
    distinct = frame.select(pl.col(column).unique()).drop_nulls()
    return frame.join(distinct.with_columns(key(pl.col(column)).alias(alias)), on=column, how="left")


def keep_shared(frame: pl.DataFrame, key: str, generic_bidders: int | None = None,
                also: pl.DataFrame | None = None) -> pl.DataFrame:
    """Rows whose ``key`` two or more different bidders carry (fewer than ``generic_bidders`` of them).

    ``also`` (``key, bidder_id``) adds carriers from another source — a party's registered
    phone or account — that count towards "two different bidders" but not towards
    ``generic_bidders``. The first cut of every comparison: a million bids carry a million
    keys, of which a few hundred are shared; everything after this sees only those.
    """
    own = frame.select(pl.col(key).alias("_key"), hashed("bidder_id").alias("_who"))
    carried = own
    if also is not None and also.height:
        carried = pl.concat([own, also.select(pl.col(key).alias("_key"), hashed("bidder_id").alias("_who"))])
    spread = carried.group_by("_key").agg(pl.col("_who").n_unique().alias("n"))
    keys = spread.filter(pl.col("n") >= 2).select("_key")
    if generic_bidders is not None:
        generic = own.group_by("_key").agg(pl.col("_who").n_unique().alias("n")).filter(pl.col("n") >= generic_bidders)
        keys = keys.join(generic.select("_key"), on="_key", how="anti")
    return frame.join(keys.rename({"_key": key}), on=key, how="semi")


def empty_carriers() -> pl.DataFrame:
    return pl.DataFrame(schema=CARRIER_SCHEMA)


def shared_values(
    rows: pl.DataFrame,
    primary: Sequence[str] | None = None,
    generic_bidders: int | None = None,
    spread_of: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Values carried by two or more different bidders of one tender.

    With ``primary`` (origins), a value counts only when at least one of its carriers has a
    primary origin: two companies that merely registered the same account are a matter for
    the relationship analysis, not for the deposit check. With ``generic_bidders``, a value
    that many different bidders carry (counted over the rows of the origins ``spread_of``,
    all rows when not given) identifies nobody and is dropped — for the batch, where the
    rows are all of history. Returns one row per tender, field and value with the carriers as
    a list of structs, sorted by bidder and bid.
    """
    if rows.height == 0:
        return pl.DataFrame(
            schema={
                "lot_id": pl.String(),
                "round": pl.Int64(),
                "field": pl.String(),
                "value": pl.String(),
                "bidders": pl.UInt32(),
                "carriers": pl.List(
                    pl.Struct({k: v for k, v in CARRIER_SCHEMA.items() if k not in TENDER and k != "value"})
                ),
            }
        )
    group = [*TENDER, "field", "value"]
    # Grouping on several string columns is slow; a 64-bit hash of them is a cheap key.
    rows = rows.with_columns(
        hashed("field", "value").alias("_fv"),
        hashed(*group).alias("_tfv"),
        hashed("bidder_id").alias("_who"),
    )
    # Most values belong to one bidder only (its own machine, phone, account): drop them before
    # the per-tender grouping, which then sees only the few values bidders share somewhere.
    counted = rows if spread_of is None else rows.filter(pl.col("origin").is_in(list(spread_of)))
    spread = counted.group_by("_fv").agg(pl.col("_who").n_unique().alias("n"))
    if generic_bidders is not None:
        rows = rows.join(spread.filter(pl.col("n") >= generic_bidders).select("_fv"), on="_fv", how="anti")
    if spread_of is None:
        rows = rows.join(spread.filter(pl.col("n") >= 2).select("_fv"), on="_fv", how="semi")
    counts = rows.group_by("_tfv").agg(
        pl.col("_who").n_unique().alias("bidders"),
        (pl.col("origin").is_in(list(primary)).any() if primary else pl.lit(True)).alias("has_primary"),
    )
    hits = counts.filter((pl.col("bidders") >= 2) & pl.col("has_primary")).drop("has_primary")
    # Only the (few) values two bidders share are gathered, de-duplicated and ordered.
    detail = (
        rows.join(hits, on="_tfv", how="inner")
        .unique(subset=[*group, "bidder_id", "bid_id", "origin"], keep="first")
        .sort([*group, "bidder_id", "bid_id", "origin"], nulls_last=True)
    )
    return detail.group_by(group, maintain_order=True).agg(
        pl.col("bidders").first(),
        pl.struct([c for c in CARRIER_SCHEMA if c not in TENDER and c != "value"]).alias("carriers"),
    )


def hashed(*columns: str) -> pl.Expr:
    """A 64-bit hash of the columns together: a cheap key for grouping and joining on several strings."""
    return pl.struct(list(columns)).hash(seed=11)


def carrier_seqs(carrier_list: Sequence[dict[str, Any]]) -> list[int]:
    """The witnessed events behind a match: each carrier's own event and its bid's opening."""
    seqs: set[int] = set()
    for carrier in carrier_list:
        for key in ("event_seq", "opened_seq"):
            if carrier.get(key) is not None:
                seqs.add(int(carrier[key]))
    return sorted(seqs)


def carrier_json(carrier: dict[str, Any], id_name: str = "bid_id") -> dict[str, Any]:
    """A carrier as it appears in the evidence (``id_name`` names what the row id is: a bid, a deposit)."""
    return {
        "bidder_id": carrier["bidder_id"],
        id_name: carrier["bid_id"],
        "origin": carrier["origin"],
        "value": carrier["shown"],
    }


def match_evidence(
    fact_prefix: str, match: dict[str, Any], extra: dict[str, Any] | None = None, id_name: str = "bid_id"
) -> Evidence:
    """One shared value as evidence: the field, the value, who carries it and the events behind it."""
    carrier_list = list(match["carriers"])
    value: dict[str, Any] = {
        "field": match["field"],
        "value": carrier_list[0]["shown"] if carrier_list else match["value"],
        "normalised": match["value"],
        "bidder_ids": sorted({c["bidder_id"] for c in carrier_list}),
        f"{id_name}s": sorted({c["bid_id"] for c in carrier_list if c["bid_id"] is not None}),
        "carriers": [carrier_json(c, id_name) for c in carrier_list],
    }
    if extra:
        value.update(extra)
    return evidence(f"{fact_prefix}{match['field']}", value, carrier_seqs(carrier_list))


def tender_alerts(
    matches: pl.DataFrame,
    code: str,
    role: str,
    explain: Callable[[list[dict[str, Any]]], tuple[str, str]],
    severity: Callable[[list[dict[str, Any]]], Severity],
    to_evidence: Callable[[dict[str, Any]], Evidence],
    extra_evidence: Callable[[str, int, list[dict[str, Any]]], list[Evidence]] | None = None,
) -> list[Alert]:
    """One alert per tender (lot and round) holding every shared value found there."""
    alerts: list[Alert] = []
    if matches.height == 0:
        return alerts
    ordered = matches.sort([*TENDER, "field", "value"])
    for (lot_id, round_), part in ordered.group_by(list(TENDER), maintain_order=True):
        rows = list(part.iter_rows(named=True))
        bidders = sorted({c["bidder_id"] for r in rows for c in r["carriers"]})
        items = [to_evidence(r) for r in rows]
        items.append(evidence("tender", {"lot_id": lot_id, "round": round_}))
        if extra_evidence is not None:
            items.extend(extra_evidence(str(lot_id), int(str(round_)), rows))
        zh, en = explain(rows)
        alerts.append(
            Alert(
                indicator=code,
                severity=severity(rows),
                subject="lot",
                subject_id=str(lot_id),
                lot_ids=(str(lot_id),),
                parties=tuple(AlertParty(b, role) for b in bidders),
                explanation_zh=zh,
                explanation_en=en,
                evidence=tuple(items),
                value=float(len(bidders)),
                key_facts=tuple(e.fact for e in items if e.fact != "tender") + ("tender",),
            )
        )
    return alerts


def tender_bidders(ctx_frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Distinct ``lot_id, round, bidder_id`` of everyone who took part in a tender."""
    parts = [f.select(*TENDER, "bidder_id") for f in ctx_frames if f.height]
    if not parts:
        return pl.DataFrame(schema={"lot_id": pl.String(), "round": pl.Int64(), "bidder_id": pl.String()})
    return pl.concat(parts).drop_nulls().unique()
