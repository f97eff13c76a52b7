"""A lot driven through the pure domain: decide, witness, evolve — no database.

`LotDriver` keeps a `LotState`, a clock it moves by hand and the party facts the rules
read, and offers one method per step so a test can stop anywhere in a lot's life.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain.context import Context, PartyFacts
from jianzheng.domain.decisions import decide
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lot import LotState, evolve
from jianzheng.domain.procedures import load_procedure

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
TENDERER = "P-TENDERER"
AGENCY = "P-AGENCY"
DOC = c.DocumentRef("招标文件.pdf", "a" * 64, "b" * 64, 10, "application/pdf")
FACTORS = (c.FactorSpec("technical", "技术", "Technical", 5000), c.FactorSpec("price", "报价", "Price", 5000))
EXPERTS = tuple(f"H-EXPERT{i}" for i in range(1, 8))


def party(party_id: str, rep: str | None = None, shareholders: dict[str, int] | None = None) -> PartyFacts:
    return PartyFacts(party_id, f"{party_id} 公司", rep or f"H-REP-{party_id}", f"ACCT-{party_id}",
                      shareholders or {})


class LotDriver:
    def __init__(self, estimate_fen: int = 1_000_000_000, state_funded: bool = True) -> None:
        self.now = START
        self.procedure = load_procedure()
        self.parties: dict[str, PartyFacts] = {}
        self.state = LotState("PRJ1-01")
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self.events: list[WitnessedEvent] = []
        self._witness("lot.registered", {
            "lot_id": "PRJ1-01", "project_id": "PRJ1", "name": "第一标段", "index": 1,
            "estimated_price_fen": estimate_fen, "category": "works", "procedure": "construction-open",
            "tenderer_id": TENDERER, "agency_id": AGENCY, "state_funded": state_funded}, "lot:PRJ1-01")

    # -- plumbing ---------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    def context(self, party_id: str | None = None, person_id: str | None = None) -> Context:
        return Context(now=self.now, procedure=self.procedure, new_id=self.new_id, actor_party_id=party_id,
                       actor_person_id=person_id, parties=self.parties)

    def _witness(self, kind: str, payload: dict[str, Any], stream: str) -> WitnessedEvent:
        event = WitnessedEvent(next(self._seq), self.now, "U1", "staff", "127.0.0.1", "CMD1", kind, stream, payload)
        evolve(self.state, event)
        self.events.append(event)
        return event

    def run(self, command: Any, party_id: str | None = None, person_id: str | None = None) -> list[WitnessedEvent]:
        """Decide and apply a command; a Refusal propagates and nothing is applied."""
        drafts = decide(self.state, command, self.context(party_id, person_id))
        return [self._witness(d.type, d.payload, d.stream) for d in drafts]

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    # -- steps ------------------------------------------------------------------------------

    def to_filed(self, deposit_fen: int = 10_000_000) -> None:
        self.run(c.CompileDocuments(DOC, "comprehensive", FACTORS, deposit_fen), AGENCY)
        self.run(c.ConfirmDocuments(self.state.documents_version), TENDERER)
        self.run(c.FileDocuments(True, "备案"))

    def announce(self, sale_days: int = 7, deadline_days: int = 21) -> None:
        self.run(c.PublishAnnouncement(self.now, self.now + timedelta(days=sale_days),
                                       self.now + timedelta(days=deadline_days), "招标公告"), AGENCY)

    def to_bidding(self) -> None:
        self.to_filed()
        self.announce()

    def join(self, bidder: str, facts: PartyFacts | None = None) -> list[WitnessedEvent]:
        self.parties.setdefault(bidder, facts or party(bidder))
        return self.run(c.RegisterBidder(), bidder)

    def bid(self, bidder: str) -> None:
        self.join(bidder)
        self.run(c.PayDeposit(self.state.deposit_fen, f"ACCT-{bidder}", "建设银行"), bidder)
        self.run(c.SubmitBid("c" * 64, "d" * 64, ()), bidder)

    def to_deadline(self) -> None:
        assert self.state.bid_deadline is not None
        self.now = self.state.bid_deadline

    def open(self, prices: dict[str, int] | None = None) -> list[WitnessedEvent]:
        bids = self.state.active_bids()
        opened = tuple(c.OpenedBid(b.bid_id, (prices or {}).get(b.bidder_id, 900_000_000 + i * 1_000_000), None,
                                   300, "合格") for i, b in enumerate(bids))
        return self.run(c.OpenBids(opened), AGENCY)

    def to_opened(self, bidders: int = 3) -> None:
        self.to_bidding()
        for i in range(1, bidders + 1):
            self.bid(f"P-BIDDER{i}")
        self.to_deadline()
        self.open()

    def committee(self, experts: int = 5, representatives: int = 0) -> tuple[c.CommitteeMember, ...]:
        members = [c.CommitteeMember(EXPERTS[i], "expert", chair=i == 0) for i in range(experts)]
        members += [c.CommitteeMember(f"H-REPR{i}", "tenderer_representative") for i in range(representatives)]
        return tuple(members)

    def to_evaluated(self, bidders: int = 3) -> None:
        self.to_opened(bidders)
        self.run(c.FormCommittee(self.committee()))
        for member in self.state.committee:
            for rank, bid in enumerate(sorted(self.state.active_bids(), key=lambda b: b.bidder_id)):
                self.run(c.SubmitScores(bid.bid_id, {"technical": 4000 - rank * 100, "price": 4000}),
                         person_id=member.person_id)
        self.run(c.ReportEvaluation(), person_id=EXPERTS[0])

    def to_published(self) -> None:
        self.to_evaluated()
        self.advance(days=1)
        self.run(c.PublishCandidates(self.now + timedelta(days=3)), AGENCY)

    def to_awarded(self) -> None:
        self.to_published()
        self.advance(days=4)
        self.run(c.Award(self.state.candidates[0]["bidder_id"]), TENDERER)

    def to_contracted(self) -> None:
        self.to_awarded()
        self.advance(days=10)
        self.run(c.SignContract(900_000_000, 45_000_000), TENDERER)


def warnings(events: list[WitnessedEvent]) -> list[str]:
    return [e.payload["rule"] for e in events if e.type == "rule.warning"]
