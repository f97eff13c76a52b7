"""SCREEN-MODEL screen classifier (串标识别模型): a random forest over the price screens.

The forest was trained by ``benchmarks/train_screen_model.py`` on the screens of six
labelled markets (García Rodríguez et al. 2022 data), recomputed from the raw bids, and is
shipped as JSON trees (``models/screen_forest.json``, evaluated by
`jianzheng.supervision.forest`). Its training report, with grouped cross-validation per
market and leave-one-market-out results, is ``models/screen_model.md``. It is a lead for a
supervisor, not proof: see the report for how well it transfers to an unseen market.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.forest import shipped_forest
from jianzheng.supervision.indicators.screen_price import comparable_screens, lot_bid_facts
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.screens import SCREENS
from jianzheng.supervision.settings import IndicatorSettings

CODE = "SCREEN-MODEL"


class Settings(IndicatorSettings):
    min_bids: int = Field(
        default=4,
        ge=4,
        description="Minimum valid priced bids on a lot (the model was trained on lots with 4+).",
    )
    probability_threshold: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Flag a lot when the model's probability of collusion is at least this.",
    )
    high_severity_probability: float = Field(
        default=0.95,
        gt=0,
        le=1,
        description="Probability from which the alert's severity is high instead of medium.",
    )


@indicator(
    code=CODE,
    name_zh="串标识别模型",
    name_en="Screen classifier",
    basis="Regs 40(4); Huber & Imhof (2019), García Rodríguez et al. (2022)",
    reads=("lots", "bids"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def screen_classifier(ctx: Context, settings: Settings) -> list[Alert]:
    screens = comparable_screens(ctx).filter(pl.col("n") >= settings.min_bids)
    if screens.height == 0:
        return []
    forest = shipped_forest()
    x = screens.select([pl.col(f).cast(pl.Float64) for f in forest.features]).to_numpy()
    proba = forest.predict_proba(np.asarray(x, dtype=np.float64))
    scored = screens.with_columns(pl.Series("probability", proba))
    flagged = scored.filter(pl.col("probability") >= settings.probability_threshold).sort("lot_id")
    if flagged.height == 0:
        return []
    facts = lot_bid_facts(ctx, flagged["lot_id"])
    alerts: list[Alert] = []
    for row in flagged.iter_rows(named=True):
        bids = facts.get(row["lot_id"], {})
        p = float(row["probability"])
        alerts.append(
            Alert(
                indicator=CODE,
                severity="high" if p >= settings.high_severity_probability else "medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=tuple(
                    AlertParty(str(b), "bidder") for b in dict.fromkeys(bids.get("bidder_id", [])) if b is not None
                ),
                explanation_zh=f"价格筛查模型判断该标段报价呈串标特征的概率为 {p:.0%}。",
                explanation_en=f"The screen classifier gives this lot's bids a {p:.0%} probability of being collusive.",
                evidence=(
                    evidence(
                        "bids",
                        {"bid_ids": bids.get("bid_id", []), "price_fen": bids.get("price_fen", [])},
                        [s for s in bids.get("event_seq", []) if isinstance(s, int)],
                    ),
                    evidence("screens", {s: row[s] for s in SCREENS}),
                    evidence("probability", p),
                    evidence("model", forest.metadata.get("trained_on", "")),
                ),
                value=p,
                key_facts=("bids",),
            )
        )
    return alerts
