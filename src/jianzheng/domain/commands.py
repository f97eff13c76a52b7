"""Commands: what a user asks the platform to do with a lot, validated at the edge.

Each command is a frozen dataclass; `jianzheng.domain.decisions` turns it into events or a
refusal. Money is integer fen, scores are integer centipoints (1/100 point), instants are
aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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


@dataclass(frozen=True)
class SubmitScores:
    bid_id: str
    points: dict[str, int] = field(default_factory=dict)
    comment: str = ""


@dataclass(frozen=True)
class RejectBid:
    bid_id: str
    reason: str


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
    | SignContract | RefundDeposit | Retender | CancelLot
)
