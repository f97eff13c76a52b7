"""What a lot's evaluation has accumulated beyond the simple core: draws, questions, reasons, signatures.

`LotState.evaluation` holds it; `lot.evolve` calls `APPLY` for these event types. Kept in
its own module so the lot aggregate stays readable; nothing here imports the lot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jianzheng.domain.calendar import parse_instant
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.methods import EvaluationMethod


@dataclass
class DrawRecord:
    """One draw: its request (fixed first), then its seed and picks, then the experts' answers."""

    request_id: str
    seq: int  # the request's ledger position
    requested_at: datetime
    request: dict[str, Any]  # the request's payload as recorded (its digest feeds the seed)
    drawn: bool = False
    seed: str = ""
    picks: list[dict[str, Any]] = field(default_factory=list)
    # person -> called (a member waiting to answer), reserve (not called), confirmed, declined
    status: dict[str, str] = field(default_factory=dict)

    def line_of(self, person_id: str) -> int | None:
        return next((int(p["line"]) for p in self.picks if p["person_id"] == person_id), None)

    def persons(self) -> set[str]:
        return {p["person_id"] for p in self.picks}


@dataclass
class Question:
    """A committee question to a bidder (询标), answered within its deadline or not at all."""

    question_id: str
    bid_id: str
    bidder_id: str
    kind: str  # clarification or cost (an abnormally low price)
    deadline: datetime
    asked_by: str
    asked_at: datetime
    answered_at: datetime | None = None


@dataclass
class EvaluationState:
    method: EvaluationMethod | None = None
    selection: str = ""  # how the committee was formed: drawn or direct
    draws: dict[str, DrawRecord] = field(default_factory=dict)
    # (person, bid, factor) -> (the points explained, the reason)
    explanations: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    accepted_low: dict[str, str] = field(default_factory=dict)  # bid -> why its low price stands
    adjustments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # bid -> (fen, reason)
    rejected_items: dict[str, str] = field(default_factory=dict)  # bid -> review item code
    review_seconds: dict[tuple[str, str], int] = field(default_factory=dict)  # (person, bid) -> seconds
    report_digest: str = ""
    signatures: dict[str, tuple[bool, str]] = field(default_factory=dict)  # person -> (agrees, dissent)

    def confirmed_experts(self) -> set[str]:
        return {person for d in self.draws.values() for person, s in d.status.items() if s == "confirmed"}

    def drawn_persons(self) -> set[str]:
        return {person for d in self.draws.values() for person in d.persons()}


def _requested(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.draws[p["request_id"]] = DrawRecord(p["request_id"], e.seq, e.time, dict(p))


def _drawn(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    draw = ev.draws[p["request_id"]]
    draw.drawn = True
    draw.seed = p["seed"]
    draw.picks = [dict(x) for x in p["picks"]]
    draw.status = {x["person_id"]: ("reserve" if x["reserve"] else "called") for x in p["picks"]}


def _confirmed(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.draws[p["request_id"]].status[p["person_id"]] = "confirmed"


def _declined(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.draws[p["request_id"]].status[p["person_id"]] = "declined"


def _reserve_called(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.draws[p["request_id"]].status[p["person_id"]] = "called"


def _committee(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.selection = str(p.get("selection") or "direct")


def _explained(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.explanations[(p["person_id"], p["bid_id"], p["factor"])] = (int(p["points"]), p["reason"])


def _questioned(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.questions[p["question_id"]] = Question(p["question_id"], p["bid_id"], p["bidder_id"], p["kind"],
                                              parse_instant(p["deadline"]), p["asked_by"], e.time)


def _answered(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.questions[p["question_id"]].answered_at = e.time


def _low_accepted(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.accepted_low[p["bid_id"]] = p["reason"]


def _adjusted(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.adjustments.setdefault(p["bid_id"], []).append((int(p["amount_fen"]), p["reason"]))


def _rejected(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    if p.get("item"):
        ev.rejected_items[p["bid_id"]] = p["item"]


def _viewed(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    for record in p["views"]:
        key = (p["person_id"], record["bid_id"])
        ev.review_seconds[key] = ev.review_seconds.get(key, 0) + int(record["seconds"])


def _reported(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.report_digest = str(p.get("report_sha256") or "")


def _signed(ev: EvaluationState, p: dict[str, Any], e: WitnessedEvent) -> None:
    ev.signatures[p["person_id"]] = (bool(p["agrees"]), p.get("dissent") or "")


APPLY: dict[str, Callable[[EvaluationState, dict[str, Any], WitnessedEvent], None]] = {
    "lot.expert_draw_requested": _requested,
    "lot.experts_drawn": _drawn,
    "lot.expert_confirmed": _confirmed,
    "lot.expert_declined": _declined,
    "lot.expert_reserve_called": _reserve_called,
    "lot.committee_formed": _committee,
    "lot.deviation_explained": _explained,
    "lot.bidder_questioned": _questioned,
    "lot.bidder_answered": _answered,
    "lot.low_price_accepted": _low_accepted,
    "lot.price_adjusted": _adjusted,
    "lot.bid_rejected": _rejected,
    "lot.review_pages_viewed": _viewed,
    "lot.evaluation_reported": _reported,
    "lot.report_signed": _signed,
}
