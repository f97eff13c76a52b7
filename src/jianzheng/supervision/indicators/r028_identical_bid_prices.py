"""R028 identical bid prices (报价相同): different bidders bid exactly the same price.

Source: Open Contracting Partnership red flag R028 (Cardinal); Regs 40(4) deems bids
"abnormally consistent" (投标文件异常一致) to be collusion. Identical prices from different
bidders point to a shared author or a leaked price.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R028"


class Settings(IndicatorSettings):
    min_bidders: int = Field(
        default=2,
        ge=2,
        description="How many different bidders (or joint-bid groups) must share one price.",
    )


@indicator(
    code=CODE,
    name_zh="报价相同",
    name_en="Identical bid prices",
    basis="Open Contracting Partnership red flag R028; Regs 40(4)",
    reads=("lots", "bids"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def identical_bid_prices(ctx: Context, settings: Settings) -> list[Alert]:
    comparable = ctx.price_comparable_lot_ids().to_frame()
    bids = (
        ctx.submitted_bids()
        .join(comparable, on="lot_id", how="semi")
        .filter(pl.col("price_fen").is_not_null() & pl.col("bidder_id").is_not_null())
    )
    # A joint bid is one bidding group: its members, sorted, form its key.
    groups = bids.group_by(["lot_id", "bid_id"]).agg(
        pl.col("price_fen").first(),
        pl.col("bidder_id").unique().sort().str.join("+").alias("group_key"),
        pl.col("bidder_id").unique().sort().alias("members"),
        pl.col("event_seq").drop_nulls().min().alias("event_seq"),
    )
    shared = (
        groups.group_by(["lot_id", "price_fen"])
        .agg(
            pl.col("group_key").n_unique().alias("groups"),
            pl.col("bid_id").sort().alias("bid_ids"),
            pl.col("members").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("bidder_ids"),
            pl.col("event_seq").drop_nulls().sort().alias("event_seqs"),
        )
        .filter(pl.col("groups") >= settings.min_bidders)
        .sort(["lot_id", "price_fen"])
    )
    alerts: list[Alert] = []
    for (lot_id,), part in shared.group_by(["lot_id"], maintain_order=True):
        rows = list(part.iter_rows(named=True))
        bidder_ids = sorted({b for r in rows for b in r["bidder_ids"]})
        prices = ", ".join(f"{r['price_fen'] / 100:.2f}" for r in rows)
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high",
                subject="lot",
                subject_id=str(lot_id),
                lot_ids=(str(lot_id),),
                parties=tuple(AlertParty(b, "same_price") for b in bidder_ids),
                explanation_zh=f"{len(bidder_ids)} 家投标人报出相同价格（{prices} 元）。",
                explanation_en=f"{len(bidder_ids)} bidders bid identical prices ({prices}).",
                evidence=tuple(
                    evidence(
                        "same_price",
                        {
                            "price_fen": r["price_fen"],
                            "bid_ids": r["bid_ids"],
                            "bidder_ids": r["bidder_ids"],
                        },
                        r["event_seqs"],
                    )
                    for r in rows
                ),
                value=1.0,
            )
        )
    return alerts
