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

from typing import Any, Literal

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, Evidence, Severity
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import (
    TENDER,
    carriers,
    drop_ignored,
    email_key,
    empty_carriers,
    generic_values,
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


def agent_carriers(ctx_details: pl.DataFrame, parties: pl.DataFrame, persons: pl.DataFrame,
                   tenders: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Carriers of every compared contact: from the bids, and from the registry for the tender's bidders."""
    wanted = set(settings.fields)
    # The representative is part of the bid's content: only opened bids have it. Keys are computed
    # once per distinct phone, email and name.
    details = with_key(with_key(with_key(ctx_details, "rep_phone", phone_key, "phone_key"), "rep_email", email_key,
                                "email_key"), "rep_name", text_key, "name_key")
    parts: list[pl.DataFrame] = []
    if "representative" in wanted:
        parts.append(carriers(details, field=pl.lit("representative"), value=pl.col("rep_person_id"),
                              shown=pl.col("rep_person_id"), origin=pl.lit("bid")))
    if "representative_name_phone" in wanted:
        key = pl.concat_str([pl.col("name_key"), pl.col("phone_key")], separator="|")
        shown = pl.concat_str([pl.col("rep_name"), pl.col("rep_phone")], separator=" ")
        parts.append(carriers(details, field=pl.lit("representative_name_phone"), value=key, shown=shown,
                              origin=pl.lit("bid")))
    if "phone" in wanted:
        rows = carriers(details, field=pl.lit("phone"), value=pl.col("phone_key"),
                        shown=pl.col("rep_phone"), origin=pl.lit("bid"))
        parts.append(drop_ignored(rows, settings.ignored_values, phone_key))
        if settings.compare_registry and tenders.height:
            registered = (
                tenders.join(parties.select("party_id", "phones", "event_seq"), left_on="bidder_id",
                             right_on="party_id", how="inner")
                .explode("phones")
                .rename({"phones": "phone"})
            )
            rows = carriers(registered, field=pl.lit("phone"), value=phone_key(pl.col("phone")),
                            shown=pl.col("phone"), origin=pl.lit("registry"))
            parts.append(drop_ignored(rows, settings.ignored_values, phone_key))
    if "email" in wanted:
        rows = carriers(details, field=pl.lit("email"), value=pl.col("email_key"),
                        shown=pl.col("rep_email"), origin=pl.lit("bid"))
        parts.append(drop_ignored(rows, settings.ignored_values, email_key))
        if settings.compare_registry and tenders.height:
            registered = tenders.join(parties.select("party_id", "email", "event_seq"), left_on="bidder_id",
                                      right_on="party_id", how="inner")
            rows = carriers(registered, field=pl.lit("email"), value=email_key(pl.col("email")),
                            shown=pl.col("email"), origin=pl.lit("registry"))
            parts.append(drop_ignored(rows, settings.ignored_values, email_key))
    if "representative_employer" in wanted and persons.height:
        employed = details.join(
            persons.select("person_id", pl.col("employer_id"), pl.col("name").alias("person_name"),
                           pl.col("event_seq").alias("person_seq")),
            left_on="rep_person_id", right_on="person_id", how="inner",
        ).filter(pl.col("employer_id").is_not_null())
        # The bid carries its representative's employer; each bidder of the tender carries itself.
        parts.append(carriers(employed, field=pl.lit("representative_employer"), value=pl.col("employer_id"),
                              shown=pl.concat_str([pl.col("rep_person_id"), pl.col("employer_id")], separator=" @ "),
                              origin=pl.lit("bid"), event_seq=pl.col("person_seq")))
        parts.append(carriers(tenders, field=pl.lit("representative_employer"), value=pl.col("bidder_id"),
                              shown=pl.col("bidder_id"), origin=pl.lit("employer")))
    if not parts:
        return empty_carriers()
    rows = pl.concat(parts)
    # Registry rows only matter where a bid carries the same value: drop the rest early (a million
    # bids bring a million registered phones, of which a handful match).
    from_bids = rows.filter(pl.col("origin") == "bid").select("field", "value").unique()
    return pl.concat(
        [rows.filter(pl.col("origin") == "bid"),
         rows.filter(pl.col("origin") != "bid").join(from_bids, on=["field", "value"], how="semi")]
    )


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
    rows = agent_carriers(details, ctx.frames.parties, ctx.frames.persons, tenders, settings)
    if rows.height == 0:
        return []
    if ctx.reference is ctx.frames:
        # Spread counted over the bids' own contacts; the employer field matches on party ids, never generic.
        generic_rows = rows.filter(pl.col("field") != "representative_employer")
        matches = pl.concat([
            shared_values(generic_rows, primary=("bid",), generic_bidders=settings.generic_value_bidders,
                          spread_of=("bid",)),
            shared_values(rows.filter(pl.col("field") == "representative_employer"), primary=("bid",)),
        ])
    else:
        ref_details = ctx.reference.bid_details
        reference = agent_carriers(ref_details, ctx.reference.parties, ctx.reference.persons,
                                   tender_bidders([ref_details]), settings)
        generic = generic_values(reference.filter(pl.col("origin") == "bid"), settings.generic_value_bidders)
        generic = generic.filter(pl.col("field") != "representative_employer")
        rows = rows.join(generic.select("field", "value"), on=["field", "value"], how="anti")
        matches = shared_values(rows, primary=("bid",))

    def to_evidence(match: dict[str, Any]) -> Evidence:
        zh, en = LABELS[match["field"]]
        return match_evidence("same_", match, {"label": f"{zh} / {en}"})

    return tender_alerts(matches, CODE, "same_agent", _explain, _severity, to_evidence)
