"""R035 all bids except the winner's disqualified (仅中标人合格): everyone else was knocked out.

Source: Open Contracting Partnership red flag R035 (Cardinal). When every bidder but one
is disqualified, the evaluation may have been arranged for a pre-determined winner
(Regs 41: collusion between tenderer and bidder).
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.ocp import lots_with_final_awards
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R035"


class Settings(IndicatorSettings):
    threshold: int = Field(
        default=1,
        ge=1,
        description="Minimum number of other bidders disqualified.",
    )


@indicator(
    code=CODE,
    name_zh="仅中标人合格",
    name_en="All except winning bid disqualified",
    basis="Open Contracting Partnership red flag R035; Regs 41",
    reads=("lots", "bids", "awards"),
    settings=Settings,
    realtime_events=(events.LOT_AWARDED,),
)
def all_except_winner_disqualified(ctx: Context, settings: Settings) -> list[Alert]:
    final = lots_with_final_awards(ctx)
    suppliers = (
        ctx.awards_in_scope()
        .join(final, on="lot_id", how="semi")
        .filter((pl.col("status") == "active") & pl.col("bidder_id").is_not_null())
        .group_by("lot_id")
        .agg(
            pl.col("bidder_id").unique().sort().alias("suppliers"),
            pl.col("event_seq").drop_nulls().sort().alias("award_seqs"),
        )
    )
    bids = ctx.bids_in_scope().join(final, on="lot_id", how="semi").filter(pl.col("bidder_id").is_not_null())
    valid = (
        bids.filter(pl.col("status") == "valid")
        .group_by("lot_id")
        .agg(
            pl.col("bidder_id").unique().sort().alias("valid"),
        )
    )
    disq = (
        bids.filter(pl.col("status") == "disqualified")
        .group_by("lot_id")
        .agg(
            pl.col("bidder_id").unique().sort().alias("disqualified"),
            pl.col("bid_id").unique().sort().alias("disqualified_bid_ids"),
            pl.col("event_seq").drop_nulls().sort().alias("disq_seqs"),
        )
    )
    table = (
        valid.join(suppliers, on="lot_id")
        .join(disq, on="lot_id")
        .filter((pl.col("valid").list.len() == 1) & (pl.col("valid") == pl.col("suppliers")))
        .with_columns(pl.col("disqualified").list.set_difference(pl.col("valid")).list.sort().alias("others"))
        .filter(pl.col("others").list.len() >= settings.threshold)
        .sort("lot_id")
    )
    alerts: list[Alert] = []
    for row in table.iter_rows(named=True):
        winner = row["valid"][0]
        others = row["others"]
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=(
                    AlertParty(winner, "winner"),
                    *(AlertParty(o, "disqualified") for o in others),
                ),
                explanation_zh=f"除中标人外，其余 {len(others)} 家投标人均被否决。",
                explanation_en=(f"Every other bidder ({len(others)}) was disqualified; only the winner's bid stood."),
                evidence=(
                    evidence("winner", winner, row["award_seqs"]),
                    evidence("disqualified_bidders", others, row["disq_seqs"]),
                    evidence("disqualified_bid_ids", row["disqualified_bid_ids"]),
                ),
                value=float(len(others)),
            )
        )
    return alerts
