"""REGS40-2 same agent (委托同一单位或者个人办理投标事宜): different bidders used the same representative.

Regs 40(2) deems bids collusive when "different bidders entrusted the same organisation or
person with their bidding" (不同投标人委托同一单位或者个人办理投标事宜). A bid names its
authorised representative (授权委托人) and a contact; the sign is the same person (by
registered person id, or by name and phone together), the same contact phone or email in
the bids of different bidders of one tender — or one bidder's contact being another
bidder's registered phone or email, or its representative being another bidder's employee
(or the representatives of several bids being employees of one company).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, Evidence, Severity
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import (
    TENDER,
    carriers,
    email_key,
    empty_carriers,
    hashed,
    keep_shared,
    match_evidence,
    phone_key,
    shared_values,
    tender_alerts,
    tender_bidders,
    text_key,
    with_key,
)
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS40-2"

AgentField = Literal["representative", "representative_name_phone", "phone", "email", "representative_employer"]
LABELS = {
    "representative": ("授权代表（同一人员）", "representative (same person)"),
    "representative_name_phone": ("授权代表姓名及电话", "representative's name and phone"),
    "phone": ("联系电话", "contact phone"),
    "email": ("电子邮箱", "email"),
    "representative_employer": ("授权代表的工作单位（相同，或为其他投标人）",
                                "representative's employer (shared, or another bidder)"),
}
STRONG = ("representative", "representative_name_phone", "email", "representative_employer")


class Settings(IndicatorSettings):
    fields: tuple[AgentField, ...] = Field(
        default=("representative", "representative_name_phone", "phone", "email", "representative_employer"),
        description="What is compared: the representative's person id, name with phone, the contact phone, "
        "the email, and the representative's registered employer (the same company behind several bids, or "
        "another bidder of the tender).",
    )
    compare_registry: bool = Field(
        default=True,
        description="Also match a bid's contact phone or email against the registered phones and emails of "
        "the other bidders of the tender.",
    )
    ignored_values: tuple[str, ...] = Field(
        default=("无", "none", "n/a", "-", "00000000000", "13800138000", "12345678901"),
        description="Placeholder contacts that never count as a match (compared after normalising).",
    )
    generic_value_bidders: int = Field(
        default=25,
        ge=2,
        description="A phone or email used by at least this many different bidders across all history (a "
        "switchboard, a help line) is not compared.",
    )


def _ignored(keyed: pl.DataFrame, settings: Settings, normalise: Callable[[pl.Expr], pl.Expr]) -> pl.DataFrame:
    values = [v for v in settings.ignored_values if v]
    keyed = keyed.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    if not values:
        return keyed
    placeholders = pl.DataFrame({"raw": values}).select(normalise(pl.col("raw")).alias("key")).drop_nulls()
    return keyed.join(placeholders, on="key", how="anti")


def bid_keys(details: pl.DataFrame, persons: pl.DataFrame, settings: Settings) -> Iterator[tuple[str, pl.DataFrame]]:
    """Per compared field: the opened bids with the normalised contact as ``key`` (placeholders removed).

    The representative is part of the bid's content: only opened bids have it. Keys are
    computed once per distinct phone, email and name.
    """
    wanted = set(settings.fields)
    if "representative" in wanted:
        yield "representative", details.with_columns(pl.col("rep_person_id").alias("key"),
                                                     pl.col("rep_person_id").alias("shown")).filter(
            pl.col("key").is_not_null())
    keyed = with_key(with_key(details, "rep_phone", phone_key, "phone_key"), "rep_name", text_key, "name_key")
    if "representative_name_phone" in wanted:
        yield "representative_name_phone", keyed.with_columns(
            pl.concat_str([pl.col("name_key"), pl.col("phone_key")], separator="|").alias("key"),
            pl.concat_str([pl.col("rep_name"), pl.col("rep_phone")], separator=" ").alias("shown"),
        ).filter(pl.col("key").is_not_null())
    if "phone" in wanted:
        phones = keyed.with_columns(pl.col("phone_key").alias("key"), pl.col("rep_phone").alias("shown"))
        yield "phone", _ignored(phones, settings, phone_key)
    if "email" in wanted:
        yield "email", _ignored(with_key(details, "rep_email", email_key, "key").with_columns(
            pl.col("rep_email").alias("shown")), settings, email_key)
    if "representative_employer" in wanted and persons.height:
        employed = details.join(
            persons.select("person_id", "employer_id", pl.col("event_seq").alias("person_seq")),
            left_on="rep_person_id", right_on="person_id", how="inner",
        ).filter(pl.col("employer_id").is_not_null())
        yield "representative_employer", employed.with_columns(
            pl.col("employer_id").alias("key"),
            pl.concat_str([pl.col("rep_person_id"), pl.col("employer_id")], separator=" @ ").alias("shown"),
            pl.col("person_seq").alias("event_seq"),
        )


def registry_keys(parties: pl.DataFrame, field: str, settings: Settings) -> pl.DataFrame:
    """``bidder_id, key, shown, event_seq`` of each party's registered phones or email."""
    if field == "phone":
        registered = parties.select(pl.col("party_id").alias("bidder_id"), pl.col("phones").alias("shown"),
                                    "event_seq").explode("shown")
        return _ignored(with_key(registered, "shown", phone_key, "key"), settings, phone_key)
    registered = parties.select(pl.col("party_id").alias("bidder_id"), pl.col("email").alias("shown"), "event_seq")
    return _ignored(with_key(registered, "shown", email_key, "key"), settings, email_key)


def agent_carriers(details: pl.DataFrame, parties: pl.DataFrame, persons: pl.DataFrame, tenders: pl.DataFrame,
                   settings: Settings, generic: pl.DataFrame | None = None,
                   generic_bidders: int | None = None) -> pl.DataFrame:
    """Carriers of the contacts bidders share: from the bids, and from the registry for the tender's bidders.

    Values carried by ``generic_bidders`` or more bidders (counted over the bids; the batch)
    or listed in ``generic`` (``field, value``; real time) are left out, except employers
    (party ids are never generic).
    """
    parts: list[pl.DataFrame] = []
    for name, keyed in bid_keys(details, persons, settings):
        limit = None if name == "representative_employer" else generic_bidders
        if generic is not None and name != "representative_employer":
            keyed = keyed.join(generic.filter(pl.col("field") == name).select(pl.col("value").alias("key")),
                               on="key", how="anti")
        registry = None
        if name in ("phone", "email") and settings.compare_registry and tenders.height:
            registry = registry_keys(parties, name, settings)
        elif name == "representative_employer":
            # Each bidder of the tender carries itself: an employer that is a bidder is a match.
            registry = tenders.select("bidder_id").unique().with_columns(pl.col("bidder_id").alias("key"))
        also = registry.select("key", "bidder_id") if registry is not None else None
        shared = keep_shared(keyed, "key", limit, also=also)
        parts.append(carriers(shared, field=pl.lit(name), value=pl.col("key"), shown=pl.col("shown"),
                              origin=pl.lit("bid")))
        if registry is not None and shared.height:
            # Registry rows only for the tenders' bidders whose registered value a bid carries.
            wanted = registry.join(shared.select("key").unique(), on="key", how="semi")
            origin = "employer" if name == "representative_employer" else "registry"
            rows = tenders.join(wanted, on="bidder_id", how="inner")
            if name == "representative_employer":
                rows = rows.with_columns(pl.col("bidder_id").alias("shown"), pl.lit(None, dtype=pl.Int64).alias(
                    "event_seq"))
            parts.append(carriers(rows, field=pl.lit(name), value=pl.col("key"), shown=pl.col("shown"),
                                  origin=pl.lit(origin)))
    return pl.concat(parts) if parts else empty_carriers()


def generic_keys(details: pl.DataFrame, persons: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """``field, value`` of contacts ``generic_value_bidders`` or more different bidders give in their bids."""
    parts = [
        keyed.group_by("key").agg(hashed("bidder_id").n_unique().alias("n"))
        .filter(pl.col("n") >= settings.generic_value_bidders)
        .select(pl.lit(name).alias("field"), pl.col("key").alias("value"))
        for name, keyed in bid_keys(details, persons, settings)
        if name != "representative_employer"
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"field": pl.String(), "value": pl.String()})


def _severity(rows: list[dict[str, Any]]) -> Severity:
    return "high" if {r["field"] for r in rows} & set(STRONG) else "medium"


def _explain(rows: list[dict[str, Any]]) -> tuple[str, str]:
    fields = list(dict.fromkeys(r["field"] for r in rows))
    bidders = {c["bidder_id"] for r in rows for c in r["carriers"]}
    return (
        f"{len(bidders)} 家投标人的{'、'.join(LABELS[f][0] for f in fields)}相同，视为委托同一单位或个人办理投标事宜"
        "（条例第四十条第二项）。",
        f"{len(bidders)} bidders share the same {', '.join(LABELS[f][1] for f in fields)}: the same organisation "
        "or person handled their bids (Regs 40(2)).",
    )


@indicator(
    code=CODE,
    name_zh="委托同一单位或个人办理投标",
    name_en="Bids handled by the same agent",
    basis="招标投标法实施条例第四十条第（二）项 / Regs 40(2)",
    reads=("lots", "bid_details", "parties", "persons"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def same_agent(ctx: Context, settings: Settings) -> list[Alert]:
    details = ctx.in_scope("bid_details")
    if details.height == 0:
        return []
    tenders = tender_bidders([details]).select(*TENDER, "bidder_id")
    parties, persons = ctx.frames.parties, ctx.frames.persons
    if ctx.reference is ctx.frames:
        rows = agent_carriers(details, parties, persons, tenders, settings,
                              generic_bidders=settings.generic_value_bidders)
    else:
        # In real time the lot's own bids cannot tell a generic contact: history can.
        generic = generic_keys(ctx.reference.bid_details, ctx.reference.persons, settings)
        rows = agent_carriers(details, parties, persons, tenders, settings, generic=generic)
    if rows.height == 0:
        return []
    matches = shared_values(rows, primary=("bid",))

    def to_evidence(match: dict[str, Any]) -> Evidence:
        zh, en = LABELS[match["field"]]
        return match_evidence("same_", match, {"label": f"{zh} / {en}"})

    return tender_alerts(matches, CODE, "same_agent", _explain, _severity, to_evidence)
