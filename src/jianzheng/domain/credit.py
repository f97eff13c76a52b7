"""Credit records (信用记录): bad behaviour of a party or person, its sanction and its period.

A record names the behaviour, the sanction (警告、通报批评、罚款、取消投标资格、列入严重失信
主体名单 …), the legal basis and the deciding authority, and the record period during
which it is published and its sanction applies: [period_from, period_to). Sanctions that
bar bidding (一处失信，处处受限) make bid registration refuse the party while the period
runs. Records are public unless recorded as unpublished; a revoked record (撤销) stops
applying and leaves the public list, but its events stay on the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from jianzheng.domain.calendar import format_instant, local_date
from jianzheng.domain.errors import Refusal, invalid
from jianzheng.domain.events import EventDraft, WitnessedEvent
from jianzheng.domain.subjects import PARTY, PERSON, SubjectFacts

if TYPE_CHECKING:  # context.py imports this module for `CreditSanction`
    from jianzheng.domain.context import Context

MAX_TEXT = 4000


@dataclass(frozen=True)
class Sanction:
    code: str
    label_zh: str
    label_en: str
    bars_bidding: bool
    applies_to: frozenset[str]


_PARTY, _PERSON, _BOTH = frozenset({PARTY}), frozenset({PERSON}), frozenset({PARTY, PERSON})

SANCTIONS: dict[str, Sanction] = {s.code: s for s in (
    Sanction("warning", "警告", "Warning", False, _BOTH),
    Sanction("criticism", "通报批评", "Public criticism", False, _BOTH),
    Sanction("fine", "罚款", "Fine", False, _BOTH),
    # Law 53, 54; Regs 67, 68: 取消其一年至三年内参加依法必须进行招标的项目的投标资格.
    Sanction("bid_ban", "取消投标资格", "Barred from bidding", True, _PARTY),
    # Joint punishment of seriously untrustworthy parties (一处失信，处处受限).
    Sanction("blacklist", "列入严重失信主体名单", "Listed as seriously untrustworthy", True, _PARTY),
    # Regs 71: an expert who breaks the evaluation rules is suspended or disqualified.
    Sanction("expert_suspension", "暂停评标专家资格", "Suspended as an evaluation expert", False, _PERSON),
    Sanction("expert_disqualified", "取消评标专家资格", "Disqualified as an evaluation expert", False, _PERSON),
)}


def credit_stream(record_id: str) -> str:
    return f"credit:{record_id}"


@dataclass(frozen=True)
class RecordCredit:
    """Record bad behaviour of a party or person, with its sanction and record period."""

    subject_kind: str  # party or person
    subject_id: str
    behaviour: str  # 失信行为
    sanction: str  # a key of SANCTIONS
    basis: str  # legal basis (处罚依据), e.g. 招标投标法实施条例第六十七条
    authority: str  # the deciding authority (决定机关)
    period_from: datetime
    period_to: datetime
    decision_ref: str = ""  # the decision's document number (决定文号)
    published: bool = True


@dataclass(frozen=True)
class RevokeCredit:
    record_id: str
    reason: str


@dataclass
class CreditState:
    record_id: str
    exists: bool = False
    revoked: bool = False
    subject_kind: str = ""
    subject_id: str = ""
    sanction: str = ""


def fold_credit(record_id: str, events: Iterable[WitnessedEvent]) -> CreditState:
    state = CreditState(record_id)
    for e in events:
        if e.type == "credit.recorded":
            state.exists = True
            state.subject_kind = e.payload["subject_kind"]
            state.subject_id = e.payload["subject_id"]
            state.sanction = e.payload["sanction"]
        elif e.type == "credit.revoked":
            state.revoked = True
    return state


def _text(value: str, field_name: str, what_zh: str, what_en: str, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise invalid(field_name, f"{what_zh}不能为空", f"The {what_en} must not be empty")
    if len(text) > MAX_TEXT:
        raise invalid(field_name, f"{what_zh}不能超过{MAX_TEXT}字", f"The {what_en} exceeds {MAX_TEXT} characters")
    return text


def record_credit(cmd: RecordCredit, ctx: Context, subject: SubjectFacts | None,
                  source_alert_id: str | None = None, prefix: str = "") -> list[EventDraft]:
    """The `credit.recorded` event, or a Refusal. `prefix` names the fields inside a larger request."""
    if cmd.subject_kind not in (PARTY, PERSON):
        raise invalid(f"{prefix}subject_kind", "信用记录对象应为单位（party）或人员（person）",
                      "A credit record is about a party or a person")
    if subject is None or subject.kind != cmd.subject_kind:
        kind_zh = "单位" if cmd.subject_kind == PARTY else "人员"
        raise invalid(f"{prefix}subject_id", f"未找到{kind_zh}：{cmd.subject_id}",
                      f"No {cmd.subject_kind} with id {cmd.subject_id!r}")
    sanction = SANCTIONS.get(cmd.sanction)
    if sanction is None:
        raise invalid(f"{prefix}sanction", f"处理措施应为：{'、'.join(SANCTIONS)}",
                      f"sanction must be one of {', '.join(SANCTIONS)}")
    if cmd.subject_kind not in sanction.applies_to:
        kind_zh = "单位" if subject.kind == PARTY else "人员"
        raise invalid(f"{prefix}sanction", f"“{sanction.label_zh}”不适用于{kind_zh}",
                      f"The sanction {sanction.code} does not apply to a {subject.kind}")
    behaviour = _text(cmd.behaviour, f"{prefix}behaviour", "失信行为", "behaviour")
    basis = _text(cmd.basis, f"{prefix}basis", "处理依据", "legal basis")
    authority = _text(cmd.authority, f"{prefix}authority", "决定机关", "deciding authority")
    if cmd.period_to <= cmd.period_from:
        raise invalid(f"{prefix}period_to", "记录期限的截止时间应晚于起始时间",
                      "The record period must end after it starts")
    record_id = ctx.new_id("CR")
    return [EventDraft("credit.recorded", credit_stream(record_id), {
        "record_id": record_id,
        "subject_kind": subject.kind,
        "subject_id": subject.subject_id,
        "subject_name": subject.name,
        "credit_code": subject.credit_code if subject.kind == PARTY else None,
        "behaviour": behaviour,
        "sanction": sanction.code,
        "bars_bidding": sanction.bars_bidding,
        "basis": basis,
        "authority": authority,
        "decision_ref": _text(cmd.decision_ref, f"{prefix}decision_ref", "决定文号", "decision reference", False),
        "period_from": format_instant(cmd.period_from),
        "period_to": format_instant(cmd.period_to),
        "published": cmd.published,
        "source_alert_id": source_alert_id,
    })]


def revoke_credit(state: CreditState, cmd: RevokeCredit, ctx: Context) -> list[EventDraft]:
    if not state.exists:
        raise Refusal("not_found", f"未找到信用记录：{state.record_id}",
                      f"No credit record with id {state.record_id!r}", status=404,
                      details={"kind": "信用记录", "id": state.record_id})
    if state.revoked:
        raise Refusal("credit.revoked", f"信用记录已撤销：{state.record_id}",
                      f"The credit record {state.record_id} is already revoked", status=409)
    reason = _text(cmd.reason, "reason", "撤销理由", "reason for revoking")
    return [EventDraft("credit.revoked", credit_stream(state.record_id), {
        "record_id": state.record_id, "subject_id": state.subject_id, "reason": reason})]


# -- the fact bid registration consults ----------------------------------------------------


@dataclass(frozen=True)
class CreditSanction:
    """A party's unrevoked record whose sanction bars bidding (given to the bidding decision)."""

    record_id: str
    sanction: str
    behaviour: str
    basis: str
    authority: str
    period_from: datetime
    period_to: datetime

    def applies(self, now: datetime) -> bool:
        return self.period_from <= now < self.period_to


def barring_sanction(sanctions: Iterable[CreditSanction], now: datetime) -> CreditSanction | None:
    """The sanction in force now that bars bidding, the one running longest first."""
    current = [s for s in sanctions if s.applies(now) and SANCTIONS[s.sanction].bars_bidding]
    return max(current, key=lambda s: (s.period_to, s.record_id)) if current else None


def sanction_refusal(s: CreditSanction) -> Refusal:
    """Refuse a bid registration, naming the record, its period and its basis."""
    label = SANCTIONS[s.sanction]
    start, end = local_date(s.period_from).isoformat(), local_date(s.period_to).isoformat()
    return Refusal(
        "credit.sanctioned",
        f"该投标人因信用记录 {s.record_id}（{label.label_zh}，{s.behaviour}）在 {start} 至 {end} 期间不得参加投标"
        f"（依据：{s.basis}；决定机关：{s.authority}）",
        f"The bidder may not bid from {start} to {end} under credit record {s.record_id} "
        f"({label.label_en}: {s.behaviour}; basis: {s.basis}; decided by {s.authority})",
        article=s.basis,
        status=409,
        details={"record_id": s.record_id, "sanction": s.sanction, "period_from": format_instant(s.period_from),
                 "period_to": format_instant(s.period_to), "basis": s.basis, "authority": s.authority},
    )
