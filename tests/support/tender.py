"""A complete open tender driven through the services, for tests to build on.

`TenderWorld` registers the people and companies a tender needs, with accounts for every
role, and offers one method per step so tests can stop anywhere in the life of a lot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.identifiers import id_check_character, uscc_check_character
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.clock import SimulatedClock
from jianzheng.services.ids import SeededIds
from jianzheng.services.platform import Upload

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
PASSWORD = "correct horse 1"


def make_uscc(n: int) -> str:
    first = f"91530100MA{n:07d}"
    return first + uscc_check_character(first)


def make_id_number(n: int) -> str:
    first = f"530102198{n % 10}0101{n:03d}"[:17]
    return first + id_check_character(first)


@dataclass
class TenderWorld:
    services: Services
    clock: SimulatedClock
    actors: dict[str, Actor] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    persons: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    @property
    def platform(self):  # type: ignore[no-untyped-def]
        return self.services.platform

    def next_n(self) -> int:
        self.counter += 1
        return self.counter

    def person(self, key: str, roles: tuple[str, ...], employer: str | None = None) -> str:
        events = self.platform.register_person(self.actors["staff"], r.RegisterPerson(
            name=f"人员{key}", id_number=make_id_number(self.next_n()), roles=roles,
            employer_id=self.parties.get(employer) if employer else None, phone=f"1390000{self.counter:04d}"))
        self.persons[key] = events[0].payload["person_id"]
        return self.persons[key]

    def company(self, key: str, kind: str, legal_rep: str | None = None,
                shareholders: tuple[r.Shareholder, ...] = ()) -> str:
        rep = legal_rep or self.person(f"{key}-rep", ("legal_representative",))
        events = self.platform.register_enterprise(self.actors["staff"], r.RegisterEnterprise(
            name=f"{key}有限公司", credit_code=make_uscc(self.next_n()), kind=kind, legal_representative_id=rep,
            address=f"昆明市{key}路{self.counter}号", phones=(f"0871-6{self.counter:06d}",),
            basic_account=f"6222{self.counter:012d}", basic_bank="中国建设银行", shareholders=shareholders))
        self.parties[key] = events[0].payload["party_id"]
        return self.parties[key]

    def account(self, key: str, role: Role, party: str | None = None, person: str | None = None) -> Actor:
        self.platform.create_user(self.actors.get("staff", Actor.system()), key, PASSWORD, role, f"账号{key}",
                                  party_id=self.parties.get(party) if party else None,
                                  person_id=self.persons.get(person) if person else None)
        _, actor = self.services.auth.login(key, PASSWORD)
        self.actors[key] = actor
        return actor


def build_world(data_dir: Path, database_url: str | None = None, bidders: int = 5, experts: int = 5,
                **settings: object) -> TenderWorld:
    clock = SimulatedClock(START)
    services = bootstrap(Settings(data_dir=data_dir, database_url=database_url, **settings),  # type: ignore[arg-type]
                         clock=clock, ids=SeededIds(7))
    world = TenderWorld(services, clock)
    world.platform.create_user(Actor.system(), "staff", PASSWORD, Role.STAFF, "交易中心 张三")
    world.actors["staff"] = world.services.auth.login("staff", PASSWORD)[1]
    world.account("supervisor", Role.SUPERVISOR)
    world.account("public", Role.PUBLIC)
    world.company("tenderer", "tenderer")
    world.company("agency", "agency")
    world.account("tenderer", Role.TENDERER, party="tenderer")
    world.account("agency", Role.AGENCY, party="agency")
    for i in range(1, bidders + 1):
        world.company(f"bidder{i}", "bidder")
        world.account(f"bidder{i}", Role.BIDDER, party=f"bidder{i}")
        world.person(f"pm{i}", ("project_manager",), employer=f"bidder{i}")
    for i in range(1, experts + 1):
        world.person(f"expert{i}", ("expert",))
        world.account(f"expert{i}", Role.EXPERT, person=f"expert{i}")
    return world


FACTORS = (c.FactorSpec("technical", "技术", "Technical", 4000), c.FactorSpec("commercial", "商务", "Commercial", 2000),
           c.FactorSpec("price", "报价", "Price", 4000))


def register_lot(world: TenderWorld, estimate_fen: int = 1_000_000_000, state_funded: bool = True) -> str:
    events = world.platform.register_project(world.actors["agency"], r.RegisterProject(
        name="滇池路改造工程", tenderer_id=world.parties["tenderer"], agency_id=world.parties["agency"],
        funding_source="财政资金", state_funded=state_funded, region="昆明市",
        lots=(c.RegisterLot("", "第一标段 道路工程", estimate_fen, "works", "construction-open",
                            world.parties["tenderer"], world.parties["agency"], state_funded),)))
    return str(events[1].payload["lot_id"])


def announce(world: TenderWorld, lot_id: str, deposit_fen: int = 10_000_000) -> None:
    p = world.platform
    doc = p.store_document(Upload("招标文件.pdf", b"%PDF tender documents for " + lot_id.encode(), "application/pdf"))
    p.lot_command(world.actors["agency"], lot_id, c.CompileDocuments(doc, "comprehensive", FACTORS, deposit_fen))
    p.lot_command(world.actors["tenderer"], lot_id, c.ConfirmDocuments(1))
    p.lot_command(world.actors["supervisor"], lot_id, c.FileDocuments(True, "备案通过"))
    now = world.clock.now()
    p.lot_command(world.actors["agency"], lot_id, c.PublishAnnouncement(
        now, now + timedelta(days=7), now + timedelta(days=21), "招标公告：滇池路改造工程第一标段"))


def basic_account(world: TenderWorld, party_id: str) -> str:
    """The company's basic bank account, from which its deposits must come (Regs 26)."""
    rows = world.services.queries.parties(world.actors["staff"])
    return str(next(r["basic_account"] for r in rows if r["party_id"] == party_id))


def bid(world: TenderWorld, lot_id: str, bidder: str, price_fen: int) -> None:
    p = world.platform
    actor = world.actors[bidder]
    p.lot_command(actor, lot_id, c.RegisterBidder())
    account = basic_account(world, world.parties[bidder])
    p.lot_command(actor, lot_id, c.PayDeposit(10_000_000, account, "中国建设银行"))
    p.submit_bid(actor, lot_id, {
        "price_fen": price_fen, "project_manager_id": world.persons[f"pm{bidder[-1]}"], "duration_days": 300,
        "quality": "合格", "technical_proposal": f"{bidder} 的施工组织设计",
        "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3", "quantity_milli": 1_000_000,
                 "unit_price_fen": price_fen // 2000}]},
        [Upload("投标文件.pdf", f"bid of {bidder}".encode(), "application/pdf")])


def evaluate(world: TenderWorld, lot_id: str) -> None:
    p = world.platform
    members = tuple(c.CommitteeMember(world.persons[f"expert{i}"], "expert", chair=(i == 1)) for i in range(1, 6))
    p.lot_command(world.actors["staff"], lot_id, c.FormCommittee(members))
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    for i in range(1, 6):
        for b in bids:
            if b["status"] != "opened":
                continue
            bonus = int(b["bidder_id"] == world.parties["bidder1"]) * 500
            p.lot_command(world.actors[f"expert{i}"], lot_id, c.SubmitScores(
                b["bid_id"], {"technical": 3000 + bonus, "commercial": 1500, "price": 3500}))
    p.lot_command(world.actors["expert1"], lot_id, c.ReportEvaluation())


def bid_with(world: TenderWorld, lot_id: str, bidder: str, price_fen: int, *,
             fingerprint: dict[str, str] | None = None, source_ip: str = "127.0.0.1",
             representative: dict[str, str] | None = None, project_manager: str | None = None,
             key_staff: tuple[str, ...] = (), proposal: str | None = None,
             boq: list[dict[str, object]] | None = None, paying_account: str | None = None,
             document_name: str = "投标文件.pdf") -> None:
    """Register, pay the deposit and submit one bid with everything the collusion indicators compare.

    `project_manager` and `key_staff` are keys of `world.persons` (default: the bidder's own pm);
    `paying_account` defaults to the bidder's basic account (Regs 26).
    """
    p = world.platform
    actor = world.actors[bidder]
    p.lot_command(actor, lot_id, c.RegisterBidder())
    account = paying_account or basic_account(world, world.parties[bidder])
    p.lot_command(actor, lot_id, c.PayDeposit(10_000_000, account, "中国建设银行"))
    manager = world.persons[project_manager or f"pm{bidder[-1]}"]
    content: dict[str, object] = {
        "price_fen": price_fen, "project_manager_id": manager, "duration_days": 300, "quality": "合格",
        "key_staff": [world.persons[k] for k in key_staff],
        "technical_proposal": proposal if proposal is not None else f"{bidder} 的施工组织设计",
        "boq": boq if boq is not None else [{"code": "010101", "name": "土方开挖", "unit": "m3",
                                             "quantity_milli": 1_000_000, "unit_price_fen": price_fen // 2000}],
    }
    if representative is not None:
        content["representative"] = representative
    p.submit_bid(actor, lot_id, content, [Upload(document_name, f"bid of {bidder}".encode(), "application/pdf")],
                 source_ip=source_ip, fingerprint=fingerprint)


def open_lot(world: TenderWorld, lot_id: str) -> None:
    """Move the clock to the bid deadline and open the bids (Law 34)."""
    lot = world.services.queries.lot(world.actors["staff"], lot_id)
    deadline = datetime.fromisoformat(str(lot["bid_deadline"]).replace("Z", "+00:00"))
    if world.clock.now() < deadline:
        world.clock.advance(deadline - world.clock.now())
    world.platform.open_bids(world.actors["agency"], lot_id)
