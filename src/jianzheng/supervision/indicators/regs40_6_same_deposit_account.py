"""REGS40-6 deposits from the same account (投标保证金从同一单位或者个人的账户转出).

Regs 40(6) deems bids collusive when "the bid deposits of different bidders were transferred
from the account of the same organisation or person" (不同投标人的投标保证金从同一单位或者
个人的账户转出). Each deposit records the paying account; the sign is one account paying the
deposits of two bidders of a tender, or paying one bidder's deposit when it is another
bidder's registered basic account (Regs 26 wants each deposit from the bidder's own basic
account).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, Evidence, Severity
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import (
    TENDER,
    account_key,
    carriers,
    keep_shared,
    match_evidence,
    shared_values,
    tender_alerts,
    tender_bidders,
    with_key,
)
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS40-6"


class Settings(IndicatorSettings):
    compare_registry: bool = Field(
        default=True,
        description="Also flag a deposit paid from the registered basic account of another bidder of the tender.",
    )
    min_account_chars: int = Field(
        default=6,
        ge=1,
        description="Account numbers shorter than this (after removing spaces and dashes) are not compared.",
    )


@indicator(
    code=CODE,
    name_zh="投标保证金从同一账户转出",
    name_en="Deposits paid from the same account",
    basis="招标投标法实施条例第四十条第（六）项 / Regs 40(6)",
    reads=("lots", "deposits", "parties"),
    settings=Settings,
    realtime_events=(events.LOT_DEPOSIT_PAID, events.LOT_OPENED),
)
def same_deposit_account(ctx: Context, settings: Settings) -> list[Alert]:
    deposits = ctx.in_scope("deposits")
    if deposits.height == 0:
        return []
    long_enough = pl.col("key").is_not_null() & (pl.col("key").str.len_chars() >= settings.min_account_chars)
    keyed = with_key(deposits, "paying_account", account_key, "key").filter(long_enough)
    registry = None
    if settings.compare_registry:
        registry = with_key(
            ctx.frames.parties.select(pl.col("party_id").alias("bidder_id"), "basic_account", "event_seq"),
            "basic_account", account_key, "key",
        ).filter(long_enough)
    # Accounts two bidders paid from, and accounts some bidder registered that paid a deposit.
    shared = keep_shared(keyed, "key", also=registry.select("key", "bidder_id") if registry is not None else None)
    parts = [carriers(shared.with_columns(pl.col("deposit_id").alias("bid_id")), field=pl.lit("paying_account"),
                      value=pl.col("key"), shown=pl.col("paying_account"), origin=pl.lit("deposit"))]
    if registry is not None and shared.height:
        tenders = tender_bidders([deposits, ctx.in_scope("bid_details")]).select(*TENDER, "bidder_id")
        owners = registry.join(shared.select("key").unique(), on="key", how="semi")
        parts.append(carriers(tenders.join(owners, on="bidder_id", how="inner"), field=pl.lit("paying_account"),
                              value=pl.col("key"), shown=pl.col("basic_account"), origin=pl.lit("registry")))
    matches = shared_values(pl.concat(parts), primary=("deposit",))
    wanted = parts[0].select("bid_id").unique()
    details = {r["deposit_id"]: r for r in deposits.join(wanted.rename({"bid_id": "deposit_id"}), on="deposit_id",
                                                          how="semi").iter_rows(named=True)}

    def to_evidence(match: dict[str, Any]) -> Evidence:
        paid = [details[c["bid_id"]] for c in match["carriers"] if c["origin"] == "deposit"]
        owners = sorted({c["bidder_id"] for c in match["carriers"] if c["origin"] == "registry"})
        return match_evidence(
            "same_",
            match,
            {
                "deposits": [
                    {
                        "deposit_id": d["deposit_id"],
                        "bidder_id": d["bidder_id"],
                        "amount_fen": d["amount_fen"],
                        "paying_bank": d["paying_bank"],
                        "from_basic_account": d["from_basic_account"],
                        "paid_at": d["paid_at"].isoformat() if d["paid_at"] is not None else None,
                    }
                    for d in paid
                ],
                "registered_basic_account_of": owners,
            },
            id_name="deposit_id",
        )

    def severity(rows: list[dict[str, Any]]) -> Severity:
        return "high"

    def explain(rows: list[dict[str, Any]]) -> tuple[str, str]:
        bidders = {c["bidder_id"] for r in rows for c in r["carriers"]}
        return (
            f"{len(bidders)} 家投标人的投标保证金从同一账户转出，或从其他投标人的基本账户转出（条例第四十条第六项）。",
            f"The deposits of {len(bidders)} bidders came from the same account, or from another bidder's "
            "basic account (Regs 40(6)).",
        )

    return tender_alerts(matches, CODE, "same_account", explain, severity, to_evidence)
