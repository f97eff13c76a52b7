"""A lot's progress for its one-screen view: stages dated by their events, statutory deadlines, next and late.

Seed 002's first one-screen view asks for each project's stage, what is next and what is
late. The stages come from the lot's own witnessed events; each statutory period of the
lot's procedure (Law 24, Regs 16, Law 23, Regs 22, Law 34, Regs 54, Law 46, Regs 57) is
computed from the folded lot state against the platform clock, counted in Asia/Shanghai
calendar days exactly as the decisions count them (`domain.calendar`). Pure functions:
the page supplies the events, the procedure and "now".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jianzheng.domain.calendar import add_days, days_between
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lifecycle import RESUME_EVENT, TRANSITIONS, Stage
from jianzheng.domain.lot import LotState
from jianzheng.domain.procedures import Procedure
from jianzheng.domain.rules import RULES

# The ordinary path of a lot, the stepper of the one-screen view.
MAIN_PATH = (Stage.REGISTERED, Stage.DOCUMENTS_COMPILED, Stage.DOCUMENTS_CONFIRMED, Stage.DOCUMENTS_FILED,
             Stage.BIDDING, Stage.OPENED, Stage.EVALUATION, Stage.EVALUATED, Stage.CANDIDATES_PUBLISHED,
             Stage.AWARDED, Stage.CONTRACTED, Stage.COMPLETED)
SPECIAL = frozenset({Stage.FAILED, Stage.SUSPENDED, Stage.CANCELLED})


@dataclass(frozen=True)
class StageChange:
    """One event that moved the lot to a stage."""

    seq: int
    time: datetime
    event_type: str
    stage: Stage
    role: str


@dataclass(frozen=True)
class Step:
    """A stage on the main path: reached (with when), the current one, or still ahead."""

    stage: Stage
    state: str  # done, current, ahead
    time: datetime | None


@dataclass(frozen=True)
class Deadline:
    """One statutory period of the lot against the actual dates.

    `status` is ok (met), breach (the period was broken), pending (due, not yet done),
    overdue (due date passed, not done), waiting (its starting event has not happened),
    open / closed (a window such as the last day for clarifications).
    """

    key: str
    days: int
    article: str
    start: datetime | None
    due: datetime | None
    actual: datetime | None
    status: str
    note_key: str | None = None
    note: dict[str, Any] = field(default_factory=dict)

    @property
    def late(self) -> bool:
        return self.status in ("breach", "overdue")


@dataclass(frozen=True)
class Next:
    key: str
    when: datetime | None


@dataclass
class Progress:
    changes: list[StageChange]
    steps: list[Step]
    deadlines: list[Deadline]
    next: Next | None
    late: list[Deadline]


def stage_changes(events: list[WitnessedEvent]) -> list[StageChange]:
    """The events that moved the lot, in order, with the stage each led to."""
    out: list[StageChange] = []
    for e in events:
        if e.type == "lot.registered":
            target: Stage | None = Stage.REGISTERED
        elif e.type == RESUME_EVENT:
            target = Stage(e.payload["to_stage"])
        elif e.type in TRANSITIONS:
            target = TRANSITIONS[e.type][1]
        else:
            target = None
        if target is not None:
            out.append(StageChange(e.seq, e.time, e.type, target, e.role))
    return out


def steps(changes: list[StageChange], current: Stage) -> list[Step]:
    """The main path of the current round: when each stage was reached, which is current."""
    # A re-tender starts the path again: only the changes after the last one count.
    start = 0
    for i, change in enumerate(changes):
        if change.event_type == "lot.retendered":
            start = i
    reached: dict[Stage, datetime] = {}
    for change in changes[start:]:
        reached[change.stage] = change.time
    out = []
    if current in MAIN_PATH:
        position = MAIN_PATH.index(current)
        for i, stage in enumerate(MAIN_PATH):
            state = "done" if i < position or current is Stage.COMPLETED else "current" if i == position else "ahead"
            out.append(Step(stage, state, reached.get(stage) if state != "ahead" else None))
        return out
    # Suspended, failed or cancelled: the path shows how far the lot had come.
    done = [i for i, s in enumerate(MAIN_PATH) if s in reached]
    last = done[-1] if done else -1
    for i, stage in enumerate(MAIN_PATH):
        state = "done" if i <= last else "ahead"
        out.append(Step(stage, state, reached.get(stage) if state == "done" else None))
    return out


def _within(key: str, rule: str, days: int, start: datetime | None, done: datetime | None,
            now: datetime) -> Deadline:
    """A step that must follow `start` within `days` calendar days (done, pending or overdue)."""
    article = RULES[rule].article
    if start is None:
        return Deadline(key, days, article, None, None, done, "waiting")
    due = add_days(start, days)
    if done is not None:
        taken = days_between(start, done)
        return Deadline(key, days, article, start, due, done, "ok" if taken <= days else "breach",
                        "deadline.days_taken", {"n": taken})
    elapsed = days_between(start, now)
    if elapsed > days:
        return Deadline(key, days, article, start, due, None, "overdue", "deadline.days_over",
                        {"n": elapsed - days})
    return Deadline(key, days, article, start, due, None, "pending", "deadline.days_left",
                    {"n": days_between(now, due)})


def _at_least(key: str, rule: str, days: int, start: datetime | None, end: datetime | None) -> Deadline:
    """A period that must last at least `days` calendar days from `start` to `end`."""
    article = RULES[rule].article
    if start is None or end is None:
        return Deadline(key, days, article, start, None, end, "waiting")
    length = days_between(start, end)
    return Deadline(key, days, article, start, add_days(start, days), end, "ok" if length >= days else "breach",
                    "common.days", {"n": length})


def _window(key: str, rule: str, days: int, deadline: datetime | None, now: datetime, closed: bool,
            note_key: str | None = None, note: dict[str, Any] | None = None) -> Deadline:
    """The last day, `days` before the bid deadline, on which something may still be done."""
    article = RULES[rule].article
    if deadline is None:
        return Deadline(key, days, article, None, None, None, "waiting")
    cutoff = add_days(deadline, -days)
    is_open = not closed and days_between(now, cutoff) >= 0
    status = "open" if is_open else "closed"
    if note_key is None and is_open:
        note_key, note = "deadline.days_left", {"n": days_between(now, cutoff)}
    return Deadline(key, days, article, None, cutoff, None, status, note_key, note or {})


def deadlines(state: LotState, events: list[WitnessedEvent], procedure: Procedure, now: datetime) -> list[Deadline]:
    """Every statutory period of the lot, in the order the lot meets them."""
    p = procedure.periods
    out: list[Deadline] = []
    issue = None
    if state.sale_start is not None:
        issue = max(state.sale_start, state.announced_at) if state.announced_at else state.sale_start
    out.append(_at_least("deadline.law24", "law24.issue-to-deadline", p.min_days_issue_to_deadline, issue,
                         state.bid_deadline))
    out.append(_at_least("deadline.regs16", "regs16.sale-period", p.min_sale_days, state.sale_start, state.sale_end))
    bidding_over = state.opened_at is not None or state.stage is not Stage.BIDDING
    clarifications = [e for e in events if e.type == "lot.clarification_issued"]
    moved = any(e.type == "lot.deadline_extended" for e in events)
    if clarifications:
        note_key, note = ("deadline.deadline_moved", {}) if moved else ("deadline.clarifications",
                                                                         {"n": len(clarifications)})
    else:
        note_key, note = None, None
    out.append(_window("deadline.law23", "law23.late-amendment", p.amendment_min_days_before_deadline,
                       state.bid_deadline, now, bidding_over, note_key, note))
    out.append(_window("deadline.regs22", "regs22.objection-deadline", p.objection_min_days_before_deadline,
                       state.bid_deadline, now, bidding_over))
    out.append(_opening(state, procedure, now))
    out.append(_within("deadline.regs54_publish", "regs54.publish-candidates", p.candidates_publish_within_days,
                       state.reported_at, state.publicity_start, now))
    out.append(_at_least("deadline.regs54_period", "regs54.publicity-period", p.candidates_publicity_min_days,
                         state.publicity_start, state.publicity_end))
    out.append(_within("deadline.law46", "law46.contract-deadline", p.contract_within_days, state.awarded_at,
                       state.contract_signed_at, now))
    out.append(_refunds(state, procedure, now))
    return out


def _opening(state: LotState, procedure: Procedure, now: datetime) -> Deadline:
    """Law 34: the opening happens at the bid deadline (within the procedure's grace minutes)."""
    grace_minutes = procedure.periods.opening_grace_minutes
    article = RULES["law34.opening-time"].article
    deadline = state.bid_deadline
    note = {"minutes": grace_minutes}
    if deadline is None:
        return Deadline("deadline.law34", 0, article, None, None, None, "waiting", "deadline.opening_grace", note)
    grace = timedelta(minutes=grace_minutes)
    opened = state.opened_at
    if opened is not None:
        status = "ok" if deadline <= opened <= deadline + grace else "breach"
        return Deadline("deadline.law34", 0, article, None, deadline, opened, status, "deadline.opening_grace", note)
    if state.stage is not Stage.BIDDING:
        return Deadline("deadline.law34", 0, article, None, deadline, None, "waiting", "deadline.opening_grace", note)
    if now > deadline + grace:
        return Deadline("deadline.law34", 0, article, None, deadline, None, "overdue", "deadline.days_over",
                        {"n": max(0, days_between(deadline, now))})
    return Deadline("deadline.law34", 0, article, None, deadline, None, "pending", "deadline.days_left",
                    {"n": max(0, days_between(now, deadline))})


def _refunds(state: LotState, procedure: Procedure, now: datetime) -> Deadline:
    """Regs 57: every bid deposit back within N days of the contract."""
    days = procedure.periods.deposit_refund_within_days
    article = RULES["regs57.deposit-refund"].article
    signed = state.contract_signed_at
    if signed is None:
        return Deadline("deadline.regs57", days, article, None, None, None, "waiting")
    due = add_days(signed, days)
    deposits = list(state.deposits.values())
    refunded = [d.refunded_at for d in deposits if d.refunded_at is not None]
    late_refund = any(days_between(signed, r) > days for r in refunded)
    left = len(deposits) - len(refunded)
    last = max(refunded) if refunded else None
    if left == 0:
        return Deadline("deadline.regs57", days, article, signed, due, last, "breach" if late_refund else "ok",
                        "deadline.days_taken", {"n": days_between(signed, last) if last else 0})
    if late_refund or days_between(signed, now) > days:
        return Deadline("deadline.regs57", days, article, signed, due, last, "overdue" if not late_refund else "breach",
                        "deadline.deposits_left", {"n": left})
    return Deadline("deadline.regs57", days, article, signed, due, last, "pending", "deadline.deposits_left",
                    {"n": left})


def next_step(state: LotState, rows: list[Deadline]) -> Next | None:
    """What the lot waits for now, with the date it is due when the law sets one."""
    by_key = {d.key: d for d in rows}
    stage = state.stage
    if stage in (Stage.COMPLETED, Stage.CANCELLED):
        return None
    when: datetime | None = None
    if stage is Stage.BIDDING:
        when = state.bid_deadline
    elif stage is Stage.EVALUATED:
        when = by_key["deadline.regs54_publish"].due
    elif stage is Stage.CANDIDATES_PUBLISHED:
        when = state.publicity_end
    elif stage is Stage.AWARDED:
        when = by_key["deadline.law46"].due
    elif stage is Stage.CONTRACTED:
        when = by_key["deadline.regs57"].due
    return Next(f"next.{stage.value}", when)


def progress(state: LotState, events: list[WitnessedEvent], procedure: Procedure, now: datetime) -> Progress:
    changes = stage_changes(events)
    rows = deadlines(state, events, procedure, now)
    return Progress(changes=changes, steps=steps(changes, state.stage), deadlines=rows,
                    next=next_step(state, rows), late=[d for d in rows if d.late])
