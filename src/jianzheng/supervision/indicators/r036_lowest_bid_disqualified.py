"""R036 lowest bid disqualified (最低价投标被否决): the cheapest bid was thrown out.

Source: Open Contracting Partnership red flag R036 (Cardinal). Where the award is on price,
disqualifying the lowest bid hands the lot to a dearer bidder; it needs a recorded reason
(Regs 51 lists the grounds for rejecting a bid).
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R036"


class Settings(IndicatorSettings):
    require_active_award: bool = Field(
        default=True,
        description="Only read lots with an active award (the evaluation is final).",
    )


@indicator(
    code=CODE,
    name_zh="最低价投标被否决",
    name_en="Lowest bid disqualified",
    basis="Open Contracting Partnership red flag R036; Regs 51",
    reads=("lots", "bids", "awards"),
    settings=Settings,
    realtime_events=(events.LOT_EVALUATION_REPORTED, events.LOT_AWARDED),
)
def lowest_bid_disqualified(ctx: Context, settings: Settings) -> list[Alert]:
    lots = ctx.price_comparable_lot_ids().to_frame()
    if settings.require_active_award:
        awarded = ctx.awards_in_scope().filter(pl.col("status") == "active").select("lot_id")
        lots = lots.join(awarded.unique(), on="lot_id", how="semi")
    priced = (
        ctx.submitted_bids()
        .join(lots, on="lot_id", how="semi")
        .filter(pl.col("price_fen").is_not_null())
        .with_columns(pl.col("price_fen").min().over("lot_id").alias("lowest"))
    )
    per_lot = (
        priced.group_by("lot_id")
        .agg(
            pl.col("lowest").first(),
            (pl.col("status") == "valid").any().alias("has_valid"),
            pl.col("price_fen").filter(pl.col("status") == "valid").min().alias("lowest_valid"),
            pl.col("bid_id")
            .filter((pl.col("price_fen") == pl.col("lowest")) & (pl.col("status") == "disqualified"))
            .unique()
            .sort()
            .alias("bid_ids"),
            pl.col("bidder_id")
            .filter(
                (pl.col("price_fen") == pl.col("lowest"))
                & (pl.col("status") == "disqualified")
                & pl.col("bidder_id").is_not_null()
            )
            .unique()
            .sort()
            .alias("bidder_ids"),
            pl.col("event_seq")
            .filter((pl.col("price_fen") == pl.col("lowest")) & (pl.col("status") == "disqualified"))
            .drop_nulls()
            .sort()
            .alias("seqs"),
        )
        .filter(pl.col("has_valid") & (pl.col("bid_ids").list.len() > 0))
        .sort("lot_id")
    )
    alerts: list[Alert] = []
    for row in per_lot.iter_rows(named=True):
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=tuple(AlertParty(b, "disqualified_lowest") for b in row["bidder_ids"]),
                explanation_zh=(
                    f"最低报价（{row['lowest'] / 100:.2f} 元）被否决，"
                    f"最低有效报价为 {row['lowest_valid'] / 100:.2f} 元。"
                ),
                explanation_en=(
                    f"The lowest bid ({row['lowest'] / 100:.2f}) was disqualified; the lowest "
                    f"valid bid is {row['lowest_valid'] / 100:.2f}."
                ),
                evidence=(
                    evidence(
                        "disqualified_lowest_bids",
                        {"price_fen": row["lowest"], "bid_ids": row["bid_ids"]},
                        row["seqs"],
                    ),
                    evidence("lowest_valid_price_fen", row["lowest_valid"]),
                ),
                value=1.0,
            )
        )
    return alerts
