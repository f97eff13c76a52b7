"""The lifecycle of a lot (标段) as an explicit state machine.

The ten stages of seed 002 map onto these states. Special situations are states too:
a failed tender (流标) waits for a re-tender, an open objection or complaint suspends the
lot (暂停) and it resumes where it was, and a cancelled lot is final. `TRANSITIONS` is the
whole machine: every event that changes a lot's stage is listed with the states it may
leave from and the state it leads to; nothing else moves a lot.
"""

from __future__ import annotations

from enum import StrEnum

from jianzheng.domain.errors import Refusal


class Stage(StrEnum):
    REGISTERED = "registered"  # 1 项目登记
    DOCUMENTS_COMPILED = "documents_compiled"  # 2 招标文件编制
    DOCUMENTS_CONFIRMED = "documents_confirmed"  # 2 招标人确认
    DOCUMENTS_FILED = "documents_filed"  # 2 监管备案
    BIDDING = "bidding"  # 2-4 公告发布、答疑澄清、投标
    OPENED = "opened"  # 5 开标
    EVALUATION = "evaluation"  # 6 评标
    EVALUATED = "evaluated"  # 6 评标报告
    CANDIDATES_PUBLISHED = "candidates_published"  # 8 中标候选人公示
    AWARDED = "awarded"  # 8 中标通知书
    CONTRACTED = "contracted"  # 10 合同签订
    COMPLETED = "completed"  # 9/10 保证金退还、归档
    FAILED = "failed"  # 7 流标
    SUSPENDED = "suspended"  # 7 暂停
    CANCELLED = "cancelled"  # 7 终止

    @property
    def label_zh(self) -> str:
        return STAGE_LABELS_ZH[self]


STAGE_LABELS_ZH: dict[Stage, str] = {
    Stage.REGISTERED: "项目登记",
    Stage.DOCUMENTS_COMPILED: "招标文件已编制",
    Stage.DOCUMENTS_CONFIRMED: "招标人已确认",
    Stage.DOCUMENTS_FILED: "已备案",
    Stage.BIDDING: "招标公告及投标",
    Stage.OPENED: "已开标",
    Stage.EVALUATION: "评标中",
    Stage.EVALUATED: "评标完成",
    Stage.CANDIDATES_PUBLISHED: "中标候选人公示",
    Stage.AWARDED: "已定标",
    Stage.CONTRACTED: "合同已签订",
    Stage.COMPLETED: "已完成",
    Stage.FAILED: "流标",
    Stage.SUSPENDED: "暂停",
    Stage.CANCELLED: "已终止",
}

TERMINAL: frozenset[Stage] = frozenset({Stage.COMPLETED, Stage.CANCELLED})

# Stages in which an objection or complaint may suspend the lot and from which it resumes.
SUSPENDABLE: frozenset[Stage] = frozenset(
    {Stage.BIDDING, Stage.OPENED, Stage.EVALUATION, Stage.EVALUATED, Stage.CANDIDATES_PUBLISHED}
)

_ACTIVE = frozenset(Stage) - TERMINAL

# event type -> (stages it may happen in, stage after it; None = stays where it is)
TRANSITIONS: dict[str, tuple[frozenset[Stage], Stage | None]] = {
    "lot.documents_compiled": (
        frozenset({Stage.REGISTERED, Stage.DOCUMENTS_COMPILED}), Stage.DOCUMENTS_COMPILED),
    "lot.documents_confirmed": (frozenset({Stage.DOCUMENTS_COMPILED}), Stage.DOCUMENTS_CONFIRMED),
    "lot.documents_filed": (frozenset({Stage.DOCUMENTS_CONFIRMED}), Stage.DOCUMENTS_FILED),
    "lot.documents_returned": (frozenset({Stage.DOCUMENTS_CONFIRMED}), Stage.DOCUMENTS_COMPILED),
    "lot.announced": (frozenset({Stage.DOCUMENTS_FILED}), Stage.BIDDING),
    "lot.opened": (frozenset({Stage.BIDDING}), Stage.OPENED),
    "lot.failed": (frozenset({Stage.BIDDING, Stage.OPENED, Stage.EVALUATION}), Stage.FAILED),
    "lot.retendered": (frozenset({Stage.FAILED}), Stage.REGISTERED),
    "lot.committee_formed": (frozenset({Stage.OPENED}), Stage.EVALUATION),
    "lot.evaluation_reported": (frozenset({Stage.EVALUATION}), Stage.EVALUATED),
    "lot.candidates_published": (frozenset({Stage.EVALUATED}), Stage.CANDIDATES_PUBLISHED),
    "lot.awarded": (frozenset({Stage.CANDIDATES_PUBLISHED}), Stage.AWARDED),
    "lot.contract_signed": (frozenset({Stage.AWARDED}), Stage.CONTRACTED),
    "lot.completed": (frozenset({Stage.CONTRACTED, Stage.FAILED, Stage.CANCELLED}), Stage.COMPLETED),
    "lot.suspended": (SUSPENDABLE, Stage.SUSPENDED),
    "lot.cancelled": (_ACTIVE - {Stage.COMPLETED}, Stage.CANCELLED),
}

# Resumption returns to the stage the lot was suspended from; it is checked separately
# because its target depends on the lot's history, not on a fixed table entry.
RESUME_EVENT = "lot.resumed"


def next_stage(current: Stage, event_type: str, resume_to: Stage | None = None) -> Stage:
    """The stage after `event_type`, or a Refusal if the machine does not allow it here."""
    if event_type == RESUME_EVENT:
        if current is not Stage.SUSPENDED or resume_to is None:
            raise illegal(current, event_type)
        return resume_to
    if event_type not in TRANSITIONS:
        return current
    allowed, target = TRANSITIONS[event_type]
    if current not in allowed:
        raise illegal(current, event_type)
    return current if target is None else target


def illegal(current: Stage, event_type: str) -> Refusal:
    """The refusal for a step the lot's stage does not allow."""
    return Refusal(
        "lifecycle.illegal",
        f"标段当前处于“{current.label_zh}”阶段，不能执行此操作（{event_type}）",
        f"The lot is in stage {current.value!r}; {event_type} is not allowed there",
        status=409,
        details={"stage": current.value, "event": event_type},
    )


def is_reachable_edge(source: Stage, target: Stage) -> bool:
    """Whether the machine has an edge from `source` to `target` (for property tests)."""
    if source is Stage.SUSPENDED:
        return target in SUSPENDABLE or target is Stage.CANCELLED
    return any(
        source in allowed and (target == (source if to is None else to))
        for allowed, to in TRANSITIONS.values()
    )
