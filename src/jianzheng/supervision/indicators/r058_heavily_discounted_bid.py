"""R058 heavily discounted bid (异常低价中标): the winner bid far below everyone else.

Source: Open Contracting Partnership red flag R058 (Cardinal). A winning price far below
the next bid can mean the winner knew something others did not (a leaked reserve price,
Regs 41) or plans to recover the difference through contract changes; Regs 51(5) lets the
committee reject a bid priced below cost.
"""

from __future__ import annotations

from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.ocp import second_lowest_ratios
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings
from jianzheng.supervision.stats import tukey_fences

CODE = "R058"


class Settings(IndicatorSettings):
    threshold: float | None = Field(
        default=None,
        ge=0,
        description="Fixed upper fence for the ratio (second − winner) / winner; when unset, "
        "Q3 + 1.5·IQR of all lots' ratios.",
    )
    min_lots: int = Field(
        default=20,
        ge=1,
        description="Minimum number of lots with a ratio before a fence is computed from them.",
    )


@indicator(
    code=CODE,
    name_zh="异常低价中标",
    name_en="Heavily discounted bid",
    basis="Open Contracting Partnership red flag R058; Regs 41, Regs 51(5)",
    reads=("lots", "bids", "awards"),
    settings=Settings,
)
def heavily_discounted_bid(ctx: Context, settings: Settings) -> list[Alert]:
    ratios = second_lowest_ratios(ctx)
    if settings.threshold is not None:
        fence, fence_facts = settings.threshold, {"threshold": settings.threshold}
    else:
        fences = tukey_fences(ratios["ratio"].to_numpy(), settings.min_lots)
        if fences is None:
            return []
        fence, fence_facts = fences.upper, fences.to_json()
    # A zero fence means three quarters of lots have tied bids; it would flag every lot.
    if fence <= 0:
        return []
    alerts: list[Alert] = []
    for row in ratios.filter(ratios["ratio"] >= fence).iter_rows(named=True):
        pct = row["ratio"] * 100
        alerts.append(
            Alert(
                indicator=CODE,
                severity="low",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=(
                    AlertParty(row["winner_id"], "winner"),
                    AlertParty(row["second_id"], "second_lowest"),
                ),
                explanation_zh=f"中标价比次低有效报价低 {pct:.2f}%，高于全体标段的上限。",
                explanation_en=(
                    f"The second-lowest valid bid is {pct:.2f}% above the winning bid, a high outlier among all lots."
                ),
                evidence=(
                    evidence(
                        "winning_bid",
                        {"bid_id": row["winner_bid_id"], "price_fen": row["winner_price_fen"]},
                        [row["winner_event_seq"]],
                    ),
                    evidence(
                        "second_lowest_bid",
                        {"bid_id": row["second_bid_id"], "price_fen": row["second_price_fen"]},
                        [row["second_event_seq"]],
                    ),
                    evidence("ratio", row["ratio"]),
                    evidence("fence", fence_facts),
                ),
                value=row["ratio"],
                key_facts=("winning_bid", "second_lowest_bid", "ratio"),
            )
        )
    return alerts
