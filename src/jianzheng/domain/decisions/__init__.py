"""Decisions: pure functions from (lot state, command, context) to events or a refusal.

`decide` dispatches on the command's type; each stage group lives in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain.context import Context
from jianzheng.domain.decisions import (
    award,
    bidding,
    disputes,
    draws,
    evaluation,
    hall,
    opening,
    preparation,
    review,
    special,
)
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import EventDraft
from jianzheng.domain.lifecycle import Stage, illegal
from jianzheng.domain.lot import LotState

Decision = Callable[[LotState, Any, Context], list[EventDraft]]

HANDLERS: dict[type, Decision] = {
    c.CompileDocuments: preparation.compile_documents,
    c.ConfirmDocuments: preparation.confirm_documents,
    c.FileDocuments: preparation.file_documents,
    c.PublishAnnouncement: preparation.publish_announcement,
    c.IssueClarification: bidding.issue_clarification,
    c.RegisterBidder: bidding.register_bidder,
    c.PayDeposit: bidding.pay_deposit,
    c.SubmitBid: bidding.submit_bid,
    c.WithdrawBid: bidding.withdraw_bid,
    c.RaiseObjection: disputes.raise_objection,
    c.AnswerObjection: disputes.answer_objection,
    c.FileComplaint: disputes.file_complaint,
    c.AcceptComplaint: disputes.accept_complaint,
    c.DecideComplaint: disputes.decide_complaint,
    c.StartHall: hall.start_hall,
    c.SignInHall: hall.sign_in,
    c.RecordDecryption: hall.record_decryption,
    c.RequestEscrow: hall.request_escrow,
    c.SubmitEscrowShare: hall.submit_escrow_share,
    c.OpenBids: opening.open_bids,
    c.FormCommittee: evaluation.form_committee,
    c.SubmitScores: evaluation.submit_scores,
    c.RejectBid: evaluation.reject_bid,
    c.ReportEvaluation: evaluation.report_evaluation,
    c.RequestExpertDraw: draws.request_draw,
    c.RecordExpertDraw: draws.record_draw,
    c.AnswerExpertDraw: draws.answer_draw,
    c.ExplainDeviation: evaluation.explain_deviation,
    c.SignReport: evaluation.sign_report,
    c.AskBidder: review.ask_bidder,
    c.AnswerQuestion: review.answer_question,
    c.AcceptLowPrice: review.accept_low_price,
    c.AdjustPrice: review.adjust_price,
    c.RecordReviewPages: review.record_review_pages,
    c.PublishCandidates: award.publish_candidates,
    c.Award: award.award,
    c.SignContract: award.sign_contract,
    c.RefundDeposit: award.refund_deposit,
    c.Retender: special.retender,
    c.CancelLot: special.cancel,
}

# Commands that may be given while a lot is suspended: the ones that settle what suspended it.
WHILE_SUSPENDED = (c.AnswerObjection, c.AcceptComplaint, c.DecideComplaint, c.CancelLot, c.RaiseObjection,
                   c.FileComplaint)


def decide(state: LotState, command: Any, ctx: Context) -> list[EventDraft]:
    """The events a command produces on a lot, or a Refusal."""
    if not state.exists:
        raise Refusal("not_found", f"未找到标段：{state.lot_id}", f"No lot with id {state.lot_id!r}", status=404)
    if state.stage is Stage.SUSPENDED and not isinstance(command, WHILE_SUSPENDED):
        raise Refusal(
            "lot.suspended",
            "标段因异议或投诉暂停，待处理完毕后恢复",
            "The lot is suspended until the objection or complaint is settled",
            status=409,
        )
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise illegal(state.stage, type(command).__name__)
    return handler(state, command, ctx)
