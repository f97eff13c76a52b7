"""R003 short submission period (投标期过短): the bid period is shorter than required.

Source: Open Contracting Partnership red-flag catalogue, R003 (Cardinal). The Chinese rule
of at least 20 days from the first issue of tender documents to the bid deadline (Law 24)
is stricter; set ``threshold_days = 20`` for lots under the Bidding Law.
"""

from __future__ import annotations

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "R003"


class Settings(IndicatorSettings):
    threshold_days: int = Field(
        default=15,
        ge=0,
        description="Flag when the period from tender_start to bid_deadline, in whole days, is shorter than this.",
    )
    procurement_methods: tuple[str, ...] = Field(
        default=(),
        description="Only lots with one of these procurement methods (empty: every lot).",
    )
    procurement_method_details_thresholds: dict[str, int] = Field(
        default_factory=dict,
        description="Threshold in whole days per procurement_method_details value, "
        "overriding threshold_days for those procedures.",
    )


def whole_days(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole days from start to end, truncated toward zero (a day short of 15 is 14)."""
    seconds = (end - start).dt.total_seconds()
    return pl.when(seconds >= 0).then(seconds // 86_400).otherwise(-((-seconds) // 86_400))


@indicator(
    code=CODE,
    name_zh="投标期过短",
    name_en="Short submission period",
    basis="Open Contracting Partnership red flag R003; cf. Law 24 (at least 20 days)",
    reads=("lots",),
    settings=Settings,
    realtime_events=(events.LOT_ANNOUNCED, events.LOT_DEADLINE_EXTENDED),
)
def short_submission_period(ctx: Context, settings: Settings) -> list[Alert]:
    lots = ctx.lots_in_scope().filter(pl.col("tender_start").is_not_null() & pl.col("bid_deadline").is_not_null())
    if settings.procurement_methods:
        lots = lots.filter(pl.col("procurement_method").is_in(list(settings.procurement_methods)))
    details = settings.procurement_method_details_thresholds
    threshold = (
        pl.col("procurement_method_details").replace_strict(
            details, default=settings.threshold_days, return_dtype=pl.Int64
        )
        if details
        else pl.lit(settings.threshold_days, dtype=pl.Int64)
    )
    flagged = lots.with_columns(
        whole_days(pl.col("tender_start"), pl.col("bid_deadline")).alias("days"),
        threshold.alias("threshold"),
    ).filter(pl.col("days") < pl.col("threshold"))
    alerts: list[Alert] = []
    for row in flagged.sort("lot_id").iter_rows(named=True):
        seqs = [row["event_seq"]]
        alerts.append(
            Alert(
                indicator=CODE,
                severity="medium",
                subject="lot",
                subject_id=row["lot_id"],
                lot_ids=(row["lot_id"],),
                parties=(),
                explanation_zh=f"投标期仅 {row['days']} 天，短于 {row['threshold']} 天。",
                explanation_en=(f"The submission period is {row['days']} whole days, shorter than {row['threshold']}."),
                evidence=(
                    evidence("tender_start", row["tender_start"].isoformat(), seqs),
                    evidence("bid_deadline", row["bid_deadline"].isoformat(), seqs),
                    evidence("period_days", row["days"]),
                    evidence("threshold_days", row["threshold"]),
                ),
                value=1.0,
            )
        )
    return alerts
