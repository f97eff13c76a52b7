"""Stages 3-4: clarifications and amendments, bidder registration, deposits, bids.

Bids are hidden until the opening: the submission event carries only digests of the
content (a commitment) and, for sealed bids, the envelope's digest and signature; the
content itself stays in the blob store. The price is published by the opening event.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from jianzheng.domain.bid_content import check_fingerprint
from jianzheng.domain.calendar import add_days, days_between
from jianzheng.domain.commands import (
    IssueClarification,
    PayDeposit,
    RegisterBidder,
    SubmitBid,
    WithdrawBid,
)
from jianzheng.domain.context import Context, PartyFacts
from jianzheng.domain.credit import barring_sanction, sanction_refusal
from jianzheng.domain.decisions.common import conflict, event, iso, require_stage, require_text
from jianzheng.domain.errors import Refusal, forbidden, invalid
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState


def _deadline(state: LotState) -> datetime:
    assert state.bid_deadline is not None  # set by the announcement that opened bidding
    return state.bid_deadline


def issue_clarification(state: LotState, cmd: IssueClarification, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.clarification_issued", Stage.BIDDING)
    text = require_text(cmd.text, "text", "澄清内容", "clarification text")
    deadline = _deadline(state)
    if ctx.now >= deadline:
        raise conflict("bidding.closed", "投标已截止，不能再澄清或修改招标文件",
                       "The bid deadline has passed; no more clarifications")
    events = [event(state, "lot.clarification_issued", {
        "number": state.clarifications + 1,
        "text": text,
        "affects_bids": cmd.affects_bids,
        "document": cmd.document.as_payload() if cmd.document else None,
    })]
    minimum = ctx.procedure.periods.amendment_min_days_before_deadline
    new_deadline = cmd.new_deadline or deadline
    if cmd.new_deadline is not None and cmd.new_deadline < deadline:
        raise invalid("new_deadline", "澄清不能提前投标截止时间", "A clarification cannot bring the deadline forward")
    if cmd.affects_bids and days_between(ctx.now, new_deadline) < minimum:
        # Law 23 / Regs 21: a late amendment moves the deadline rather than being refused.
        new_deadline = add_days(ctx.now, minimum)
    if new_deadline != deadline:
        events.append(event(state, "lot.deadline_extended", {
            "old_deadline": iso(deadline),
            "new_deadline": iso(new_deadline),
            "rule": "law23.late-amendment" if cmd.new_deadline != new_deadline else None,
            "article": "招标投标法第二十三条、实施条例第二十一条 / Law 23, Regs 21",
        }))
    return events


def _sanction(facts: PartyFacts | None, ctx: Context) -> None:
    barred = barring_sanction(facts.sanctions, ctx.now) if facts else None
    if barred is not None:
        raise sanction_refusal(barred)
    if facts and facts.sanctioned_until and facts.sanctioned_until > ctx.now:
        raise Refusal(
            "credit.sanctioned",
            f"该投标人处于失信惩戒期内（至{iso(facts.sanctioned_until)}），不得投标：{facts.sanction_reason}",
            f"The bidder is barred from bidding until {iso(facts.sanctioned_until)}: {facts.sanction_reason}",
            status=409,
        )


def _related(a: PartyFacts, b: PartyFacts) -> str | None:
    """Regs 34: the same legal representative, or one controls the other (share over half)."""
    if a.legal_representative_id and a.legal_representative_id == b.legal_representative_id:
        return "same_legal_representative"
    if b.shareholders.get(a.party_id, 0) > 5000 or a.shareholders.get(b.party_id, 0) > 5000:
        return "control"
    common = {
        holder for holder, share in a.shareholders.items() if share > 5000
    } & {holder for holder, share in b.shareholders.items() if share > 5000}
    if common:
        return "same_controlling_shareholder"
    return None


def register_bidder(state: LotState, cmd: RegisterBidder, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bidder_registered", Stage.BIDDING)
    bidder = ctx.actor_party_id
    if bidder is None:
        raise forbidden("只有投标单位可以报名", "Only a bidding company can register for a lot")
    if ctx.now >= _deadline(state):
        raise conflict("bidding.closed", "投标已截止，不能报名", "The bid deadline has passed")
    if bidder in state.registrations:
        raise conflict("bidder.already_registered", "该单位已报名此标段", "This company is already registered")
    facts = ctx.parties.get(bidder)
    _sanction(facts, ctx)
    warnings: list[EventDraft] = []
    if facts is not None:
        for other_id in state.registrations:
            other = ctx.parties.get(other_id)
            relation = _related(facts, other) if other else None
            warnings += ctx.check(
                "regs34.related-bidders", relation is None, lot_stream(state.lot_id),
                {"bidder_id": bidder, "related_bidder_id": other_id, "relation": relation},
            )
    return [event(state, "lot.bidder_registered", {"bidder_id": bidder}), *warnings]


def pay_deposit(state: LotState, cmd: PayDeposit, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.deposit_paid", Stage.BIDDING)
    bidder = ctx.actor_party_id
    if bidder is None or bidder not in state.registrations:
        raise conflict("bidder.not_registered", "请先报名再缴纳保证金", "Register for the lot before paying a deposit")
    if ctx.now >= _deadline(state):
        raise conflict("bidding.closed", "投标已截止", "The bid deadline has passed")
    account = require_text(cmd.paying_account, "paying_account", "付款账号", "paying account")
    if cmd.amount_fen < state.deposit_fen:
        raise invalid("amount_fen", f"保证金金额不足，应为{state.deposit_fen}分",
                      f"The deposit is {state.deposit_fen} fen; this payment is short")
    stream = lot_stream(state.lot_id)
    limit = Decimal(state.estimated_price_fen) * ctx.procedure.limits.max_deposit_ratio
    warnings = ctx.check("regs26.deposit-ratio", Decimal(cmd.amount_fen) <= limit, stream,
                         {"amount_fen": cmd.amount_fen, "estimated_price_fen": state.estimated_price_fen})
    facts = ctx.parties.get(bidder)
    basic = facts.basic_account if facts else ""
    warnings += ctx.check("regs26.basic-account", account == basic, stream,
                          {"bidder_id": bidder, "paying_account": account, "basic_account": basic})
    return [event(state, "lot.deposit_paid", {
        "deposit_id": ctx.new_id("DEP"),
        "bidder_id": bidder,
        "amount_fen": cmd.amount_fen,
        "paying_account": account,
        "paying_bank": cmd.paying_bank,
        "from_basic_account": account == basic,
    }), *warnings]


def submit_bid(state: LotState, cmd: SubmitBid, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bid_submitted", Stage.BIDDING)
    bidder = ctx.actor_party_id
    if bidder is None or bidder not in state.registrations:
        raise conflict("bidder.not_registered", "请先报名再投标", "Register for the lot before bidding")
    # Order 20 Art. 28: a bid at or after the deadline is refused; the boundary is the
    # deadline's millisecond itself (a bid stamped exactly at the deadline is late).
    if ctx.now >= _deadline(state):
        raise Refusal("rule.order20.late-bid", "投标截止时间已过，投标文件被拒收（电子招标投标办法第二十八条）",
                      "The bid deadline has passed; the bid is refused (Order 20 Art. 28)",
                      article="电子招标投标办法第二十八条 / Order 20 Art. 28", status=409,
                      details={"received_at": iso(ctx.now), "bid_deadline": iso(_deadline(state))})
    if ctx.procedure.sealing.required and not cmd.sealed:
        raise Refusal("bid.unsealed", "投标文件必须加密后递交，未加密的投标文件被拒收（电子招标投标办法第二十五条）",
                      "Bids must be sealed; an unencrypted bid is refused (Order 20 Art. 25)",
                      article="电子招标投标办法第二十五条 / Order 20 Art. 25", status=422, field="envelope")
    previous = state.bid_of(bidder)
    return [event(state, "lot.bid_submitted", {
        "bid_id": ctx.new_id("BID"),
        "bidder_id": bidder,
        "version": (previous.version + 1) if previous else 1,
        "replaces": previous.bid_id if previous else None,
        "content_sha256": cmd.content_sha256,
        "content_sm3": cmd.content_sm3,
        "documents": [d.as_payload() for d in cmd.documents],
        "sealed": cmd.sealed,
        "envelope": cmd.envelope,
        "fingerprint": check_fingerprint(cmd.fingerprint),
    })]


def withdraw_bid(state: LotState, cmd: WithdrawBid, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bid_withdrawn", Stage.BIDDING)
    bidder = ctx.actor_party_id
    bid = state.bid_of(bidder) if bidder else None
    if bid is None:
        raise conflict("bid.none", "没有可撤回的投标", "There is no bid to withdraw")
    if ctx.now >= _deadline(state):
        raise conflict("bidding.closed", "投标截止后不能撤回投标", "A bid cannot be withdrawn after the deadline")
    return [event(state, "lot.bid_withdrawn", {"bid_id": bid.bid_id, "bidder_id": bid.bidder_id})]
