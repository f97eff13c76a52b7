"""R025 excessive unsuccessful bids (频繁陪标): a busy bidder that almost never wins.

Source: Open Contracting Partnership red flag R025 (Cardinal), after Tóth et al. (2014),
"superfluous losing bidders". A bidder that bids often and nearly always loses may be
supplying cover bids (陪标) for a cartel; compare Regs 39 and 40.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.ocp import single_winners
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings
from jianzheng.supervision.stats import quantile, tukey_fences

CODE = "R025"


class Settings(IndicatorSettings):
    percentile: int = Field(
        default=75,
        ge=0,
        le=100,
        description="A bidder is a top bidder when its number of lots bid is at least this "
        "percentile of all bidders' numbers.",
    )
    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Fixed lower fence for the win ratio; when unset, Q1 − 1.5·IQR of all bidders' win ratios.",
    )
    min_bidders: int = Field(
        default=20,
        ge=1,
        description="Minimum number of bidders before percentiles and fences are computed.",
    )


@indicator(
    code=CODE,
    name_zh="频繁陪标",
    name_en="Excessive unsuccessful bids",
    basis="Open Contracting Partnership red flag R025; Regs 39, 40",
    reads=("lots", "bids", "awards"),
    settings=Settings,
)
def excessive_unsuccessful_bids(ctx: Context, settings: Settings) -> list[Alert]:
    winners = single_winners(ctx)
    pairs = (
        ctx.bids_in_scope()
        .filter((pl.col("status") == "valid") & (pl.col("members") == 1) & pl.col("bidder_id").is_not_null())
        .join(winners.select("lot_id", "winner_id"), on="lot_id", how="inner")
        .group_by(["bidder_id", "lot_id"])
        .agg(
            (pl.col("bidder_id") == pl.col("winner_id")).any().alias("won"),
            pl.col("event_seq").drop_nulls().min().alias("event_seq"),
        )
    )
    per_bidder = (
        pairs.group_by("bidder_id")
        .agg(
            pl.len().alias("lots_bid"),
            pl.col("won").sum().cast(pl.Int64).alias("lots_won"),
            pl.col("lot_id").sort().alias("lot_ids"),
            pl.col("lot_id").filter(pl.col("won")).sort().alias("won_lot_ids"),
        )
        .with_columns((pl.col("lots_won") / pl.col("lots_bid")).alias("ratio"))
    )
    if per_bidder.height == 0 or per_bidder.height < settings.min_bidders:
        return []
    top = quantile(per_bidder["lots_bid"].to_numpy(), settings.percentile / 100)
    if settings.threshold is not None:
        fence, fence_facts = settings.threshold, {"threshold": settings.threshold}
    else:
        fences = tukey_fences(per_bidder["ratio"].to_numpy(), settings.min_bidders)
        if fences is None:
            return []
        fence, fence_facts = fences.lower, fences.to_json()
    flagged = per_bidder.filter((pl.col("lots_bid") >= top) & (pl.col("ratio") < fence)).sort("bidder_id")
    alerts: list[Alert] = []
    for row in flagged.iter_rows(named=True):
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="bidder",
                subject_id=row["bidder_id"],
                lot_ids=tuple(row["lot_ids"]),
                parties=(AlertParty(row["bidder_id"], "bidder"),),
                explanation_zh=(f"该投标人参与 {row['lots_bid']} 个标段，仅中标 {row['lots_won']} 个，中标率异常低。"),
                explanation_en=(
                    f"The bidder bid on {row['lots_bid']} lots and won {row['lots_won']}: "
                    "an abnormally low win ratio for a frequent bidder."
                ),
                evidence=(
                    evidence("lots_bid", row["lots_bid"]),
                    evidence("lots_won", row["won_lot_ids"]),
                    evidence("win_ratio", row["ratio"]),
                    evidence("top_bidder_lots", top),
                    evidence("fence", fence_facts),
                ),
                value=row["ratio"],
                key_facts=("lots_bid", "lots_won", "win_ratio"),
            )
        )
    return alerts
