"""The alert workflow (预警处置): a raised alert is acknowledged, reviewed, then closed.

new → acknowledged → under_review → transferred (线索移送纪检监察) / dismissed (with a
reason) / confirmed. A supervisor may assign an open alert to a colleague and anyone who
may act may comment, at any time. Every step is an event on the alert's own stream
``alert:<id>``, so the supervisor's handling is witnessed like the tender it watches.

A confirmed alert may record a credit record (信用记录) against a party in the same
command: the confirmation and the record are appended together or not at all.

The ledger's canonical JSON takes integers and decimal strings only, so an alert's value
and any evidence number that is not an integer are recorded as decimal strings
("0.0123", never 0.0123); integers (money in fen, counts, sequence numbers) stay integers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import Context
from jianzheng.domain.credit import RecordCredit, record_credit
from jianzheng.domain.errors import Refusal, invalid
from jianzheng.domain.events import EventDraft, WitnessedEvent
from jianzheng.domain.subjects import SubjectFacts


class AlertStatus(StrEnum):
    NEW = "new"  # 新预警
    ACKNOWLEDGED = "acknowledged"  # 已签收
    UNDER_REVIEW = "under_review"  # 核查中
    TRANSFERRED = "transferred"  # 已移送纪检监察
    DISMISSED = "dismissed"  # 已排除
    CONFIRMED = "confirmed"  # 已确认

    @property
    def label_zh(self) -> str:
        return STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return STATUS_LABELS[self][1]


STATUS_LABELS: dict[AlertStatus, tuple[str, str]] = {
    AlertStatus.NEW: ("新预警", "new"),
    AlertStatus.ACKNOWLEDGED: ("已签收", "acknowledged"),
    AlertStatus.UNDER_REVIEW: ("核查中", "under review"),
    AlertStatus.TRANSFERRED: ("已移送纪检监察", "transferred to discipline inspection"),
    AlertStatus.DISMISSED: ("已排除", "dismissed"),
    AlertStatus.CONFIRMED: ("已确认", "confirmed"),
}

CLOSED: frozenset[AlertStatus] = frozenset({AlertStatus.TRANSFERRED, AlertStatus.DISMISSED, AlertStatus.CONFIRMED})

# Every event that moves an alert: the statuses it may leave from and the status it leads to.
TRANSITIONS: dict[str, tuple[frozenset[AlertStatus], AlertStatus]] = {
    "alert.acknowledged": (frozenset({AlertStatus.NEW}), AlertStatus.ACKNOWLEDGED),
    "alert.review_started": (frozenset({AlertStatus.ACKNOWLEDGED}), AlertStatus.UNDER_REVIEW),
    "alert.transferred": (frozenset({AlertStatus.UNDER_REVIEW}), AlertStatus.TRANSFERRED),
    "alert.dismissed": (frozenset({AlertStatus.UNDER_REVIEW}), AlertStatus.DISMISSED),
    "alert.confirmed": (frozenset({AlertStatus.UNDER_REVIEW}), AlertStatus.CONFIRMED),
}

SEVERITIES = ("info", "low", "medium", "high")
SUBJECTS = ("lot", "bidder", "tenderer", "agency", "expert", "person")
SOURCES = ("batch", "realtime", "rule", "watchlist", "manual")
ALERT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
INDICATOR_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,31}$")
MAX_TEXT = 4000


def alert_stream(alert_id: str) -> str:
    return f"alert:{alert_id}"


# -- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseAlert:
    """Record an alert an indicator (or the platform's triggers) found, with its evidence."""

    alert_id: str
    indicator: str
    severity: str
    subject: str
    subject_id: str
    explanation_zh: str
    explanation_en: str
    lot_ids: tuple[str, ...] = ()
    parties: tuple[tuple[str, str], ...] = ()  # (party id, the part it plays)
    person_ids: tuple[str, ...] = ()
    evidence: tuple[Mapping[str, Any], ...] = ()
    value: float | None = None
    source: str = "batch"
    article: str | None = None


@dataclass(frozen=True)
class AcknowledgeAlert:
    note: str = ""


@dataclass(frozen=True)
class StartReview:
    note: str = ""


@dataclass(frozen=True)
class TransferAlert:
    """线索移送: hand the alert to discipline inspection (纪检监察) or audit."""

    recipient: str
    note: str


@dataclass(frozen=True)
class DismissAlert:
    reason: str


@dataclass(frozen=True)
class ConfirmAlert:
    finding: str
    credit: RecordCredit | None = None


@dataclass(frozen=True)
class AssignAlert:
    assignee_id: str
    note: str = ""


@dataclass(frozen=True)
class CommentAlert:
    text: str


AlertCommand = (RaiseAlert | AcknowledgeAlert | StartReview | TransferAlert | DismissAlert | ConfirmAlert
                | AssignAlert | CommentAlert)


@dataclass(frozen=True)
class Assignee:
    """What the decision needs to know about the account an alert is assigned to."""

    user_id: str
    display_name: str
    role: str
    disabled: bool = False


# -- state ---------------------------------------------------------------------------------


@dataclass
class AlertState:
    alert_id: str
    exists: bool = False
    status: AlertStatus = AlertStatus.NEW
    indicator: str = ""
    severity: str = ""
    lot_ids: tuple[str, ...] = ()
    party_ids: tuple[str, ...] = ()
    assignee_id: str | None = None
    comments: int = 0
    credit_record_ids: tuple[str, ...] = field(default_factory=tuple)


def fold_alert(alert_id: str, events: Iterable[WitnessedEvent]) -> AlertState:
    """The alert's state from its stream's events, in order."""
    state = AlertState(alert_id)
    for e in events:
        p = e.payload
        if e.type == "alert.raised":
            state.exists = True
            state.status = AlertStatus.NEW
            state.indicator = p["indicator"]
            state.severity = p["severity"]
            state.lot_ids = tuple(p["lot_ids"])
            state.party_ids = tuple(p["party_ids"])
        elif e.type in TRANSITIONS:
            state.status = TRANSITIONS[e.type][1]
            if e.type == "alert.confirmed" and p.get("credit_record_id"):
                state.credit_record_ids = (*state.credit_record_ids, p["credit_record_id"])
        elif e.type == "alert.assigned":
            state.assignee_id = p["assignee_id"]
        elif e.type == "alert.commented":
            state.comments += 1
    return state


# -- decisions -----------------------------------------------------------------------------


def _text(value: str, field_name: str, what_zh: str, what_en: str, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise invalid(field_name, f"{what_zh}不能为空", f"The {what_en} must not be empty")
    if len(text) > MAX_TEXT:
        raise invalid(field_name, f"{what_zh}不能超过{MAX_TEXT}字", f"The {what_en} exceeds {MAX_TEXT} characters")
    return text


def _missing(state: AlertState) -> Refusal:
    return Refusal("not_found", f"未找到预警：{state.alert_id}", f"No alert with id {state.alert_id!r}", status=404,
                   details={"kind": "预警", "id": state.alert_id})


def _move(state: AlertState, kind: str, payload: dict[str, Any]) -> EventDraft:
    """The event for a status change, if the workflow allows it from the alert's status."""
    sources, target = TRANSITIONS[kind]
    if state.status not in sources:
        allowed = "、".join(s.label_zh for s in sources)
        raise Refusal(
            "alert.illegal_transition",
            f"预警当前状态为“{state.status.label_zh}”，不能变更为“{target.label_zh}”（须处于：{allowed}）",
            f"The alert is {state.status.label_en}; it cannot become {target.label_en} "
            f"(only from: {', '.join(s.label_en for s in sources)})",
            status=409,
            details={"status": state.status.value, "target": target.value,
                     "allowed_from": sorted(s.value for s in sources)},
        )
    return EventDraft(kind, alert_stream(state.alert_id), {"alert_id": state.alert_id, **payload})


def _ids(values: Sequence[str], field_name: str) -> list[str]:
    cleaned = [v.strip() for v in values]
    if any(not v for v in cleaned):
        raise invalid(field_name, "编号不能为空", "An id must not be empty")
    return list(dict.fromkeys(cleaned))


def decimal_text(value: float) -> str:
    """A float as the decimal string that reads back as the same float, without an exponent."""
    return format(Decimal(repr(value)), "f")


def _clean(value: Any, where: str) -> Any:
    """Evidence must be JSON fit for the ledger's canonical form (RFC 8785 as the ledger uses
    it): no NaN or infinity, and numbers that are not integers as decimal strings."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise invalid(where, "证据中含有非有限数值", "The evidence holds a non-finite number")
        return decimal_text(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v, where) for v in value]
    raise invalid(where, f"证据中含有无法记录的值（{type(value).__name__}）",
                  f"The evidence holds a value of type {type(value).__name__} that is not JSON")


def raise_alert(state: AlertState, cmd: RaiseAlert, ctx: Context) -> list[EventDraft]:
    if state.exists:
        raise Refusal("alert.exists", f"预警已存在：{cmd.alert_id}", f"The alert {cmd.alert_id} already exists",
                      status=409)
    if not ALERT_ID.match(cmd.alert_id):
        raise invalid("alert_id", "预警编号为1-64位字母、数字、_ 或 -", "An alert id has 1-64 letters, digits, _ or -")
    if not INDICATOR_CODE.match(cmd.indicator):
        raise invalid("indicator", "指标代码为大写字母、数字与 - . _，如 REGS40-1",
                      "An indicator code has capitals, digits and - . _, e.g. REGS40-1")
    if cmd.severity not in SEVERITIES:
        raise invalid("severity", f"严重程度应为：{'、'.join(SEVERITIES)}", f"severity must be one of {SEVERITIES}")
    if cmd.subject not in SUBJECTS:
        raise invalid("subject", f"预警对象类型应为：{'、'.join(SUBJECTS)}", f"subject must be one of {SUBJECTS}")
    if cmd.source not in SOURCES:
        raise invalid("source", f"预警来源应为：{'、'.join(SOURCES)}", f"source must be one of {SOURCES}")
    subject_id = _text(cmd.subject_id, "subject_id", "预警对象", "subject id")
    zh = _text(cmd.explanation_zh, "explanation_zh", "中文说明", "Chinese explanation")
    en = _text(cmd.explanation_en, "explanation_en", "英文说明", "English explanation")
    if cmd.value is not None and not math.isfinite(cmd.value):
        raise invalid("value", "预警值应为有限数", "The alert value must be a finite number")
    parties = [{"party_id": p.strip(), "role": r.strip()} for p, r in cmd.parties]
    if any(not p["party_id"] for p in parties):
        raise invalid("parties", "主体编号不能为空", "A party id must not be empty")
    evidence = [_clean(dict(item), f"evidence[{i}]") for i, item in enumerate(cmd.evidence)]
    return [EventDraft("alert.raised", alert_stream(cmd.alert_id), {
        "alert_id": cmd.alert_id,
        "indicator": cmd.indicator,
        "severity": cmd.severity,
        "subject": cmd.subject,
        "subject_id": subject_id,
        # Alerts are confidential to supervision: the payload names lots under `lot_ids`, never
        # `lot_id`, so the event does not land in the lot's operation log that its owners read.
        "lot_ids": _ids(cmd.lot_ids, "lot_ids"),
        "parties": parties,
        "party_ids": list(dict.fromkeys(p["party_id"] for p in parties)),
        "person_ids": _ids(cmd.person_ids, "person_ids"),
        "value": decimal_text(cmd.value) if cmd.value is not None else None,
        "explanation": {"zh": zh, "en": en},
        "evidence": evidence,
        "source": cmd.source,
        "article": cmd.article,
        "raised_at": format_instant(ctx.now),
    })]


def decide_alert(state: AlertState, cmd: AlertCommand, ctx: Context, assignee: Assignee | None = None,
                 credit_subject: SubjectFacts | None = None) -> list[EventDraft]:
    """The events an alert command produces, or a Refusal.

    `assignee` is the account named by an `AssignAlert`; `credit_subject` the party or
    person a confirmation's credit record is about (None when it does not exist).
    """
    if isinstance(cmd, RaiseAlert):
        return raise_alert(state, cmd, ctx)
    if not state.exists:
        raise _missing(state)
    if isinstance(cmd, AcknowledgeAlert):
        return [_move(state, "alert.acknowledged", {"note": _text(cmd.note, "note", "备注", "note", False)})]
    if isinstance(cmd, StartReview):
        return [_move(state, "alert.review_started", {"note": _text(cmd.note, "note", "备注", "note", False)})]
    if isinstance(cmd, TransferAlert):
        recipient = _text(cmd.recipient, "recipient", "移送机关", "recipient")
        note = _text(cmd.note, "note", "移送说明", "transfer note")
        return [_move(state, "alert.transferred", {"recipient": recipient, "note": note})]
    if isinstance(cmd, DismissAlert):
        reason = _text(cmd.reason, "reason", "排除理由", "reason for dismissal")
        return [_move(state, "alert.dismissed", {"reason": reason})]
    if isinstance(cmd, ConfirmAlert):
        finding = _text(cmd.finding, "finding", "核查结论", "finding")
        credit_events: list[EventDraft] = []
        record_id = None
        if cmd.credit is not None:
            credit_events = record_credit(cmd.credit, ctx, credit_subject, source_alert_id=state.alert_id,
                                          prefix="credit.")
            record_id = credit_events[0].payload["record_id"]
        confirmed = _move(state, "alert.confirmed", {"finding": finding, "credit_record_id": record_id})
        return [confirmed, *credit_events]
    if isinstance(cmd, AssignAlert):
        return [_assign(state, cmd, assignee)]
    if isinstance(cmd, CommentAlert):
        text = _text(cmd.text, "text", "意见", "comment")
        return [EventDraft("alert.commented", alert_stream(state.alert_id), {
            "alert_id": state.alert_id, "comment_id": ctx.new_id("ACM"), "text": text})]
    raise Refusal("alert.unknown_command", "不支持的预警操作", "Unsupported alert operation", status=422)


def _assign(state: AlertState, cmd: AssignAlert, assignee: Assignee | None) -> EventDraft:
    if state.status in CLOSED:
        raise Refusal("alert.closed", f"预警已办结（{state.status.label_zh}），不能再分派",
                      f"The alert is closed ({state.status.label_en}); it cannot be assigned", status=409)
    if assignee is None:
        raise invalid("assignee", f"未找到账号：{cmd.assignee_id}", f"No account {cmd.assignee_id!r}")
    if assignee.role != "supervisor" or assignee.disabled:
        raise invalid("assignee", "预警只能分派给在用的行政监督人员账号",
                      "An alert can be assigned only to an active supervisor account")
    if assignee.user_id == state.assignee_id:
        raise Refusal("alert.already_assigned", f"预警已分派给{assignee.display_name}",
                      f"The alert is already assigned to {assignee.display_name}", status=409)
    return EventDraft("alert.assigned", alert_stream(state.alert_id), {
        "alert_id": state.alert_id, "assignee_id": assignee.user_id, "assignee_name": assignee.display_name,
        "previous_assignee_id": state.assignee_id, "note": _text(cmd.note, "note", "备注", "note", False)})
