"""Stage 5: the opening at the bid deadline (Law 34), or a failed tender (Law 28, Regs 44)."""

from __future__ import annotations

from datetime import timedelta

from jianzheng.domain.commands import OpenBids
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import event, iso, require_stage
from jianzheng.domain.decisions.hall import close_release
from jianzheng.domain.errors import invalid
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState


def open_bids(state: LotState, cmd: OpenBids, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.opened", Stage.BIDDING)
    assert state.bid_deadline is not None
    stream = lot_stream(state.lot_id)
    facts = {"opened_at": iso(ctx.now), "bid_deadline": iso(state.bid_deadline)}
    events = ctx.check("law34.opening-time", ctx.now >= state.bid_deadline, stream, facts)
    grace = timedelta(minutes=ctx.procedure.periods.opening_grace_minutes)
    events += ctx.check("law34.opening-late", ctx.now <= state.bid_deadline + grace, stream, facts)
    # Sealed bids nobody opened in the hall count as withdrawn (Order 20 Art. 31).
    unopened = close_release(state, ctx)
    closed = {e.payload["bid_id"] for e in unopened}
    bids = [b for b in state.active_bids() if b.bid_id not in closed]
    minimum = ctx.procedure.limits.min_bids
    if len(bids) < minimum:
        return [*unopened, event(state, "lot.failed", {
            "reason": "too_few_bids", "bid_count": len(bids), "minimum": minimum,
            "article": "招标投标法第二十八条、实施条例第四十四条 / Law 28, Regs 44",
        }), *events]
    expected = {b.bid_id for b in bids}
    given = {o.bid_id for o in cmd.opened}
    if given != expected:
        raise invalid("opened", "开标记录必须且只能包含每个有效投标",
                      "The opening record must list every valid bid exactly once")
    if any(o.price_fen <= 0 for o in cmd.opened):
        raise invalid("opened", "投标报价必须大于零", "Every bid price must be positive")
    by_id = {b.bid_id: b for b in bids}
    return [*unopened, event(state, "lot.opened", {
        "bids": [
            {"bid_id": o.bid_id, "bidder_id": by_id[o.bid_id].bidder_id, "price_fen": o.price_fen,
             "project_manager_id": o.project_manager_id, "duration_days": o.duration_days,
             "quality": o.quality}
            for o in sorted(cmd.opened, key=lambda o: o.bid_id)
        ],
        "bid_count": len(bids),
    }), *events]
