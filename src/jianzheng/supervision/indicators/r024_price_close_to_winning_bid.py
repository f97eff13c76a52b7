"""R024 price close to the winning bid (报价紧贴中标价): the runner-up hugs the winner's price.

Source: Open Contracting Partnership red flag R024 (Cardinal), after Tóth et al. (2014),
"Toolkit for detecting collusive bidding in public procurement". A cover bidder mimics
competition by bidding just above its partner; compare Regs 40(4), bid prices with regular
differences.
"""

from __future__ import annotations

from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.ocp import second_lowest_ratios
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings
from jianzheng.supervision.stats import tukey_fences

CODE = "R024"


class Settings(IndicatorSettings):
    threshold: float | None = Field(
        default=None,
        ge=0,
        description="Fixed lower fence for the ratio (second − winner) / winner; when unset, "
        "Q1 − 1.5·IQR of all lots' ratios.",
    )
    min_lots: int = Field(
        default=20,
        ge=1,
        description="Minimum number of lots with a ratio before a fence is computed from them.",
    )


@indicator(
    code=CODE,
    name_zh="报价紧贴中标价",
    name_en="Price close to winning bid",
    basis="Open Contracting Partnership red flag R024; Regs 40(4)",
    reads=("lots", "bids", "awards"),
    settings=Settings,
)
def price_close_to_winning_bid(ctx: Context, settings: Settings) -> list[Alert]:
    ratios = second_lowest_ratios(ctx)
    if settings.threshold is not None:
        fence, fence_facts = settings.threshold, {"threshold": settings.threshold}
    else:
        fences = tukey_fences(ratios["ratio"].to_numpy(), settings.min_lots)
        # A zero Q1 means a quarter of lots have tied bids; a fence there would flag them all.
        if fences is None or fences.q1 <= 0:
            return []
        fence, fence_facts = fences.lower, fences.to_json()
    if fence <= 0:
        return []
    alerts: list[Alert] = []
    for row in ratios.filter(ratios["ratio"] <= fence).iter_rows(named=True):
        pct = row["ratio"] * 100
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=(
                    AlertParty(row["winner_id"], "winner"),
                    AlertParty(row["second_id"], "second_lowest"),
                ),
                explanation_zh=f"次低有效报价仅比中标价高 {pct:.2f}%，低于全体标段的下限。",
                explanation_en=(
                    f"The second-lowest valid bid is only {pct:.2f}% above the winning bid, "
                    "a low outlier among all lots."
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
