"""R038 excessive disqualified bids (否决率异常): an organisation's share of disqualified bids is high.

Source: Open Contracting Partnership red flag R038 (Cardinal). Per tenderer (招标人, OCDS
buyer), agency (招标代理机构, OCDS procuring entity) and bidder, the share of submitted bids
that were disqualified is compared with its peers; a high outlier may mean evaluations that
exclude unwanted competitors (Regs 41), or a bidder submitting deliberately invalid cover
bids.
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings
from jianzheng.supervision.stats import tukey_fences

CODE = "R038"

Role = Literal["tenderer", "agency", "bidder"]
ROLE_NAMES_ZH = {"tenderer": "招标人", "agency": "招标代理机构", "bidder": "投标人"}


class Settings(IndicatorSettings):
    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Fixed upper fence for the disqualified share; when unset, Q3 + 1.5·IQR "
        "of the organisations' shares (per role).",
    )
    minimum_submitted_bids: int = Field(
        default=2,
        ge=1,
        description="A bidder is read only when it submitted at least this many bids.",
    )
    minimum_lots: int = Field(
        default=2,
        ge=1,
        description="A tenderer or agency is read only when it ran at least this many lots with submitted bids.",
    )
    min_organizations: int = Field(
        default=20,
        ge=1,
        description="Minimum number of organisations (per role) before a fence is computed.",
    )


def _flag(table: pl.DataFrame, role: Role, settings: Settings) -> list[Alert]:
    if table.height == 0:
        return []
    if settings.threshold is not None:
        fence, fence_facts = settings.threshold, {"threshold": settings.threshold}
    else:
        fences = tukey_fences(table["ratio"].to_numpy(), settings.min_organizations)
        if fences is None:
            return []
        fence, fence_facts = fences.upper, fences.to_json()
    # A zero fence means three quarters of organisations never disqualify; do not flag the rest.
    if fence <= 0:
        return []
    alerts: list[Alert] = []
    for row in table.filter(pl.col("ratio") >= fence).sort("party_id").iter_rows(named=True):
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject=role,
                subject_id=row["party_id"],
                lot_ids=tuple(row["lot_ids"]),
                parties=(AlertParty(row["party_id"], role),),
                explanation_zh=(
                    f"该{ROLE_NAMES_ZH[role]}的 {row['submitted']} 份投标中有 "
                    f"{row['disqualified']} 份被否决，比例异常高。"
                ),
                explanation_en=(
                    f"{row['disqualified']} of the {row['submitted']} bids submitted "
                    f"({role}) were disqualified: a high outlier."
                ),
                evidence=(
                    evidence("submitted_bids", row["submitted"]),
                    evidence("disqualified_bids", row["disqualified"]),
                    evidence("disqualified_share", row["ratio"]),
                    evidence("fence", fence_facts),
                ),
                value=row["ratio"],
                key_facts=("submitted_bids", "disqualified_bids"),
            )
        )
    return alerts


@indicator(
    code=CODE,
    name_zh="否决率异常",
    name_en="Excessive disqualified bids",
    basis="Open Contracting Partnership red flag R038; Regs 41",
    reads=("lots", "bids"),
    settings=Settings,
)
def excessive_disqualified_bids(ctx: Context, settings: Settings) -> list[Alert]:
    submitted = ctx.submitted_bids()
    per_bid = submitted.group_by(["lot_id", "bid_id"]).agg((pl.col("status").first() == "disqualified").alias("disq"))
    per_lot = per_bid.group_by("lot_id").agg(
        pl.len().alias("submitted"), pl.col("disq").sum().cast(pl.Int64).alias("disqualified")
    )
    lots = ctx.lots_in_scope().select("lot_id", "tenderer_id", "agency_id")
    per_lot = per_lot.join(lots, on="lot_id")
    alerts: list[Alert] = []
    organisations: tuple[tuple[str, Role], ...] = (
        ("tenderer_id", "tenderer"),
        ("agency_id", "agency"),
    )
    for column, role in organisations:
        table = (
            per_lot.filter(pl.col(column).is_not_null())
            .group_by(column)
            .agg(
                pl.col("submitted").sum(),
                pl.col("disqualified").sum(),
                pl.col("lot_id").sort().alias("lot_ids"),
            )
            .rename({column: "party_id"})
            .filter(pl.col("lot_ids").list.len() >= settings.minimum_lots)
            .with_columns((pl.col("disqualified") / pl.col("submitted")).alias("ratio"))
        )
        alerts.extend(_flag(table, role, settings))
    bidders = (
        submitted.filter(pl.col("bidder_id").is_not_null())
        .group_by("bidder_id")
        .agg(
            pl.len().alias("submitted"),
            (pl.col("status") == "disqualified").sum().cast(pl.Int64).alias("disqualified"),
            pl.col("lot_id").unique().sort().alias("lot_ids"),
        )
        .rename({"bidder_id": "party_id"})
        .filter(pl.col("submitted") >= settings.minimum_submitted_bids)
        .with_columns((pl.col("disqualified") / pl.col("submitted")).alias("ratio"))
    )
    alerts.extend(_flag(bidders, "bidder", settings))
    return alerts
