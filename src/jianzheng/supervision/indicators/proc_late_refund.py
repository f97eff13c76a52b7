"""PROC-LATE-REFUND bid deposits not refunded in time (投标保证金逾期未退还): Regs 57.

"招标人最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金及银行同期存款
利息" (Regs 57). The rule ``regs57.deposit-refund`` speaks when a deposit is finally
refunded; a deposit that is kept produces no event. This batch check finds contracted
lots holding deposits past the refund period (seed 004's 三金一款 overdue alerts).
"""

from __future__ import annotations

import polars as pl
from pydantic import AwareDatetime, Field

from jianzheng.supervision.alert import Alert, AlertParty, Severity, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.process import days_late, local_date, reference_time
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "PROC-LATE-REFUND"
ARTICLE = "招标投标法实施条例第五十七条 / Regs 57"


class Settings(IndicatorSettings):
    deposit_refund_within_days: int = Field(
        default=5, ge=1,
        description="Days from the contract to the refund, for lots whose frame row does not carry their "
        "procedure's `deposit_refund_within_days` (Regs 57: 5).",
    )
    as_of: AwareDatetime | None = Field(
        default=None,
        description="Judge unrefunded deposits as of this instant; empty: the latest instant the frames record.",
    )
    include_refunded_late: bool = Field(
        default=False,
        description="Also flag deposits that were refunded, but late (on the platform the rule "
        "regs57.deposit-refund already raises PROC-RULE for those; turn on for imported history).",
    )
    severity: Severity = Field(default="medium", description="Severity of the alert.")


@indicator(
    code=CODE,
    name_zh="投标保证金逾期未退还",
    name_en="Bid deposits not refunded in time",
    basis=ARTICLE,
    reads=("lots", "deposits"),
    settings=Settings,
)
def late_refund(ctx: Context, settings: Settings) -> list[Alert]:
    reference = reference_time(ctx, settings.as_of)
    deposits = ctx.in_scope("deposits")
    if reference is None or deposits.height == 0:
        return []
    period = pl.coalesce(pl.col("deposit_refund_within_days"), pl.lit(settings.deposit_refund_within_days))
    contracted = (
        ctx.lots_in_scope()
        .filter(pl.col("contract_signed_at").is_not_null() & (pl.col("contract_signed_at") <= reference))
        .select("lot_id", "tenderer_id", "contract_signed_at", "contract_seq", "event_seq",
                period.cast(pl.Int64).alias("period"))
    )
    late = (
        deposits.join(contracted, on="lot_id", how="inner")
        .filter(pl.col("paid_at").is_null() | (pl.col("paid_at") <= pl.col("contract_signed_at")))
        .with_columns(
            days_late("contract_signed_at", "refunded_at", pl.col("period"), reference).alias("late"),
            (local_date("contract_signed_at") + pl.duration(days=pl.col("period"))).alias("deadline"),
        )
        .filter(pl.col("late") > 0)
    )
    if not settings.include_refunded_late:
        late = late.filter(pl.col("refunded_at").is_null())
    alerts: list[Alert] = []
    for (lot_id,), group in late.sort("lot_id", "deposit_id").group_by("lot_id", maintain_order=True):
        first = group.row(0, named=True)
        deadline = first["deadline"].isoformat()
        held = [
            {"deposit_id": r["deposit_id"], "bidder_id": r["bidder_id"], "amount_fen": r["amount_fen"],
             "refunded_at": r["refunded_at"].isoformat() if r["refunded_at"] else None, "days_late": r["late"]}
            for r in group.iter_rows(named=True)
        ]
        total = sum(int(r["amount_fen"] or 0) for r in held)
        worst = max(int(r["days_late"]) for r in held)
        parties = [AlertParty(first["tenderer_id"], "tenderer")] if first["tenderer_id"] else []
        parties += [AlertParty(b, "depositor") for b in dict.fromkeys(r["bidder_id"] for r in held)]
        contract_seq = first["contract_seq"] if first["contract_seq"] is not None else first["event_seq"]
        alerts.append(Alert(
            indicator=CODE,
            severity=settings.severity,
            subject="lot",
            subject_id=str(lot_id),
            lot_ids=(str(lot_id),),
            parties=tuple(parties),
            explanation_zh=(f"合同签订后{first['period']}日内（至{deadline}）应退还的{len(held)}笔投标保证金"
                            f"（合计{total}分）逾期未退还，最长逾期{worst}日（{ARTICLE}）。"),
            explanation_en=(f"{len(held)} bid deposit(s) totalling {total} fen were not refunded within "
                            f"{first['period']} days of the contract (due {deadline}); up to {worst} days "
                            f"overdue ({ARTICLE})."),
            evidence=(
                evidence("contract_signed_at", first["contract_signed_at"].isoformat(), [contract_seq]),
                evidence("deadline", {"date": deadline, "within_days": first["period"], "article": ARTICLE}),
                evidence("deposits", held, [s for s in group["event_seq"].to_list() if s is not None]),
                evidence("as_of", reference.isoformat()),
            ),
            value=float(worst),
            # One alert per contract: the deposits still held and the days late change, the deadline does not.
            key_facts=("contract_signed_at", "deadline"),
        ))
    return alerts
