"""The lot (标段) aggregate: its state, folded from its own events.

`LotState` holds what the decisions about a lot need to know; `evolve` applies one event.
Replaying a lot's stream with `fold` gives the same state every time, which is what lets
`verify` rebuild everything from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jianzheng.domain.calendar import parse_instant
from jianzheng.domain.evaluation_state import APPLY as EVALUATION_APPLY
from jianzheng.domain.evaluation_state import EvaluationState
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lifecycle import Stage, next_stage
from jianzheng.domain.methods import method_from_payload


@dataclass
class Factor:
    """A scoring factor of the evaluation method; points in hundredths (centipoints)."""

    code: str
    name_zh: str
    name_en: str
    max_points: int


@dataclass
class Bid:
    bid_id: str
    bidder_id: str
    version: int
    submitted_at: datetime
    status: str = "submitted"  # submitted, withdrawn, replaced, opened, rejected, failed_decryption
    content_sha256: str = ""
    price_fen: int | None = None
    project_manager_id: str | None = None
    rejected_reason: str | None = None
    sealed: bool = False
    decryption: str = ""  # sealed bids: pending, decrypted or failed
    escrow_threshold: int = 0
    escrow_custodians: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # SHA-256 of the bid's documents (what reviewers may open)


@dataclass
class Deposit:
    deposit_id: str
    bidder_id: str
    amount_fen: int
    paying_account: str
    paid_at: datetime
    refunded_at: datetime | None = None


@dataclass
class Objection:
    objection_id: str
    party_id: str
    subject: str  # documents, opening, result
    raised_at: datetime
    answered_at: datetime | None = None


@dataclass
class Complaint:
    complaint_id: str
    party_id: str
    filed_at: datetime
    status: str = "filed"  # filed, accepted, rejected, decided
    accepted_at: datetime | None = None
    decided_at: datetime | None = None


@dataclass
class Member:
    person_id: str
    kind: str  # expert or tenderer_representative
    chair: bool = False


@dataclass
class LotState:
    lot_id: str
    project_id: str = ""
    name: str = ""
    category: str = "works"
    procedure: str = "construction-open"
    estimated_price_fen: int = 0
    state_funded: bool = False
    tenderer_id: str = ""
    agency_id: str | None = None
    stage: Stage = Stage.REGISTERED
    resume_to: Stage | None = None
    round: int = 1
    documents_version: int = 0
    confirmed_version: int = 0
    method: str = "comprehensive"
    factors: list[Factor] = field(default_factory=list)
    deposit_fen: int = 0
    announced_at: datetime | None = None
    sale_start: datetime | None = None
    sale_end: datetime | None = None
    bid_deadline: datetime | None = None
    clarifications: int = 0
    objections: dict[str, Objection] = field(default_factory=dict)
    complaints: dict[str, Complaint] = field(default_factory=dict)
    registrations: dict[str, datetime] = field(default_factory=dict)
    deposits: dict[str, Deposit] = field(default_factory=dict)
    bids: dict[str, Bid] = field(default_factory=dict)
    opened_at: datetime | None = None
    committee: list[Member] = field(default_factory=list)
    scores: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    reported_at: datetime | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    publicity_start: datetime | None = None
    publicity_end: datetime | None = None
    awarded_bidder_id: str | None = None
    awarded_bid_id: str | None = None
    awarded_at: datetime | None = None
    contract_signed_at: datetime | None = None
    contract_price_fen: int | None = None
    warnings: list[str] = field(default_factory=list)
    exists: bool = False
    hall_started_at: datetime | None = None
    release_until: datetime | None = None
    hall_signins: dict[str, datetime] = field(default_factory=dict)
    escrow_requests: dict[str, str] = field(default_factory=dict)
    escrow_shares: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)
    # The evaluation beyond the simple core: draws, questions, deviation reasons, signatures.
    evaluation: EvaluationState = field(default_factory=EvaluationState)

    def active_bids(self) -> list[Bid]:
        """The bids that count: the latest version of each bidder, not withdrawn."""
        return [b for b in self.bids.values() if b.status in ("submitted", "opened")]

    def bid_of(self, bidder_id: str) -> Bid | None:
        for bid in self.active_bids():
            if bid.bidder_id == bidder_id:
                return bid
        return None

    def experts(self) -> list[Member]:
        return [m for m in self.committee if m.kind == "expert"]

    def open_objections(self) -> list[Objection]:
        return [o for o in self.objections.values() if o.answered_at is None]

    def open_complaints(self) -> list[Complaint]:
        return [c for c in self.complaints.values() if c.status == "accepted"]


def _t(payload: dict[str, Any], key: str) -> datetime:
    return parse_instant(str(payload[key]))


def evolve(state: LotState, event: WitnessedEvent) -> LotState:
    """Apply one event of the lot's stream to its state (in place) and return it."""
    p = event.payload
    kind = event.type
    if kind == "lot.registered":
        state.exists = True
        state.project_id = p["project_id"]
        state.name = p["name"]
        state.category = p["category"]
        state.procedure = p["procedure"]
        state.estimated_price_fen = p["estimated_price_fen"]
        state.state_funded = p["state_funded"]
        state.tenderer_id = p["tenderer_id"]
        state.agency_id = p.get("agency_id")
        return state
    if kind == "lot.resumed":
        state.stage = next_stage(state.stage, kind, state.resume_to)
        state.resume_to = None
    else:
        previous = state.stage
        state.stage = next_stage(state.stage, kind)
        if kind == "lot.suspended":
            state.resume_to = previous
    _APPLY.get(kind, _ignore)(state, p, event)
    evaluation = EVALUATION_APPLY.get(kind)
    if evaluation is not None:
        evaluation(state.evaluation, p, event)
    return state


def _ignore(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    return None


def _documents_compiled(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.documents_version = p["version"]
    state.method = p["method"]
    state.deposit_fen = p["deposit_fen"]
    state.factors = [Factor(f["code"], f["name_zh"], f["name_en"], f["max_points"]) for f in p["factors"]]
    state.evaluation.method = method_from_payload(p.get("evaluation"))


def _documents_confirmed(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.confirmed_version = p["version"]


def _announced(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.announced_at = event.time
    state.sale_start = _t(p, "sale_start")
    state.sale_end = _t(p, "sale_end")
    state.bid_deadline = _t(p, "bid_deadline")


def _clarification(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.clarifications += 1


def _deadline_extended(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.bid_deadline = _t(p, "new_deadline")


def _objection_raised(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.objections[p["objection_id"]] = Objection(p["objection_id"], p["party_id"], p["subject"], event.time)


def _objection_answered(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.objections[p["objection_id"]].answered_at = event.time


def _complaint_filed(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.complaints[p["complaint_id"]] = Complaint(p["complaint_id"], p["party_id"], event.time)


def _complaint_accepted(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    complaint = state.complaints[p["complaint_id"]]
    complaint.status = "accepted"
    complaint.accepted_at = event.time


def _complaint_rejected(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.complaints[p["complaint_id"]].status = "rejected"


def _complaint_decided(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    complaint = state.complaints[p["complaint_id"]]
    complaint.status = "decided"
    complaint.decided_at = event.time


def _registered(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.registrations[p["bidder_id"]] = event.time


def _deposit(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.deposits[p["deposit_id"]] = Deposit(
        p["deposit_id"], p["bidder_id"], p["amount_fen"], p["paying_account"], event.time
    )


def _bid_submitted(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    for bid in state.bids.values():
        if bid.bidder_id == p["bidder_id"] and bid.status == "submitted":
            bid.status = "replaced"
    envelope = p.get("envelope") or {}
    escrow = envelope.get("escrow") or {}
    state.bids[p["bid_id"]] = Bid(
        p["bid_id"], p["bidder_id"], p["version"], event.time, content_sha256=p["content_sha256"],
        sealed=bool(p.get("sealed")), decryption="pending" if p.get("sealed") else "",
        escrow_threshold=int(escrow.get("threshold", 0)), escrow_custodians=tuple(escrow.get("custodians", ())),
        documents=tuple(d["sha256"] for d in p.get("documents") or ()),
    )


def _hall_started(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.hall_started_at = event.time
    state.release_until = _t(p, "release_until")


def _hall_signed_in(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.hall_signins.setdefault(p["bidder_id"], event.time)


def _bid_decrypted(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    bid = state.bids[p["bid_id"]]
    bid.decryption = "decrypted"
    bid.content_sha256 = p["content_sha256"]
    bid.documents = tuple(d["sha256"] for d in p.get("documents") or ())


def _bid_decryption_failed(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    bid = state.bids[p["bid_id"]]
    bid.decryption = "failed"
    bid.status = "failed_decryption"


def _escrow_requested(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.escrow_requests[p["bid_id"]] = p["reason"]


def _escrow_share(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.escrow_shares.setdefault(p["bid_id"], {})[p["custodian"]] = (int(p["x"]), p["share_b64"])


def _bid_withdrawn(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.bids[p["bid_id"]].status = "withdrawn"


def _opened(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.opened_at = event.time
    for item in p["bids"]:
        bid = state.bids[item["bid_id"]]
        bid.status = "opened"
        bid.price_fen = item["price_fen"]
        bid.project_manager_id = item.get("project_manager_id")


def _failed(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    if state.opened_at is None:
        state.opened_at = event.time


def _retendered(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    # A new round starts from registration; the failed round's bids and deposits are closed.
    state.round = p["round"]
    state.documents_version = 0
    state.confirmed_version = 0
    state.bid_deadline = state.sale_start = state.sale_end = state.announced_at = None
    state.opened_at = None
    state.registrations.clear()
    for bid in state.bids.values():
        if bid.status in ("submitted", "opened"):
            bid.status = "closed"
    state.committee.clear()
    state.scores.clear()
    state.evaluation = EvaluationState(method=state.evaluation.method)


def _committee(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.committee = [Member(m["person_id"], m["kind"], m.get("chair", False)) for m in p["members"]]


def _score(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.scores[(p["person_id"], p["bid_id"])] = dict(p["points"])


def _bid_rejected(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    bid = state.bids[p["bid_id"]]
    bid.status = "rejected"
    bid.rejected_reason = p["reason"]


def _reported(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.ranking = list(p["ranking"])
    state.reported_at = event.time


def _candidates(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.candidates = list(p["candidates"])
    state.publicity_start = _t(p, "publicity_start")
    state.publicity_end = _t(p, "publicity_end")


def _awarded(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.awarded_bidder_id = p["bidder_id"]
    state.awarded_bid_id = p["bid_id"]
    state.awarded_at = event.time


def _contract(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.contract_signed_at = event.time
    state.contract_price_fen = p["price_fen"]


def _refunded(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.deposits[p["deposit_id"]].refunded_at = event.time


def _warning(state: LotState, p: dict[str, Any], event: WitnessedEvent) -> None:
    state.warnings.append(p["rule"])


_APPLY = {
    "lot.documents_compiled": _documents_compiled,
    "lot.documents_confirmed": _documents_confirmed,
    "lot.announced": _announced,
    "lot.clarification_issued": _clarification,
    "lot.deadline_extended": _deadline_extended,
    "lot.objection_raised": _objection_raised,
    "lot.objection_answered": _objection_answered,
    "lot.complaint_filed": _complaint_filed,
    "lot.complaint_accepted": _complaint_accepted,
    "lot.complaint_rejected": _complaint_rejected,
    "lot.complaint_decided": _complaint_decided,
    "lot.bidder_registered": _registered,
    "lot.deposit_paid": _deposit,
    "lot.bid_submitted": _bid_submitted,
    "lot.bid_withdrawn": _bid_withdrawn,
    "lot.hall_started": _hall_started,
    "lot.hall_signed_in": _hall_signed_in,
    "lot.bid_decrypted": _bid_decrypted,
    "lot.bid_decryption_failed": _bid_decryption_failed,
    "lot.escrow_requested": _escrow_requested,
    "lot.escrow_share_submitted": _escrow_share,
    "lot.opened": _opened,
    "lot.failed": _failed,
    "lot.retendered": _retendered,
    "lot.committee_formed": _committee,
    "lot.score_submitted": _score,
    "lot.bid_rejected": _bid_rejected,
    "lot.evaluation_reported": _reported,
    "lot.candidates_published": _candidates,
    "lot.awarded": _awarded,
    "lot.contract_signed": _contract,
    "lot.deposit_refunded": _refunded,
    "rule.warning": _warning,
}


def fold(lot_id: str, events: list[WitnessedEvent]) -> LotState:
    """The state of a lot after all its events, in sequence order."""
    state = LotState(lot_id=lot_id)
    for event in events:
        evolve(state, event)
    return state
