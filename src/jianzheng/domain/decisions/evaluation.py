"""Stage 6 in its simple form: the committee (Law 37), scores per bid and factor, the report.

Scores are integer centipoints per factor. The ranking orders valid bids by the mean of
the experts' totals (comprehensive method) or by price (lowest price method); ties are
broken by the lower price, then by the earlier submission.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jianzheng.domain.commands import FormCommittee, RejectBid, ReportEvaluation, SubmitScores
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, require_stage, require_text
from jianzheng.domain.errors import forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState


def form_committee(state: LotState, cmd: FormCommittee, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.committee_formed", Stage.OPENED)
    people = [m.person_id for m in cmd.members]
    if len(set(people)) != len(people):
        raise invalid("members", "评标委员会成员重复", "A person is listed twice in the committee")
    if any(m.kind not in ("expert", "tenderer_representative") for m in cmd.members):
        raise invalid("members", "成员类型应为 expert 或 tenderer_representative",
                      "A member's kind is expert or tenderer_representative")
    limits = ctx.procedure.limits
    total = len(cmd.members)
    experts = sum(1 for m in cmd.members if m.kind == "expert")
    chairs = sum(1 for m in cmd.members if m.chair)
    holds = (total >= limits.committee_min_members and total % 2 == 1
             and Decimal(experts) >= Decimal(total) * limits.committee_min_expert_share - Decimal("0.0001"))
    events = ctx.check("law37.committee", holds, lot_stream(state.lot_id),
                       {"members": total, "experts": experts, "minimum": limits.committee_min_members})
    if chairs != 1:
        raise invalid("members", "评标委员会须有且只有一名主任委员", "The committee has exactly one chair")
    return [event(state, "lot.committee_formed", {
        "members": [{"person_id": m.person_id, "kind": m.kind, "chair": m.chair} for m in cmd.members],
    }), *events]


def _valid_bids(state: LotState) -> list[str]:
    return [b.bid_id for b in state.bids.values() if b.status == "opened"]


def submit_scores(state: LotState, cmd: SubmitScores, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.score_submitted", Stage.EVALUATION)
    person = ctx.actor_person_id
    if person is None or person not in {m.person_id for m in state.committee}:
        raise forbidden("只有本标段评标委员会成员可以评分", "Only members of this lot's committee may score")
    if cmd.bid_id not in _valid_bids(state):
        raise not_found("有效投标", cmd.bid_id)
    factors = {f.code: f for f in state.factors}
    if set(cmd.points) != set(factors):
        raise invalid("points", f"须对每个评分因素打分：{', '.join(sorted(factors))}",
                      f"Score every factor: {', '.join(sorted(factors))}")
    for code, points in cmd.points.items():
        if not 0 <= points <= factors[code].max_points:
            raise invalid("points", f"“{factors[code].name_zh}”的得分应在 0 至 {factors[code].max_points / 100:g} 之间",
                          f"The score for {factors[code].name_en} must be between 0 and "
                          f"{factors[code].max_points / 100:g}")
    return [event(state, "lot.score_submitted", {
        "person_id": person, "bid_id": cmd.bid_id, "points": dict(sorted(cmd.points.items())),
        "total": sum(cmd.points.values()), "comment": cmd.comment,
    })]


def reject_bid(state: LotState, cmd: RejectBid, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bid_rejected", Stage.EVALUATION)
    if ctx.actor_person_id not in {m.person_id for m in state.committee}:
        raise forbidden("只有评标委员会可以否决投标", "Only the committee may reject a bid")
    if cmd.bid_id not in _valid_bids(state):
        raise not_found("有效投标", cmd.bid_id)
    reason = require_text(cmd.reason, "reason", "否决理由", "reason for rejecting the bid")
    return [event(state, "lot.bid_rejected", {"bid_id": cmd.bid_id, "reason": reason,
                                               "bidder_id": state.bids[cmd.bid_id].bidder_id})]


def ranking(state: LotState) -> list[dict[str, Any]]:
    """Rank the valid bids; every member must have scored every valid bid (comprehensive)."""
    valid = [state.bids[b] for b in _valid_bids(state)]
    members = [m.person_id for m in state.committee]
    rows: list[dict[str, Any]] = []
    for bid in valid:
        totals = [sum(state.scores[(p, bid.bid_id)].values()) for p in members if (p, bid.bid_id) in state.scores]
        mean = (sum(totals) * 100 // len(totals)) if totals else 0  # in 1/10000 point, exact enough
        rows.append({"bid_id": bid.bid_id, "bidder_id": bid.bidder_id, "price_fen": bid.price_fen or 0,
                     "score": mean, "submitted_at": bid.submitted_at})
    if state.method == "lowest_price":
        rows.sort(key=lambda r: (r["price_fen"], r["submitted_at"]))
    else:
        rows.sort(key=lambda r: (-r["score"], r["price_fen"], r["submitted_at"]))
    return [{"rank": i + 1, "bid_id": r["bid_id"], "bidder_id": r["bidder_id"], "price_fen": r["price_fen"],
             "score": r["score"]} for i, r in enumerate(rows)]


def report_evaluation(state: LotState, cmd: ReportEvaluation, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.evaluation_reported", Stage.EVALUATION)
    valid = _valid_bids(state)
    members = [m.person_id for m in state.committee]
    if state.method == "comprehensive":
        missing = [(p, b) for p in members for b in valid if (p, b) not in state.scores]
        if missing:
            raise conflict("evaluation.incomplete", f"尚有 {len(missing)} 份评分未提交",
                           f"{len(missing)} score sheets are still missing", missing=len(missing))
    if len(valid) == 0:
        return [event(state, "lot.failed", {"reason": "all_bids_rejected", "bid_count": 0,
                                            "article": "招标投标法实施条例第五十一条 / Regs 51"})]
    return [event(state, "lot.evaluation_reported", {
        "ranking": ranking(state),
        "document": cmd.document.as_payload() if cmd.document else None,
        "members": members,
    })]
