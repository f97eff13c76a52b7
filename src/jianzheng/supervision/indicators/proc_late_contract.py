"""PROC-LATE-CONTRACT contract not signed in time (合同逾期未签订): Law 46.

"招标人和中标人应当自中标通知书发出之日起三十日内，按照招标文件和中标人的投标文件订立书面
合同" (Law 46). The platform's rule ``law46.contract-deadline`` can only speak when the
contract is finally signed; a contract that is never signed produces no event at all. This
batch check finds awarded lots whose contract period has run out without a contract.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
from pydantic import AwareDatetime, Field

from jianzheng.supervision.alert import Alert, AlertParty, Severity, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.process import days_late, local_date, reference_time
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "PROC-LATE-CONTRACT"
ARTICLE = "招标投标法第四十六条 / Law 46"


class Settings(IndicatorSettings):
    contract_within_days: int = Field(
        default=30, ge=1,
        description="Days from the award notice to the contract, for lots whose frame row does not carry "
        "their procedure's `contract_within_days` (Law 46: 30).",
    )
    as_of: AwareDatetime | None = Field(
        default=None,
        description="Judge unsigned contracts as of this instant; empty: the latest instant the frames record.",
    )
    include_signed_late: bool = Field(
        default=False,
        description="Also flag contracts that were signed, but late (on the platform the rule "
        "law46.contract-deadline already raises PROC-RULE for those; turn on for imported history).",
    )
    severity: Severity = Field(default="medium", description="Severity of the alert.")


@indicator(
    code=CODE,
    name_zh="合同逾期未签订",
    name_en="Contract not signed in time",
    basis=ARTICLE,
    reads=("lots",),
    settings=Settings,
)
def late_contract(ctx: Context, settings: Settings) -> list[Alert]:
    reference = reference_time(ctx, settings.as_of)
    if reference is None:
        return []
    period = pl.coalesce(pl.col("contract_within_days"), pl.lit(settings.contract_within_days)).cast(pl.Int64)
    lots = (
        ctx.lots_in_scope()
        .filter(pl.col("awarded_at").is_not_null() & (pl.col("awarded_at") <= reference))
        .with_columns(
            period.alias("period"),
            days_late("awarded_at", "contract_signed_at", period, reference).alias("late"),
            (local_date("awarded_at") + pl.duration(days=period)).alias("deadline"),
        )
        .filter(pl.col("late") > 0)
    )
    if not settings.include_signed_late:
        lots = lots.filter(pl.col("contract_signed_at").is_null())
    winners = (
        ctx.awards_in_scope().filter((pl.col("status") == "active") & pl.col("bidder_id").is_not_null())
        .group_by("lot_id").agg(pl.col("bidder_id").unique().sort().alias("winners"))
    )
    lots = lots.join(winners, on="lot_id", how="left")
    alerts: list[Alert] = []
    for row in lots.sort("lot_id").iter_rows(named=True):
        signed: datetime | None = row["contract_signed_at"]
        deadline = row["deadline"].isoformat()
        if signed is None:
            zh = (f"中标通知书发出后{row['period']}日内（至{deadline}）未订立书面合同，"
                  f"已逾期{row['late']}日（{ARTICLE}）。")
            en = (f"No contract within {row['period']} days of the award notice (due {deadline}); "
                  f"{row['late']} days overdue ({ARTICLE}).")
        else:
            zh = (f"书面合同晚于中标通知书发出后{row['period']}日（至{deadline}）订立，"
                  f"逾期{row['late']}日（{ARTICLE}）。")
            en = f"The contract was signed {row['late']} days after the {row['period']}-day deadline ({deadline})."
        seqs = [row["awarded_seq"] if row["awarded_seq"] is not None else row["event_seq"]]
        parties = [AlertParty(row["tenderer_id"], "tenderer")] if row["tenderer_id"] else []
        parties += [AlertParty(w, "winner") for w in row["winners"] or []]
        alerts.append(Alert(
            indicator=CODE,
            severity=settings.severity,
            subject="lot",
            subject_id=row["lot_id"],
            lot_ids=(row["lot_id"],),
            parties=tuple(parties),
            explanation_zh=zh,
            explanation_en=en,
            evidence=(
                evidence("awarded_at", row["awarded_at"].isoformat(), seqs),
                evidence("deadline", {"date": deadline, "within_days": row["period"], "article": ARTICLE}),
                evidence("contract_signed_at", signed.isoformat() if signed else None, [row["contract_seq"]]),
                evidence("days_late", row["late"]),
                evidence("as_of", reference.isoformat() if signed is None else None),
            ),
            value=float(row["late"]),
            # One alert per award: the days late grow every day, the award and its deadline do not.
            key_facts=("awarded_at", "deadline"),
        ))
    return alerts
