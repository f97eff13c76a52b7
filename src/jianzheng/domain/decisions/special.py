"""Stage 7's special situations that are commands: re-tender after a failure, cancellation."""

from __future__ import annotations

from jianzheng.domain.commands import CancelLot, Retender
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import event, require_text
from jianzheng.domain.events import EventDraft
from jianzheng.domain.lot import LotState


def retender(state: LotState, cmd: Retender, ctx: Context) -> list[EventDraft]:
    reason = require_text(cmd.reason, "reason", "重新招标原因", "reason for the re-tender")
    return [event(state, "lot.retendered", {"round": state.round + 1, "reason": reason})]


def cancel(state: LotState, cmd: CancelLot, ctx: Context) -> list[EventDraft]:
    reason = require_text(cmd.reason, "reason", "终止原因", "reason for cancelling")
    return [event(state, "lot.cancelled", {"reason": reason, "from_stage": state.stage.value})]
