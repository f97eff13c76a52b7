"""R030 late bid won (逾期投标中标): the winning bid was received after the bid deadline.

Source: Open Contracting Partnership red flag R030 (Cardinal). Bids received after the
deadline must be refused (Law 28; Order 20 Art. 27); a late bid that wins means the
deadline was not enforced or the record was altered.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R030"


class Settings(IndicatorSettings):
    grace_seconds: int = Field(
        default=0,
        ge=0,
        description="Seconds after the deadline still treated as on time (clock tolerance).",
    )


@indicator(
    code=CODE,
    name_zh="逾期投标中标",
    name_en="Late bid won",
    basis="Open Contracting Partnership red flag R030; Law 28, Order 20 Art. 27",
    reads=("lots", "bids", "awards"),
    settings=Settings,
    realtime_events=(events.LOT_AWARDED,),
)
def late_bid_won(ctx: Context, settings: Settings) -> list[Alert]:
    lots = ctx.lots_in_scope().filter(pl.col("bid_deadline").is_not_null())
    winners = (
        ctx.awards_in_scope()
        .filter((pl.col("status") == "active") & pl.col("bidder_id").is_not_null())
        .select("lot_id", "bidder_id", pl.col("event_seq").alias("award_event_seq"))
        .unique(subset=["lot_id", "bidder_id"], keep="first")
    )
    late = (
        ctx.bids_in_scope()
        .filter((pl.col("status") == "valid") & pl.col("submitted_at").is_not_null())
        .join(lots.select("lot_id", "bid_deadline", pl.col("event_seq").alias("lot_seq")), on="lot_id")
        .filter(pl.col("submitted_at") > pl.col("bid_deadline") + pl.duration(seconds=settings.grace_seconds))
        .join(winners, on=["lot_id", "bidder_id"], how="inner")
        .sort(["lot_id", "bid_id", "bidder_id"])
    )
    alerts: list[Alert] = []
    for (lot_id,), part in late.group_by(["lot_id"], maintain_order=True):
        rows = list(part.iter_rows(named=True))
        first = rows[0]
        hours = (first["submitted_at"] - first["bid_deadline"]).total_seconds() / 3600
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high",
                subject="lot",
                subject_id=str(lot_id),
                lot_ids=(str(lot_id),),
                parties=tuple(AlertParty(b, "winner") for b in dict.fromkeys(r["bidder_id"] for r in rows)),
                explanation_zh=f"中标投标在截止时间后 {hours:.1f} 小时才递交。",
                explanation_en=f"The winning bid arrived {hours:.1f} hours after the deadline.",
                evidence=(
                    evidence("bid_deadline", first["bid_deadline"].isoformat(), [first["lot_seq"]]),
                    *(
                        evidence(
                            "late_winning_bid",
                            {
                                "bid_id": r["bid_id"],
                                "bidder_id": r["bidder_id"],
                                "submitted_at": r["submitted_at"].isoformat(),
                            },
                            [r["event_seq"], r["award_event_seq"]],
                        )
                        for r in rows
                    ),
                ),
                value=1.0,
            )
        )
    return alerts
