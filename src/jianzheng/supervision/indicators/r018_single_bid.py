"""R018 single bid received (单一投标): only one bidder bid in a competitive procedure.

Source: Open Contracting Partnership red flag R018 (Cardinal). Under the Bidding Law a lot
with fewer than three bids is not opened but re-tendered (Law 28, Regs 44); a single bid
on an open or selective lot is the clearest sign that competition was suppressed.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R018"


class Settings(IndicatorSettings):
    procurement_methods: tuple[str, ...] = Field(
        default=("open", "selective"),
        description="Competitive procurement methods; only lots with one of these are read.",
    )


@indicator(
    code=CODE,
    name_zh="单一投标",
    name_en="Single bid received",
    basis="Open Contracting Partnership red flag R018; Law 28, Regs 44 (three-bid minimum)",
    reads=("lots", "bids"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def single_bid(ctx: Context, settings: Settings) -> list[Alert]:
    lots = ctx.lots_in_scope().filter(pl.col("procurement_method").is_in(list(settings.procurement_methods)))
    bidders = (
        ctx.submitted_bids()
        .filter(pl.col("bidder_id").is_not_null())
        .group_by("lot_id")
        .agg(
            pl.col("bidder_id").n_unique().alias("bidders"),
            pl.col("bidder_id").unique().sort().alias("bidder_ids"),
            pl.col("bid_id").unique().sort().alias("bid_ids"),
            pl.col("event_seq").drop_nulls().unique().sort().alias("bid_seqs"),
        )
    )
    counted = lots.join(bidders, on="lot_id", how="left").with_columns(
        pl.coalesce(pl.col("number_of_tenderers"), pl.col("bidders"), pl.lit(0)).alias("count")
    )
    flagged = counted.filter(pl.col("count") == 1).sort("lot_id")
    alerts: list[Alert] = []
    for row in flagged.iter_rows(named=True):
        ids = row["bidder_ids"] or []
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=tuple(AlertParty(p, "sole_bidder") for p in ids),
                explanation_zh=f"竞争性程序（{row['procurement_method']}）只收到一家投标。",
                explanation_en=(f"Only one bidder bid in a competitive ({row['procurement_method']}) procedure."),
                evidence=(
                    evidence("procurement_method", row["procurement_method"], [row["event_seq"]]),
                    evidence("bidders", row["count"], row["bid_seqs"] or []),
                    evidence("bid_ids", row["bid_ids"] or []),
                ),
                value=1.0,
            )
        )
    return alerts
