"""Stage 6: the committee (Law 37), scores, deviation reasons, rejections, the report and its signatures.

Scores are integer centipoints per factor. Under a lot's evaluation method
(`jianzheng.domain.methods`) the price factor is scored by its formula, not by the experts.
The ranking orders the valid bids:

* comprehensive method (综合评估法): by the mean of the members' totals (plus the formula's
  price points), then the lower price, then the higher mean on the first factor the experts
  score, then the earlier submission;
* lowest evaluated price (经评审的最低投标价法, method ``lowest_price``): by the price plus the
  committee's adjustments, then the lower price, then the earlier submission.

A score that departs from the other members' mean on a factor by more than the threshold
must be explained by its expert before the report (seed 001); an abnormally low price must
be clarified and then accepted or the bid rejected (Regs 51). The report records the
ranking, the formula's inputs and the explained deviations; each member then signs it or
records a dissent (Regs 53).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jianzheng.domain.avoidance import conflicts_of
from jianzheng.domain.commands import (
    ExplainDeviation,
    FormCommittee,
    RejectBid,
    ReportEvaluation,
    SignReport,
    SubmitScores,
)
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, require_stage, require_text
from jianzheng.domain.decisions.draws import lot_owners
from jianzheng.domain.draw import canonical
from jianzheng.domain.errors import Refusal, forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.formulas import (
    abnormal_low_threshold,
    abnormally_low,
    benchmark_price,
    benchmark_score,
    low_price_score,
)
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import Factor, LotState

MAX_TEXT = 4000


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
    stream = lot_stream(state.lot_id)
    events = ctx.check("law37.committee", holds, stream,
                       {"members": total, "experts": experts, "minimum": limits.committee_min_members})
    if chairs != 1:
        raise invalid("members", "评标委员会须有且只有一名主任委员", "The committee has exactly one chair")
    draws = [d for d in state.evaluation.draws.values() if d.drawn]
    if draws:
        # Drawn experts only: an expert seat is filled by someone drawn for this lot who confirmed.
        confirmed = state.evaluation.confirmed_experts()
        strangers = [m.person_id for m in cmd.members if m.kind == "expert" and m.person_id not in confirmed]
        if strangers:
            raise Refusal("committee.not_drawn", f"{len(strangers)} 名专家成员不是本标段抽取并确认参加的专家",
                          f"{len(strangers)} expert member(s) were not drawn for this lot and confirmed",
                          article="招标投标法第三十七条 / Law 37", status=409, field="members",
                          details={"persons": strangers})
        selection = "drawn"
    else:
        # Named directly (特殊招标项目, Law 37): no member may be tied to a party (Regs 46).
        selection = "direct"
        if cmd.employers is not None:
            owners = lot_owners(state)
            ties = [x.as_payload() for m in cmd.members
                    for x in conflicts_of(m.person_id, cmd.employers.get(m.person_id), owners, ctx.parties)]
            events += ctx.check("regs46.expert-avoidance", not ties, stream, {"conflicts": ties})
    return [event(state, "lot.committee_formed", {
        "members": [{"person_id": m.person_id, "kind": m.kind, "chair": m.chair} for m in cmd.members],
        "selection": selection,
    }), *events]


def _valid_bids(state: LotState) -> list[str]:
    return [b.bid_id for b in state.bids.values() if b.status == "opened"]


def _member(state: LotState, ctx: Context, what_zh: str, what_en: str) -> str:
    person = ctx.actor_person_id
    if person is None or person not in {m.person_id for m in state.committee}:
        raise forbidden(f"只有本标段评标委员会成员可以{what_zh}", f"Only members of this lot's committee may {what_en}")
    return person


def price_factor(state: LotState) -> str | None:
    """The factor scored by the method's price formula, if any."""
    method = state.evaluation.method
    return method.price.factor if method is not None and method.price is not None else None


def expert_factors(state: LotState) -> dict[str, Factor]:
    """The factors the members score themselves."""
    formula = price_factor(state)
    return {f.code: f for f in state.factors if f.code != formula}


def submit_scores(state: LotState, cmd: SubmitScores, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.score_submitted", Stage.EVALUATION)
    person = _member(state, ctx, "评分", "score")
    if cmd.bid_id not in _valid_bids(state):
        raise not_found("有效投标", cmd.bid_id)
    factors = expert_factors(state)
    formula = price_factor(state)
    if formula is not None and formula in cmd.points:
        raise invalid("points", f"“{formula}”由价格计分公式计算，专家不打分",
                      f"The factor {formula} is scored by the price formula, not by the experts")
    if set(cmd.points) != set(factors):
        raise invalid("points", f"须对每个评分因素打分：{', '.join(sorted(factors))}",
                      f"Score every factor: {', '.join(sorted(factors))}")
    for code, points in cmd.points.items():
        if not 0 <= points <= factors[code].max_points:
            raise invalid("points", f"“{factors[code].name_zh}”的得分应在 0 至 {factors[code].max_points / 100:g} 之间",
                          f"The score for {factors[code].name_en} must be between 0 and "
                          f"{factors[code].max_points / 100:g}")
    if len(cmd.comment) > MAX_TEXT:
        raise invalid("comment", f"评审意见不能超过{MAX_TEXT}字", f"The comment exceeds {MAX_TEXT} characters")
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
    payload: dict[str, Any] = {"bid_id": cmd.bid_id, "reason": reason, "bidder_id": state.bids[cmd.bid_id].bidder_id}
    if cmd.item:
        method = state.evaluation.method
        item = method.item(cmd.item) if method is not None else None
        if item is None:
            raise invalid("item", f"招标文件中没有审查项 {cmd.item}",
                          f"The tender documents list no review item {cmd.item}")
        payload.update(item=item.code, item_name=item.name_zh, review_stage=item.stage)
    return [event(state, "lot.bid_rejected", payload)]


# -- deviations (seed 001) ------------------------------------------------------------------


def deviation_threshold(state: LotState, ctx: Context) -> Decimal:
    method = state.evaluation.method
    if method is not None and method.deviation_threshold_percent is not None:
        return method.deviation_threshold_percent
    return ctx.procedure.evaluation.deviation_threshold_percent


def deviations(state: LotState, threshold_percent: Decimal) -> list[dict[str, Any]]:
    """Scores departing from the other members' mean by more than the threshold, once a bid is fully scored.

    Each: person, bid, factor, the points, the others' mean (exact, as a decimal string with
    two places), the allowed departure, and whether a reason for exactly these points is on
    record.
    """
    members = [m.person_id for m in state.committee]
    factors = expert_factors(state)
    out: list[dict[str, Any]] = []
    if len(members) < 3:
        return out
    for bid in _valid_bids(state):
        if any((p, bid) not in state.scores for p in members):
            continue  # sealed until every member has scored this bid
        for code, factor in sorted(factors.items()):
            limit = Fraction(threshold_percent) * factor.max_points / 100
            for person in members:
                mine = state.scores[(person, bid)][code]
                others = [state.scores[(o, bid)][code] for o in members if o != person]
                mean = Fraction(sum(others), len(others))
                if abs(mine - mean) > limit:
                    explained = state.evaluation.explanations.get((person, bid, code))
                    out.append({"person_id": person, "bid_id": bid, "factor": code, "points": mine,
                                "others_mean": f"{float(mean) / 100:.2f}", "allowed": f"{float(limit) / 100:.2f}",
                                "explained": explained is not None and explained[0] == mine,
                                "reason": explained[1] if explained is not None and explained[0] == mine else ""})
    return out


def explain_deviation(state: LotState, cmd: ExplainDeviation, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.deviation_explained", Stage.EVALUATION)
    person = _member(state, ctx, "说明评分偏离", "explain a score")
    found = next((d for d in deviations(state, deviation_threshold(state, ctx))
                  if (d["person_id"], d["bid_id"], d["factor"]) == (person, cmd.bid_id, cmd.factor)), None)
    if found is None:
        raise conflict("deviation.none", "该评分未超出偏离阈值，无需说明",
                       "This score does not depart beyond the threshold; nothing to explain")
    reason = require_text(cmd.reason, "reason", "偏离理由", "reason for the score")
    if len(reason) > MAX_TEXT:
        raise invalid("reason", f"偏离理由不能超过{MAX_TEXT}字", f"The reason exceeds {MAX_TEXT} characters")
    return [event(state, "lot.deviation_explained", {
        "person_id": person, "bid_id": cmd.bid_id, "factor": cmd.factor, "points": found["points"],
        "others_mean": found["others_mean"], "allowed": found["allowed"], "reason": reason})]


# -- scoring and ranking ----------------------------------------------------------------------


def price_points(state: LotState) -> tuple[dict[str, int], dict[str, Any]]:
    """The formula's price points per valid bid, and the formula's inputs for the report."""
    method = state.evaluation.method
    if method is None or method.price is None:
        return {}, {}
    formula = method.price
    factor = next(f for f in state.factors if f.code == formula.factor)
    prices = {b: state.bids[b].price_fen or 0 for b in _valid_bids(state)}
    if not prices:
        return {}, {}
    if formula.kind == "low_price":
        lowest = min(prices.values())
        points = {b: low_price_score(p, lowest, factor.max_points) for b, p in prices.items()}
        return points, {"kind": "low_price", "factor": factor.code, "lowest_fen": lowest,
                        "max_points": factor.max_points, "article": "财政部令第87号第五十五条 / MOF Order 87 Art. 55"}
    benchmark = benchmark_price(list(prices.values()), formula.k_percent, formula.drop_extremes,
                                formula.drop_min_bids)
    points = {b: benchmark_score(p, benchmark, factor.max_points, formula.above_per_percent,
                                 formula.below_per_percent) for b, p in prices.items()}
    return points, {"kind": "benchmark", "factor": factor.code, "benchmark_fen": f"{benchmark:.2f}",
                    "k_percent": str(formula.k_percent), "drop_extremes": formula.drop_extremes,
                    "bids": len(prices), "max_points": factor.max_points,
                    "above_per_percent": formula.above_per_percent, "below_per_percent": formula.below_per_percent}


def evaluated_price(state: LotState, bid_id: str) -> int:
    return (state.bids[bid_id].price_fen or 0) + sum(a for a, _ in state.evaluation.adjustments.get(bid_id, []))


def score_table(state: LotState) -> list[dict[str, Any]]:
    """Each valid bid's scores, ranked; `score` in 1/10000 point (mean of totals ×100 plus price ×100)."""
    members = [m.person_id for m in state.committee]
    points, _ = price_points(state)
    factors = expert_factors(state)
    first = next(iter(factors), None)
    rows: list[dict[str, Any]] = []
    for bid_id in _valid_bids(state):
        bid = state.bids[bid_id]
        sheets = [state.scores[(p, bid_id)] for p in members if (p, bid_id) in state.scores]
        totals = [sum(s.values()) for s in sheets]
        mean = (sum(totals) * 100 // len(totals)) if totals else 0
        first_mean = (sum(s.get(first, 0) for s in sheets) * 100 // len(sheets)) if (sheets and first) else 0
        rows.append({"bid_id": bid_id, "bidder_id": bid.bidder_id, "price_fen": bid.price_fen or 0,
                     "score": mean + points.get(bid_id, 0) * 100, "expert_score": mean,
                     "price_points": points.get(bid_id), "first_factor": first_mean,
                     "evaluated_price_fen": evaluated_price(state, bid_id), "submitted_at": bid.submitted_at})
    if state.method == "lowest_price":
        rows.sort(key=lambda r: (r["evaluated_price_fen"], r["price_fen"], r["submitted_at"]))
        ties = [("evaluated_price_fen",), ("evaluated_price_fen", "price_fen")]
    else:
        rows.sort(key=lambda r: (-r["score"], r["price_fen"], -r["first_factor"], r["submitted_at"]))
        ties = [("score",), ("score", "price_fen"), ("score", "price_fen", "first_factor")]
    names = ["price", "first_factor", "submitted_at"] if state.method != "lowest_price" else ["price", "submitted_at"]
    for index, row in enumerate(rows):
        row["rank"] = index + 1
        row["tie_broken_by"] = None
        if index + 1 < len(rows):
            nxt = rows[index + 1]
            for level, keys in enumerate(ties):
                if all(row[k] == nxt[k] for k in keys):
                    row["tie_broken_by"] = names[level]
    return rows


def ranking(state: LotState) -> list[dict[str, Any]]:
    """Rank the valid bids (the rows published with the report and the candidates)."""
    return [{"rank": r["rank"], "bid_id": r["bid_id"], "bidder_id": r["bidder_id"], "price_fen": r["price_fen"],
             "score": r["score"]} for r in score_table(state)]


def abnormal_bids(state: LotState) -> list[str]:
    method = state.evaluation.method
    percent = method.abnormal_low_percent if method is not None else None
    return abnormally_low({b: state.bids[b].price_fen or 0 for b in _valid_bids(state)}, percent)


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
    open_deviations = [d for d in deviations(state, deviation_threshold(state, ctx)) if not d["explained"]]
    if open_deviations:
        raise conflict("evaluation.deviation_unexplained",
                       f"有 {len(open_deviations)} 项评分偏离其他成员均值超过阈值，须由评分专家书面说明理由",
                       f"{len(open_deviations)} score(s) depart from the other members' mean beyond the threshold "
                       "and need their expert's written reason",
                       deviations=[{k: d[k] for k in ("person_id", "bid_id", "factor", "points", "others_mean")}
                                   for d in open_deviations])
    pending_low = [b for b in abnormal_bids(state) if b not in state.evaluation.accepted_low]
    if pending_low:
        raise conflict("evaluation.abnormal_price", "异常低价投标须经澄清后确认或否决（实施条例第五十一条）",
                       "An abnormally low price must be clarified and then accepted or the bid rejected (Regs 51)",
                       bids=pending_low)
    rows = ranking(state)
    _, formula = price_points(state)
    method = state.evaluation.method
    threshold = None
    if method is not None and method.abnormal_low_percent is not None:
        threshold = abnormal_low_threshold([state.bids[b].price_fen or 0 for b in valid], method.abnormal_low_percent)
    table = score_table(state)
    document = cmd.document.as_payload() if cmd.document else None
    summary = {"ranking": rows, "document": document, "members": members}
    report_sha256 = document["sha256"] if document else hashlib.sha256(canonical(summary)).hexdigest()
    return [event(state, "lot.evaluation_reported", {
        **summary,
        "report_sha256": report_sha256,
        "method": state.method,
        "selection": state.evaluation.selection or "direct",
        "price_formula": formula or None,
        "scoring": [{k: r[k] for k in ("bid_id", "expert_score", "price_points", "evaluated_price_fen",
                                        "tie_broken_by")} for r in table],
        "abnormally_low": {"threshold_fen": f"{threshold:.2f}" if threshold is not None else None,
                           "accepted": dict(sorted(state.evaluation.accepted_low.items()))},
        "deviations": [{k: d[k] for k in ("person_id", "bid_id", "factor", "points", "others_mean", "reason")}
                       for d in deviations(state, deviation_threshold(state, ctx))],
    })]


def sign_report(state: LotState, cmd: SignReport, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.report_signed", Stage.EVALUATED)
    person = _member(state, ctx, "签署评标报告", "sign the report")
    if person in state.evaluation.signatures:
        raise conflict("report.signed", "您已签署评标报告", "You have already signed the report")
    dissent = cmd.dissent.strip()
    if not cmd.agrees and not dissent:
        raise invalid("dissent", "对评标结果有不同意见的，应书面说明不同意见和理由（实施条例第五十三条）",
                      "A member who disagrees states the dissent and its reasons in writing (Regs 53)")
    if len(dissent) > MAX_TEXT:
        raise invalid("dissent", f"不同意见不能超过{MAX_TEXT}字", f"The dissent exceeds {MAX_TEXT} characters")
    return [event(state, "lot.report_signed", {
        "person_id": person, "agrees": cmd.agrees, "dissent": dissent if not cmd.agrees else "",
        "report_sha256": state.evaluation.report_digest})]


def require_signatures(state: LotState) -> None:
    """Before the candidates: every member signed or dissented, when the method asks for it (Regs 53)."""
    method = state.evaluation.method
    if method is None or not method.signatures_required:
        return
    unsigned = [m.person_id for m in state.committee if m.person_id not in state.evaluation.signatures]
    if unsigned:
        # The count only: the members' names stay confidential until the result (Law 37).
        raise Refusal("evaluation.report_unsigned", f"尚有 {len(unsigned)} 名评标委员会成员未签署评标报告",
                      f"{len(unsigned)} committee member(s) have not signed the evaluation report",
                      article="招标投标法实施条例第五十三条 / Regs 53", status=409, details={"unsigned": len(unsigned)})
