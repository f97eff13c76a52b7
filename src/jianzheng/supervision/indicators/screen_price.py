"""SCREEN-PRICE bid-rigging price screens (报价筛查): the bids look like a cartel's.

Cover bids cluster close together and sit well above the designated winner: a low
coefficient of variation (CV) and spread (SPD), and a large gap between the two lowest bids
relative to the losing bids' spread (RD, RDNOR). Regs 40(4) deems bid prices "with regular
differences" (投标报价呈规律性差异) to be collusion; these screens make that measurable
(Imhof, Karagök & Rutz 2018; Huber & Imhof 2019).

The default thresholds were calibrated on six labelled markets (García Rodríguez et al.
2022 data; Brazil, Italy, Japan, USA, two Swiss regions) by
``benchmarks/train_screen_model.py``: each screen's cut maximises Youden's J with every
dataset weighted equally; the cuts and their provenance are in
``models/screen_thresholds.json`` and ``models/screen_model.md``. Screens travel badly
between markets (the pooled rule's balanced accuracy is about 0.6); calibrate on local
history when labels exist.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.screens import SCREENS, lot_screens
from jianzheng.supervision.settings import IndicatorSettings

CODE = "SCREEN-PRICE"


class Settings(IndicatorSettings):
    min_bids: int = Field(
        default=4,
        ge=3,
        description="Minimum valid priced bids on a lot before its screens are judged.",
    )
    cv_max: float = Field(
        default=0.0717,
        gt=0,
        description="Collusive region: coefficient of variation CV at most this.",
    )
    spd_max: float = Field(
        default=0.2589,
        gt=0,
        description="Collusive region: spread SPD = (bn − b1) / b1 at most this.",
    )
    rd_min: float = Field(
        default=0.945,
        gt=0,
        description="Collusive region: relative distance RD = (b2 − b1) / s(b2…bn) at least this.",
    )
    rdnor_min: float = Field(
        default=1.2317,
        gt=0,
        description="Collusive region: normalised distance RDNOR at least this.",
    )
    min_votes: int = Field(
        default=3,
        ge=1,
        le=4,
        description="How many of the four screens (CV, SPD, RD, RDNOR) must fall in the "
        "collusive region to flag the lot.",
    )


def screen_votes(screens: pl.DataFrame, settings: Settings) -> pl.Series:
    """How many of CV, SPD, RD, RDNOR fall in the collusive region, per row of ``screens``."""
    checks = [
        pl.col("CV") <= settings.cv_max,
        pl.col("SPD") <= settings.spd_max,
        pl.col("RD") >= settings.rd_min,
        pl.col("RDNOR") >= settings.rdnor_min,
    ]
    return screens.select(pl.sum_horizontal([c.fill_null(False).cast(pl.Int64) for c in checks]).alias("votes"))[
        "votes"
    ]


def comparable_screens(ctx: Context) -> pl.DataFrame:
    """Screens of every in-scope, price-comparable lot (shared with SCREEN-MODEL)."""

    def build() -> pl.DataFrame:
        bids = ctx.bids_in_scope().join(ctx.price_comparable_lot_ids().to_frame(), on="lot_id", how="semi")
        return lot_screens(bids)

    result: pl.DataFrame = ctx.cached("screens.lots", build)
    return result


def lot_bid_facts(ctx: Context, lot_ids: pl.Series) -> dict[str, dict[str, list[object]]]:
    """Valid priced bids of the given lots: bid ids, bidders, prices and event seqs."""
    bids = (
        ctx.bids_in_scope()
        .filter(
            (pl.col("status") == "valid")
            & pl.col("price_fen").is_not_null()
            & pl.col("lot_id").is_in(lot_ids.implode())
        )
        .sort(["lot_id", "price_fen", "bid_id"])
        .group_by("lot_id", maintain_order=True)
        .agg("bid_id", "bidder_id", "price_fen", "event_seq")
    )
    return {
        row["lot_id"]: {k: row[k] for k in ("bid_id", "bidder_id", "price_fen", "event_seq")}
        for row in bids.iter_rows(named=True)
    }


@indicator(
    code=CODE,
    name_zh="报价筛查",
    name_en="Bid-rigging price screens",
    basis="Regs 40(4) (bid prices with regular differences); Huber & Imhof (2019)",
    reads=("lots", "bids"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def price_screens(ctx: Context, settings: Settings) -> list[Alert]:
    screens = comparable_screens(ctx).filter(pl.col("n") >= settings.min_bids)
    screens = screens.with_columns(screen_votes(screens, settings))
    flagged = screens.filter(pl.col("votes") >= settings.min_votes).sort("lot_id")
    if flagged.height == 0:
        return []
    facts = lot_bid_facts(ctx, flagged["lot_id"])
    alerts: list[Alert] = []
    for row in flagged.iter_rows(named=True):
        bids = facts.get(row["lot_id"], {})
        values = {s: row[s] for s in SCREENS}
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=tuple(
                    AlertParty(str(b), "bidder") for b in dict.fromkeys(bids.get("bidder_id", [])) if b is not None
                ),
                explanation_zh=(
                    f"{row['n']} 份有效报价中有 {row['votes']} 项价格筛查指标落入串标区间"
                    f"（CV={_fmt(row['CV'])}, RD={_fmt(row['RD'])}）。"
                ),
                explanation_en=(
                    f"{row['votes']} of 4 price screens of the {row['n']} valid bids fall in "
                    f"the collusive region (CV={_fmt(row['CV'])}, RD={_fmt(row['RD'])})."
                ),
                evidence=(
                    evidence(
                        "bids",
                        {"bid_ids": bids.get("bid_id", []), "price_fen": bids.get("price_fen", [])},
                        [s for s in bids.get("event_seq", []) if isinstance(s, int)],
                    ),
                    evidence("screens", values),
                    evidence("votes", row["votes"]),
                ),
                value=float(row["votes"]),
                key_facts=("bids",),
            )
        )
    return alerts


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
