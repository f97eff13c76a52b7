"""Commands: what a user asks the platform to do with a lot, validated at the edge.

Each command is a frozen dataclass; `jianzheng.domain.decisions` turns it into events or a
refusal. Money is integer fen, scores are integer centipoints (1/100 point), instants are
aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jianzheng.domain.avoidance import AvoidanceFacts
from jianzheng.domain.draw import Requirement
from jianzheng.domain.experts import PoolExpert
from jianzheng.domain.methods import EvaluationMethod


@dataclass(frozen=True)
class DocumentRef:
    """A stored document: its name and the digests the blob store computed."""

    name: str
    sha256: str
    sm3: str
    size: int
    media_type: str = "application/octet-stream"

    def as_payload(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "sm3": self.sm3, "size": self.size,
                "media_type": self.media_type}


@dataclass(frozen=True)
class FactorSpec:
    code: str
    name_zh: str
    name_en: str
    max_points: int  # centipoints


@dataclass(frozen=True)
class RegisterLot:
    project_id: str
    name: str
    estimated_price_fen: int
    category: str
    procedure: str
    tenderer_id: str
    agency_id: str | None
    state_funded: bool


@dataclass(frozen=True)
class CompileDocuments:
    document: DocumentRef
    method: str
    factors: tuple[FactorSpec, ...]
    deposit_fen: int
    qualification: str = ""
    evaluation: EvaluationMethod | None = None  # the evaluation method's details (issue 7); None: simple


@dataclass(frozen=True)
class ConfirmDocuments:
    version: int


@dataclass(frozen=True)
class FileDocuments:
    accept: bool
    remark: str = ""


@dataclass(frozen=True)
class PublishAnnouncement:
    sale_start: datetime
    sale_end: datetime
    bid_deadline: datetime
    text: str


@dataclass(frozen=True)
class IssueClarification:
    text: str
    affects_bids: bool
    document: DocumentRef | None = None
    new_deadline: datetime | None = None


@dataclass(frozen=True)
class RaiseObjection:
    subject: str  # documents, opening, result
    text: str


@dataclass(frozen=True)
class AnswerObjection:
    objection_id: str
    answer: str


@dataclass(frozen=True)
class FileComplaint:
    text: str
    known_at: datetime


@dataclass(frozen=True)
class AcceptComplaint:
    complaint_id: str
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class DecideComplaint:
    complaint_id: str
    upheld: bool
    decision: str


@dataclass(frozen=True)
class RegisterBidder:
    pass


@dataclass(frozen=True)
class PayDeposit:
    amount_fen: int
    paying_account: str
    paying_bank: str


@dataclass(frozen=True)
class SubmitBid:
    content_sha256: str
    content_sm3: str
    documents: tuple[DocumentRef, ...]
    sealed: bool = False
    envelope: dict[str, Any] | None = None  # the sealed-bid issue's envelope and commitment
    # What the bid-compiling tool recorded about the machine and author (机器码、MAC、CPU、硬盘序列号、
    # 文档作者): supervision compares them across bidders (Regs 40 item 1).
    fingerprint: dict[str, str] | None = None


@dataclass(frozen=True)
class StartHall:
    """Open the online opening hall at the deadline; bidders then release their keys."""


@dataclass(frozen=True)
class SignInHall:
    """A bidder signs in to the opening hall (不见面开标签到)."""


@dataclass(frozen=True)
class RecordDecryption:
    """The outcome of opening one sealed bid with a released key (the service decrypts)."""

    bid_id: str
    ok: bool
    via: str  # "bidder" (the bidder released its key) or "escrow" (custodians' shares)
    key_b64: str = ""
    content_sha256: str = ""
    content_sm3: str = ""
    documents: tuple[DocumentRef, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class RequestEscrow:
    """Staff asks the custodians to open a bid the bidder could not open through no fault of its own."""

    bid_id: str
    reason: str


@dataclass(frozen=True)
class SubmitEscrowShare:
    bid_id: str
    custodian: str
    x: int
    share_b64: str


@dataclass(frozen=True)
class WithdrawBid:
    pass


@dataclass(frozen=True)
class OpenedBid:
    """A bid's published opening entry (开标记录)."""

    bid_id: str
    price_fen: int
    project_manager_id: str | None
    duration_days: int | None
    quality: str | None


@dataclass(frozen=True)
class OpenBids:
    opened: tuple[OpenedBid, ...] = ()


@dataclass(frozen=True)
class CommitteeMember:
    person_id: str
    kind: str  # expert or tenderer_representative
    chair: bool = False


@dataclass(frozen=True)
class FormCommittee:
    members: tuple[CommitteeMember, ...]
    # Each member's employer (person -> party), added by the service for the Regs 46 check of a
    # committee named directly; None when the platform was built without that enrichment.
    employers: dict[str, str | None] | None = None


@dataclass(frozen=True)
class SubmitScores:
    bid_id: str
    points: dict[str, int] = field(default_factory=dict)
    comment: str = ""


@dataclass(frozen=True)
class RejectBid:
    bid_id: str
    reason: str
    item: str = ""  # the review item (资格/符合性审查项) the bid fails, when the method lists them


# -- the expert draw and the deeper evaluation (issue 7) ------------------------------------


@dataclass(frozen=True)
class RequestExpertDraw:
    """Ask for a draw of experts; the service adds the pool and the avoidance facts it read."""

    requirements: tuple[Requirement, ...]
    local_region: str
    evaluation_at: datetime
    pool: tuple[PoolExpert, ...] = ()
    facts: AvoidanceFacts | None = None
    witnesses: tuple[str, ...] = ()  # the registered witnesses whose cosignatures the seed needs


@dataclass(frozen=True)
class RecordExpertDraw:
    """Run a requested draw with the first checkpoint covering the request (given by the service)."""

    request_id: str
    tree_size: int
    root_hash: bytes
    checkpoint: str  # the checkpoint's body text (origin, size, root), as cosigned
    cosignatures: tuple[str, ...] = ()  # the witnesses' cosignature lines on it


@dataclass(frozen=True)
class AnswerExpertDraw:
    """A drawn expert confirms or declines (by themself, or recorded by staff from the call)."""

    request_id: str
    person_id: str
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class ExplainDeviation:
    bid_id: str
    factor: str
    reason: str


@dataclass(frozen=True)
class SignReport:
    agrees: bool = True
    dissent: str = ""


@dataclass(frozen=True)
class AskBidder:
    bid_id: str
    question: str
    deadline: datetime
    kind: str = "clarification"  # clarification, or cost (an abnormally low price)


@dataclass(frozen=True)
class AnswerQuestion:
    question_id: str
    answer: str
    document: DocumentRef | None = None


@dataclass(frozen=True)
class AcceptLowPrice:
    bid_id: str
    reason: str


@dataclass(frozen=True)
class AdjustPrice:
    """Lowest evaluated price method: the committee's adjustment of a bid's price for evaluation."""

    bid_id: str
    amount_fen: int  # positive adds to the evaluated price, negative deducts
    reason: str


@dataclass(frozen=True)
class PageView:
    """One page of a bid document an expert had open: when, and for how many seconds."""

    bid_id: str
    document: str  # the document's SHA-256
    page: int
    opened_at: datetime
    seconds: int


@dataclass(frozen=True)
class RecordReviewPages:
    views: tuple[PageView, ...]


@dataclass(frozen=True)
class ReportEvaluation:
    document: DocumentRef | None = None


@dataclass(frozen=True)
class PublishCandidates:
    publicity_end: datetime
    count: int = 3


@dataclass(frozen=True)
class Award:
    bidder_id: str
    reason: str = ""
    notice: DocumentRef | None = None


@dataclass(frozen=True)
class SignContract:
    price_fen: int
    performance_bond_fen: int
    document: DocumentRef | None = None


@dataclass(frozen=True)
class RefundDeposit:
    deposit_id: str
    interest_fen: int = 0


@dataclass(frozen=True)
class Retender:
    reason: str


@dataclass(frozen=True)
class CancelLot:
    reason: str


LotCommand = (
    CompileDocuments | ConfirmDocuments | FileDocuments | PublishAnnouncement
    | IssueClarification | RaiseObjection | AnswerObjection | FileComplaint | AcceptComplaint
    | DecideComplaint | RegisterBidder | PayDeposit | SubmitBid | WithdrawBid | OpenBids
    | FormCommittee | SubmitScores | RejectBid | ReportEvaluation | PublishCandidates | Award
    | SignContract | RefundDeposit | Retender | CancelLot | RequestExpertDraw | RecordExpertDraw
    | AnswerExpertDraw | ExplainDeviation | SignReport | AskBidder | AnswerQuestion | AcceptLowPrice
    | AdjustPrice | RecordReviewPages
)
