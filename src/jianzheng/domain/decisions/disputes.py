"""Objections (异议) and complaints (投诉), and the suspension they bring (Regs 22, 60, 61).

An objection to the tender documents suspends the lot until the tenderer answers; an
accepted complaint suspends it until the supervisor decides. The lot resumes in the stage
it was suspended from once nothing is pending.
"""

from __future__ import annotations

from jianzheng.domain.calendar import days_between, working_days_between
from jianzheng.domain.commands import (
    AcceptComplaint,
    AnswerObjection,
    DecideComplaint,
    FileComplaint,
    RaiseObjection,
)
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, iso, require_text
from jianzheng.domain.errors import forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lifecycle import SUSPENDABLE, Stage, illegal
from jianzheng.domain.lot import LotState

SUBJECTS = {"documents": Stage.BIDDING, "opening": Stage.OPENED, "result": Stage.CANDIDATES_PUBLISHED}


def _suspend(state: LotState, cause: str, cause_id: str) -> list[EventDraft]:
    if state.stage is Stage.SUSPENDED:
        return []
    return [event(state, "lot.suspended", {"cause": cause, "cause_id": cause_id, "from_stage": state.stage.value})]


def _resume_if_clear(state: LotState, closing_objection: str | None = None,
                     closing_complaint: str | None = None) -> list[EventDraft]:
    pending = [o for o in state.open_objections() if o.objection_id != closing_objection]
    pending_complaints = [c for c in state.open_complaints() if c.complaint_id != closing_complaint]
    if state.stage is Stage.SUSPENDED and not pending and not pending_complaints and state.resume_to:
        return [event(state, "lot.resumed", {"to_stage": state.resume_to.value})]
    return []


def raise_objection(state: LotState, cmd: RaiseObjection, ctx: Context) -> list[EventDraft]:
    if cmd.subject not in SUBJECTS:
        raise invalid("subject", "异议对象应为 documents、opening 或 result",
                      "The subject must be documents, opening or result")
    text = require_text(cmd.text, "text", "异议内容", "objection text")
    if ctx.actor_party_id is None:
        raise forbidden("只有潜在投标人或投标人可以提出异议", "Only bidders may raise an objection")
    if state.stage is not SUBJECTS[cmd.subject] and not (
        state.stage is Stage.SUSPENDED and state.resume_to is SUBJECTS[cmd.subject]
    ):
        raise illegal(state.stage, f"lot.objection_raised[{cmd.subject}]")
    events: list[EventDraft] = []
    if cmd.subject == "documents":
        assert state.bid_deadline is not None
        minimum = ctx.procedure.periods.objection_min_days_before_deadline
        days = days_between(ctx.now, state.bid_deadline)
        events += ctx.check("regs22.objection-deadline", days >= minimum, lot_stream(state.lot_id),
                            {"raised_at": iso(ctx.now), "bid_deadline": iso(state.bid_deadline),
                             "days_before_deadline": days, "minimum": minimum})
    objection_id = ctx.new_id("OBJ")
    events.insert(0, event(state, "lot.objection_raised", {
        "objection_id": objection_id, "party_id": ctx.actor_party_id, "subject": cmd.subject, "text": text,
    }))
    return events + _suspend(state, "objection", objection_id)


def answer_objection(state: LotState, cmd: AnswerObjection, ctx: Context) -> list[EventDraft]:
    objection = state.objections.get(cmd.objection_id)
    if objection is None:
        raise not_found("异议", cmd.objection_id)
    if objection.answered_at is not None:
        raise conflict("objection.answered", "该异议已答复", "This objection has already been answered")
    answer = require_text(cmd.answer, "answer", "答复内容", "answer")
    limit = ctx.procedure.periods.objection_answer_days
    days = days_between(objection.raised_at, ctx.now)
    events = [EventDraft("lot.objection_answered", lot_stream(state.lot_id),
                         {"objection_id": cmd.objection_id, "answer": answer})]
    events += ctx.check("regs22.objection-answer", days <= limit, lot_stream(state.lot_id),
                        {"objection_id": cmd.objection_id, "raised_at": iso(objection.raised_at),
                         "answered_at": iso(ctx.now), "days": days, "limit": limit})
    return events + _resume_if_clear(state, closing_objection=cmd.objection_id)


def file_complaint(state: LotState, cmd: FileComplaint, ctx: Context) -> list[EventDraft]:
    text = require_text(cmd.text, "text", "投诉内容", "complaint text")
    if ctx.actor_party_id is None:
        raise forbidden("只有投标人或其他利害关系人可以投诉", "Only bidders or interested parties may complain")
    if cmd.known_at > ctx.now:
        raise invalid("known_at", "知道之日不能晚于现在", "The date of knowing cannot be in the future")
    limit = ctx.procedure.periods.complaint_within_days
    days = days_between(cmd.known_at, ctx.now)
    events = ctx.check("regs60.complaint-deadline", days <= limit, lot_stream(state.lot_id),
                       {"known_at": iso(cmd.known_at), "filed_at": iso(ctx.now), "days": days, "limit": limit})
    return [EventDraft("lot.complaint_filed", lot_stream(state.lot_id), {
        "complaint_id": ctx.new_id("CMP"), "party_id": ctx.actor_party_id, "text": text,
        "known_at": iso(cmd.known_at),
    }), *events]


def accept_complaint(state: LotState, cmd: AcceptComplaint, ctx: Context) -> list[EventDraft]:
    complaint = state.complaints.get(cmd.complaint_id)
    if complaint is None:
        raise not_found("投诉", cmd.complaint_id)
    if complaint.status != "filed":
        raise conflict("complaint.status", "该投诉已处理受理决定", "This complaint's acceptance was already decided")
    limit = ctx.procedure.periods.complaint_accept_working_days
    days = working_days_between(complaint.filed_at, ctx.now)
    stream = lot_stream(state.lot_id)
    warnings = ctx.check("regs61.complaint-acceptance", days <= limit, stream,
                         {"complaint_id": cmd.complaint_id, "working_days": days, "limit": limit})
    if not cmd.accept:
        reason = require_text(cmd.reason, "reason", "不予受理理由", "reason for not accepting")
        rejected = {"complaint_id": cmd.complaint_id, "reason": reason}
        return [EventDraft("lot.complaint_rejected", stream, rejected), *warnings]
    events = [EventDraft("lot.complaint_accepted", stream, {"complaint_id": cmd.complaint_id}), *warnings]
    if state.stage in SUSPENDABLE:
        events += _suspend(state, "complaint", cmd.complaint_id)
    return events


def decide_complaint(state: LotState, cmd: DecideComplaint, ctx: Context) -> list[EventDraft]:
    complaint = state.complaints.get(cmd.complaint_id)
    if complaint is None:
        raise not_found("投诉", cmd.complaint_id)
    if complaint.status != "accepted" or complaint.accepted_at is None:
        raise conflict("complaint.status", "只能对已受理的投诉作出处理决定",
                       "Only an accepted complaint can be decided")
    decision = require_text(cmd.decision, "decision", "处理决定", "decision")
    limit = ctx.procedure.periods.complaint_decide_working_days
    days = working_days_between(complaint.accepted_at, ctx.now)
    stream = lot_stream(state.lot_id)
    events = [EventDraft("lot.complaint_decided", stream,
                         {"complaint_id": cmd.complaint_id, "upheld": cmd.upheld, "decision": decision})]
    events += ctx.check("regs61.complaint-decision", days <= limit, stream,
                        {"complaint_id": cmd.complaint_id, "working_days": days, "limit": limit})
    return events + _resume_if_clear(state, closing_complaint=cmd.complaint_id)
