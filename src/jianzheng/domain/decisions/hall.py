"""The online opening hall (不见面开标, Order 20 Art. 29–31): sign-in, key release, escrow.

At the deadline the hall opens and the key-release window starts. Each bidder signs in
and releases its content key; the service decrypts and this module records the outcome.
A sealed bid still unopened when the window closes is treated as its bidder's withdrawal
(Art. 31: 视为撤销/撤回), and the opening of the others goes on. When a bid could not be
opened through no fault of the bidder, staff asks the escrow custodians; their shares
(each use witnessed) open it — never before the deadline.
"""

from __future__ import annotations

from datetime import timedelta

from jianzheng.domain.commands import RecordDecryption, RequestEscrow, SignInHall, StartHall, SubmitEscrowShare
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, iso, require_stage, require_text
from jianzheng.domain.errors import Refusal, forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import Bid, LotState

ART31 = "电子招标投标办法第三十一条 / Order 20 Art. 31"


def _after_deadline(state: LotState, ctx: Context, action_zh: str, action_en: str) -> None:
    assert state.bid_deadline is not None
    if ctx.now < state.bid_deadline:
        raise Refusal("hall.before_deadline", f"投标截止前不能{action_zh}（电子招标投标办法第二十九条）",
                      f"{action_en} is not allowed before the bid deadline (Order 20 Art. 29)", status=409,
                      article="电子招标投标办法第二十九条 / Order 20 Art. 29",
                      details={"now": iso(ctx.now), "bid_deadline": iso(state.bid_deadline)})


def _require_hall(state: LotState) -> None:
    if state.hall_started_at is None:
        raise conflict("hall.not_started", "开标大厅尚未开启", "The opening hall has not been opened")


def _sealed_bid(state: LotState, bid_id: str) -> Bid:
    bid = state.bids.get(bid_id)
    if bid is None or not bid.sealed or bid.status != "submitted":
        raise not_found("投标", bid_id)
    return bid


def start_hall(state: LotState, cmd: StartHall, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.hall_started", Stage.BIDDING)
    _after_deadline(state, ctx, "开启开标大厅", "Opening the hall")
    if state.hall_started_at is not None:
        raise conflict("hall.started", "开标大厅已开启", "The opening hall is already open")
    window = ctx.procedure.sealing.release_window_minutes
    return [event(state, "lot.hall_started", {
        "release_until": iso(ctx.now + timedelta(minutes=window)), "release_window_minutes": window,
        "sealed_bids": sorted(b.bid_id for b in state.active_bids() if b.sealed)})]


def sign_in(state: LotState, cmd: SignInHall, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.hall_signed_in", Stage.BIDDING)
    _require_hall(state)
    bidder = ctx.actor_party_id
    if bidder is None or state.bid_of(bidder) is None:
        raise forbidden("只有本标段的投标人可以签到", "Only a bidder on this lot may sign in to the hall")
    if bidder in state.hall_signins:
        raise conflict("hall.signed_in", "已签到", "Already signed in")
    return [event(state, "lot.hall_signed_in", {"bidder_id": bidder})]


def record_decryption(state: LotState, cmd: RecordDecryption, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bid_decrypted", Stage.BIDDING)
    _after_deadline(state, ctx, "解密", "Decryption")
    _require_hall(state)
    bid = _sealed_bid(state, cmd.bid_id)
    if bid.decryption != "pending":
        raise conflict("bid.decrypted", "该投标已解密", "This bid has already been decrypted")
    assert state.release_until is not None
    if cmd.via == "bidder":
        if ctx.actor_party_id != bid.bidder_id:
            raise forbidden("只有投标人本人可以解密其投标", "Only the bidder itself releases its key")
        if ctx.now > state.release_until:
            raise conflict("hall.window_closed", "解密时间已过（视为撤销投标文件，电子招标投标办法第三十一条）",
                           "The key-release window has closed (the bid counts as withdrawn, Order 20 Art. 31)",
                           release_until=iso(state.release_until))
    elif cmd.via == "escrow":
        if bid.bid_id not in state.escrow_requests:
            raise conflict("escrow.not_requested", "未申请托管解密", "No escrow opening was requested for this bid")
    else:
        raise invalid("via", "解密方式应为 bidder 或 escrow", "via must be bidder or escrow")
    if not cmd.ok:
        # A wrong key is witnessed but not final: the bidder may try again within the window.
        return [event(state, "lot.bid_key_rejected", {"bid_id": bid.bid_id, "bidder_id": bid.bidder_id,
                                                       "via": cmd.via, "reason": cmd.reason})]
    return [event(state, "lot.bid_decrypted", {
        "bid_id": bid.bid_id, "bidder_id": bid.bidder_id, "via": cmd.via, "key_b64": cmd.key_b64,
        "content_sha256": cmd.content_sha256, "content_sm3": cmd.content_sm3,
        "documents": [d.as_payload() for d in cmd.documents]})]


def request_escrow(state: LotState, cmd: RequestEscrow, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.escrow_requested", Stage.BIDDING)
    _require_hall(state)
    _after_deadline(state, ctx, "托管解密", "An escrow opening")
    bid = _sealed_bid(state, cmd.bid_id)
    reason = require_text(cmd.reason, "reason", "申请原因", "reason")
    if bid.decryption != "pending":
        raise conflict("bid.decrypted", "该投标已解密", "This bid has already been decrypted")
    if not bid.escrow_threshold:
        raise conflict("escrow.none", "该投标未设密钥托管，只能由投标人解密",
                       "This bid has no key escrow; only the bidder can open it")
    if bid.bid_id in state.escrow_requests:
        raise conflict("escrow.requested", "已申请托管解密", "An escrow opening was already requested")
    return [event(state, "lot.escrow_requested", {"bid_id": bid.bid_id, "bidder_id": bid.bidder_id,
                                                   "reason": reason, "article": ART31,
                                                   "threshold": bid.escrow_threshold})]


def submit_escrow_share(state: LotState, cmd: SubmitEscrowShare, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.escrow_share_submitted", Stage.BIDDING)
    _after_deadline(state, ctx, "提交托管份额", "Submitting an escrow share")
    bid = _sealed_bid(state, cmd.bid_id)
    if bid.bid_id not in state.escrow_requests:
        raise conflict("escrow.not_requested", "未申请托管解密", "No escrow opening was requested for this bid")
    if cmd.custodian not in bid.escrow_custodians:
        raise invalid("custodian", f"{cmd.custodian} 不是该投标的托管方", f"{cmd.custodian} is not a custodian of "
                      "this bid")
    if cmd.custodian in state.escrow_shares.get(bid.bid_id, {}):
        raise conflict("escrow.share_given", "该托管方已提交份额", "This custodian has already given its share")
    return [event(state, "lot.escrow_share_submitted", {"bid_id": bid.bid_id, "custodian": cmd.custodian,
                                                         "x": cmd.x, "share_b64": cmd.share_b64})]


def unopened_sealed_bids(state: LotState) -> list[Bid]:
    return [b for b in state.active_bids() if b.sealed and b.decryption == "pending"]


def close_release(state: LotState, ctx: Context) -> list[EventDraft]:
    """At the opening: sealed bids nobody opened count as withdrawn (Art. 31); the rest goes on."""
    pending = unopened_sealed_bids(state)
    if not pending:
        return []
    _require_hall(state)
    assert state.release_until is not None
    if ctx.now <= state.release_until:
        raise conflict("hall.window_open", "解密时间未结束，尚有投标未解密",
                       "The key-release window is still open and some bids are not decrypted",
                       release_until=iso(state.release_until), pending=[b.bid_id for b in pending])
    return [event(state, "lot.bid_decryption_failed", {
        "bid_id": b.bid_id, "bidder_id": b.bidder_id,
        "reason": "escrow_incomplete" if b.bid_id in state.escrow_requests else "not_released",
        "treated_as": "withdrawn", "article": ART31}) for b in pending]
