"""Stages 8-10: candidates (Regs 54), award (Regs 55), contract (Law 46, Regs 58), refund (Regs 57)."""

from __future__ import annotations

from decimal import Decimal

from jianzheng.domain.calendar import days_between
from jianzheng.domain.commands import Award, PublishCandidates, RefundDeposit, SignContract
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, iso, require_stage
from jianzheng.domain.decisions.evaluation import require_signatures
from jianzheng.domain.errors import Refusal, invalid, not_found
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState
from jianzheng.domain.rules import RULES


def publish_candidates(state: LotState, cmd: PublishCandidates, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.candidates_published", Stage.EVALUATED)
    assert state.reported_at is not None
    if not 1 <= cmd.count <= 3:
        raise invalid("count", "中标候选人应为1至3名", "Publish 1 to 3 candidates")
    require_signatures(state)
    stream = lot_stream(state.lot_id)
    p = ctx.procedure.periods
    late = days_between(state.reported_at, ctx.now)
    events = ctx.check("regs54.publish-candidates", late <= p.candidates_publish_within_days, stream,
                       {"reported_at": iso(state.reported_at), "published_at": iso(ctx.now), "days": late,
                        "limit": p.candidates_publish_within_days})
    period = days_between(ctx.now, cmd.publicity_end)
    events += ctx.check("regs54.publicity-period", period >= p.candidates_publicity_min_days, stream,
                        {"publicity_start": iso(ctx.now), "publicity_end": iso(cmd.publicity_end),
                         "days": period, "minimum": p.candidates_publicity_min_days})
    return [event(state, "lot.candidates_published", {
        "candidates": state.ranking[: cmd.count],
        "publicity_start": iso(ctx.now),
        "publicity_end": iso(cmd.publicity_end),
    }), *events]


def award(state: LotState, cmd: Award, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.awarded", Stage.CANDIDATES_PUBLISHED)
    assert state.publicity_end is not None
    if ctx.now < state.publicity_end:
        raise Refusal("rule.regs54.publicity-period", "中标候选人公示期未满，不能定标（实施条例第五十四条）",
                      "The candidates' publicity period has not ended (Regs 54)",
                      article=RULES["regs54.publicity-period"].article, status=409,
                      details={"publicity_end": iso(state.publicity_end)})
    candidate = next((c for c in state.candidates if c["bidder_id"] == cmd.bidder_id), None)
    if candidate is None:
        raise invalid("bidder_id", "中标人必须是公示的中标候选人", "The winner must be a published candidate")
    stream = lot_stream(state.lot_id)
    first = state.candidates[0]
    events: list[EventDraft] = []
    if state.state_funded:
        # Regs 55: a lower candidate may win only when the first gives up or is disqualified.
        events += ctx.check("regs55.first-candidate",
                            candidate is first or bool(cmd.reason.strip()), stream,
                            {"first_bidder_id": first["bidder_id"], "chosen_bidder_id": cmd.bidder_id,
                             "reason": cmd.reason})
    return [event(state, "lot.awarded", {
        "bidder_id": cmd.bidder_id, "bid_id": candidate["bid_id"], "price_fen": candidate["price_fen"],
        "rank": candidate["rank"], "reason": cmd.reason,
        "notice": cmd.notice.as_payload() if cmd.notice else None,
    }), *events]


def sign_contract(state: LotState, cmd: SignContract, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.contract_signed", Stage.AWARDED)
    assert state.awarded_at is not None
    if cmd.price_fen <= 0:
        raise invalid("price_fen", "合同金额必须大于零", "The contract price must be positive")
    stream = lot_stream(state.lot_id)
    p = ctx.procedure
    days = days_between(state.awarded_at, ctx.now)
    events = ctx.check("law46.contract-deadline", days <= p.periods.contract_within_days, stream,
                       {"awarded_at": iso(state.awarded_at), "signed_at": iso(ctx.now), "days": days,
                        "limit": p.periods.contract_within_days})
    bond_limit = Decimal(cmd.price_fen) * p.limits.max_performance_bond_ratio
    events += ctx.check("regs58.performance-bond", Decimal(cmd.performance_bond_fen) <= bond_limit, stream,
                        {"performance_bond_fen": cmd.performance_bond_fen, "price_fen": cmd.price_fen})
    return [event(state, "lot.contract_signed", {
        "contract_id": ctx.new_id("CON"), "bidder_id": state.awarded_bidder_id, "price_fen": cmd.price_fen,
        "performance_bond_fen": cmd.performance_bond_fen,
        "document": cmd.document.as_payload() if cmd.document else None,
    }), *events]


def refund_deposit(state: LotState, cmd: RefundDeposit, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.deposit_refunded", Stage.AWARDED, Stage.CONTRACTED, Stage.FAILED, Stage.CANCELLED)
    deposit = state.deposits.get(cmd.deposit_id)
    if deposit is None:
        raise not_found("保证金", cmd.deposit_id)
    if deposit.refunded_at is not None:
        raise conflict("deposit.refunded", "该保证金已退还", "This deposit has already been refunded")
    if cmd.interest_fen < 0:
        raise invalid("interest_fen", "利息不能为负", "Interest cannot be negative")
    stream = lot_stream(state.lot_id)
    events = [EventDraft("lot.deposit_refunded", stream, {
        "deposit_id": cmd.deposit_id, "bidder_id": deposit.bidder_id, "amount_fen": deposit.amount_fen,
        "interest_fen": cmd.interest_fen,
    })]
    if state.contract_signed_at is not None:
        limit = ctx.procedure.periods.deposit_refund_within_days
        days = days_between(state.contract_signed_at, ctx.now)
        events += ctx.check("regs57.deposit-refund", days <= limit, stream,
                            {"deposit_id": cmd.deposit_id, "contract_signed_at": iso(state.contract_signed_at),
                             "refunded_at": iso(ctx.now), "days": days, "limit": limit})
    remaining = [d for d in state.deposits.values() if d.refunded_at is None and d.deposit_id != cmd.deposit_id]
    if not remaining and state.stage is Stage.CONTRACTED:
        events.append(event(state, "lot.completed", {"reason": "deposits_refunded"}))
    return events
