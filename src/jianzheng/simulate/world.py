"""The simulated market's people and companies: drawn from a seed, then registered on the platform.

`draw_world` decides everyone (pure: only the random generator); `register_world` registers
them through the platform's services as the center's staff would, one witnessed command
each, and creates one account per company and per expert. Cartels (Regs 34) are built
here too: a boss who is the legal representative of some members and the controlling
shareholder of the others. Collusion rings (Regs 40) are formally unrelated companies;
their ties show only in their bids.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from jianzheng.domain import registry as r
from jianzheng.domain.calendar import SHANGHAI
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Platform
from jianzheng.simulate.calibration import TRADES
from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.documents import TYPOS
from jianzheng.simulate.names import NameBook, Place

# Bid-compiling tools in use (the fingerprint's `tool`); many companies share one, so it is no signal.
TOOLS = ("新点投标文件制作工具 V10.2.3", "广联达电子投标工具 GTB V6.1", "云南省电子招标投标系统投标工具 V3.5")
QUALIFICATIONS = {
    "buildings": ("建筑工程施工总承包一级", "建筑工程施工总承包二级", "建筑工程施工总承包三级"),
    "roads": ("市政公用工程施工总承包一级", "市政公用工程施工总承包二级", "公路工程施工总承包二级"),
    "water": ("水利水电工程施工总承包一级", "水利水电工程施工总承包二级", "水利水电工程施工总承包三级"),
    "goods": ("医疗器械经营许可证", "信息系统集成资质", "设备供货资格"),
    "services": ("物业服务企业资质", "工程咨询单位甲级资信", "工程监理综合资质"),
}
MANAGER_CERTIFICATES = {"buildings": "一级建造师（建筑工程）", "roads": "一级建造师（市政公用工程）",
                        "water": "一级建造师（水利水电工程）", "goods": "项目经理证书", "services": "注册咨询工程师"}


@dataclass
class Person:
    key: str
    name: str
    id_number: str
    phone: str
    roles: tuple[str, ...]
    email: str = ""
    certificates: tuple[str, ...] = ()
    employer: str | None = None  # the employer's key
    person_id: str = ""


@dataclass(frozen=True)
class Computer:
    """A computer as the bid-compiling tool records it."""

    machine_code: str
    mac: str
    cpu_id: str
    disk_serial: str

    def fingerprint(self, author: str, tool: str) -> dict[str, str]:
        return {"machine_code": self.machine_code, "mac": self.mac, "cpu_id": self.cpu_id,
                "disk_serial": self.disk_serial, "author": author, "tool": tool}


@dataclass
class Company:
    key: str
    kind: str  # bidder, tenderer, agency
    name: str
    place: Place
    credit_code: str
    address: str
    phone: str
    email: str
    account: str
    bank: str
    legal_rep: Person
    office_ip: str
    trade: str = ""
    shareholders: list[tuple[Person, int]] = field(default_factory=list)
    managers: list[Person] = field(default_factory=list)  # project managers with certificates
    key_staff: list[Person] = field(default_factory=list)  # technical leads, safety officers
    clerks: list[Person] = field(default_factory=list)  # prepare and submit bids (authorised representatives)
    computers: list[Computer] = field(default_factory=list)
    tool: str = ""
    qualifications: tuple[str, ...] = ()
    activity: float = 1.0  # relative chance of bidding on a lot of its trade
    skill: float = 0.7  # the quality of its proposals, 0..1
    ring: int | None = None
    cartel: int | None = None
    party_id: str = ""
    actor: Actor | None = None


@dataclass
class Expert:
    person: Person
    trade: str
    leniency: float  # how generous this expert is, in share of the maximum
    corrupt: bool = False
    actor: Actor | None = None


@dataclass
class Cartel:
    """Related companies (Regs 34): `boss` represents some and controls the others."""

    number: int
    trade: str
    boss: Person
    members: list[Company]
    rotates: bool
    # Pairs the platform's registration check sees: same legal representative or controller.
    direct_pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (key, key, relation)


@dataclass
class Ring:
    """Formally unrelated companies that collude (Regs 40); the leader prepares everyone's bid."""

    number: int
    trade: str
    members: list[Company]
    typos: list[tuple[str, str]] = field(default_factory=list)  # the leader's habitual errors

    @property
    def leader(self) -> Company:
        return self.members[0]


@dataclass
class Center:
    """The trading center's own accounts and the supervisors'."""

    staff: list[Actor] = field(default_factory=list)
    supervisors: list[Actor] = field(default_factory=list)
    public: Actor | None = None
    staff_ips: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    bidders: list[Company]
    tenderers: list[Company]
    agencies: list[Company]
    experts: list[Expert]
    cartels: list[Cartel]
    rings: list[Ring]
    center: Center = field(default_factory=Center)
    by_trade: dict[str, list[Company]] = field(default_factory=dict)


class _Drawer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.book = NameBook(rng)
        self.count = 0

    def key(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count:05d}"

    def person(self, roles: tuple[str, ...], place: Place | None = None, employer: str | None = None,
               certificates: tuple[str, ...] = ()) -> Person:
        place = place or self.book.place()
        return Person(self.key("H"), self.book.person_name(), self.book.id_number(place), self.book.mobile(), roles,
                      certificates=certificates, employer=employer)

    def company(self, kind: str, trade: str = "", legal_rep: Person | None = None) -> Company:
        book = self.book
        place = book.place()
        key = self.key({"bidder": "B", "tenderer": "T", "agency": "A"}[kind])
        if kind == "bidder":
            name = book.company_name(trade, place)
        elif kind == "tenderer":
            name = book.tenderer_name(place)
        else:
            name = book.agency_name(place)
        rep = legal_rep or self.person(("legal_representative",), place)
        account, bank = book.bank_account()
        company = Company(key, kind, name, place, book.credit_code(place), book.address(place), book.landline(),
                          book.email("163.com" if self.rng.random() < 0.5 else "qq.com"), account, bank, rep,
                          book.office_ip(), trade=trade)
        if kind == "bidder":
            self._staff(company)
        return company

    def _staff(self, company: Company) -> None:
        rng, trade = self.rng, company.trade
        company.managers = [self.person(("project_manager",), company.place, company.key,
                                        (self.book.certificate(MANAGER_CERTIFICATES[trade]),))
                            for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        company.key_staff = [self.person(("key_staff",), company.place, company.key,
                                         (self.book.certificate("注册安全工程师"),))
                             for _ in range(1 if trade in ("buildings", "roads", "water") else 0)]
        company.clerks = [self.person(("bidder_staff",), company.place, company.key)]
        company.computers = [Computer(self.book.machine_code(), self.book.mac(), self.book.cpu_id(),
                                      self.book.disk_serial()) for _ in range(rng.choice((1, 1, 2)))]
        company.tool = rng.choice(TOOLS)
        company.qualifications = (rng.choice(QUALIFICATIONS[trade]),)
        company.activity = rng.lognormvariate(0.0, 0.6)
        company.skill = min(0.95, max(0.45, rng.gauss(0.72, 0.08)))
        share = 10000 if rng.random() < 0.75 else rng.randrange(5100, 9001, 100)
        company.shareholders = [(company.legal_rep, share)]
        if share < 10000:
            company.shareholders.append((self.person(("shareholder",), company.place), 10000 - share))


def _trade_counts(total: int) -> dict[str, int]:
    counts = {t.code: max(8, round(total * t.share)) for t in TRADES}
    counts[TRADES[0].code] += total - sum(counts.values())
    return counts


def draw_world(config: SimulationConfig, rng: random.Random, demand: dict[str, int] | None = None) -> World:
    """Everyone in the simulated market, with no platform ids yet.

    `demand` (lots per trade) puts the cartels and rings in the trades with the most lots,
    so even a small year gives them lots to collude on.
    """
    demand = demand or {t.code: 1 for t in TRADES}
    drawer = _Drawer(rng)
    bidders: list[Company] = []
    by_trade: dict[str, list[Company]] = {}
    for trade, count in _trade_counts(config.bidders).items():
        by_trade[trade] = [drawer.company("bidder", trade) for _ in range(count)]
        bidders += by_trade[trade]
    # The demo's bidder account: an active, honest building contractor.
    showcase = by_trade["buildings"][0]
    showcase.activity = 4.0
    showcase.skill = 0.8
    works = sorted((t.code for t in TRADES if t.category == "works"), key=lambda code: -demand.get(code, 0))
    others = sorted((t.code for t in TRADES if t.category != "works" and t.method == "comprehensive"),
                    key=lambda code: -demand.get(code, 0))
    cartels: list[Cartel] = []
    for number in range(1, config.cartels + 1):
        trade = works[(number - 1) % len(works)]
        cartels.append(_cartel(drawer, number, trade, rng.randrange(3, 6), rng))
        by_trade[trade] += cartels[-1].members
        bidders += cartels[-1].members
    rings: list[Ring] = []
    free = {trade: [c for c in companies[1:] if c.cartel is None] for trade, companies in by_trade.items()}
    for number in range(1, config.rings + 1):
        trade = works[(number - 1) % len(works)] if number % 4 or not demand.get(others[0]) else others[0]
        pool = free[trade]
        members = [pool.pop(rng.randrange(len(pool))) for _ in range(rng.choice((3, 4)))]
        for member in members:
            member.ring = number
        rings.append(Ring(number, trade, members, rng.sample(TYPOS, 6)))
    tenderers = [drawer.company("tenderer") for _ in range(config.tenderers)]
    agencies = [drawer.company("agency") for _ in range(config.agencies)]
    for company in (*tenderers, *agencies):
        company.activity = rng.lognormvariate(0.0, 0.7)
    tenderers[0].activity = agencies[0].activity = 6.0  # the demo's tenderer and agency accounts
    experts = []
    trades = [t.code for t in TRADES]
    for index in range(config.experts):
        person = drawer.person(("expert",), certificates=(drawer.book.certificate("评标专家证"),))
        experts.append(Expert(person, trades[index % len(trades)], rng.gauss(0.0, 0.04)))
    for expert in rng.sample(experts[1:], min(3, len(experts) - 1)):
        expert.corrupt = True
    return World(bidders, tenderers, agencies, experts, cartels, rings, by_trade=by_trade)


def _cartel(drawer: _Drawer, number: int, trade: str, size: int, rng: random.Random) -> Cartel:
    boss = drawer.person(("legal_representative", "shareholder"))
    members: list[Company] = []
    pairs: list[tuple[str, str, str]] = []
    for index in range(size):
        # Two members share the boss as legal representative; the others have nominees as
        # legal representatives and the boss as controlling shareholder.
        if index < 2:
            company = drawer.company("bidder", trade, legal_rep=boss)
            company.shareholders = [(boss, 10000)]
        else:
            company = drawer.company("bidder", trade)
            stake = rng.randrange(5500, 8001, 100)
            company.shareholders = [(boss, stake), (company.legal_rep, 10000 - stake)]
        company.cartel = number
        company.activity = 0.3  # cartel members bid mostly where the cartel decides to
        members.append(company)
    pairs.append((members[0].key, members[1].key, "same_legal_representative"))
    for i in range(2, size):
        for j in range(i + 1, size):
            pairs.append((members[i].key, members[j].key, "same_controlling_shareholder"))
    return Cartel(number, trade, boss, members, rotates=True, direct_pairs=pairs)


class Registrar:
    """Registers the drawn world through the platform, advancing a clock through office hours."""

    def __init__(self, platform: Platform, set_time: Callable[[datetime], None], start: date,
                 rng: random.Random, password: str, showcase: dict[str, str]) -> None:
        self.platform = platform
        self.set_time = set_time
        self.rng = rng
        self.password = password
        self.showcase = showcase  # username -> password of the accounts the demo prints
        self._times = self._office_hours(start)
        self.commands = 0

    def _office_hours(self, day: date) -> Iterator[datetime]:
        moment = datetime.combine(day, time(9, 0), SHANGHAI)
        while True:
            moment += timedelta(seconds=self.rng.randrange(30, 150))
            if moment.weekday() >= 5 or moment.time() > time(17, 30):
                day = moment.date() + timedelta(days=1)
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                moment = datetime.combine(day, time(9, 0), SHANGHAI)
            yield moment

    def tick(self) -> None:
        self.set_time(next(self._times))
        self.commands += 1

    def account(self, registrar: Actor, username: str, role: Role, display: str, party_id: str | None = None,
                person_id: str | None = None) -> Actor:
        self.tick()
        password = self.showcase.get(username, self.password)
        events = self.platform.create_user(registrar, username, password, role, display, party_id=party_id,
                                           person_id=person_id, source_ip="10.53.1.11")
        user_id = str(events[0].payload["user_id"])
        # The simulated user acts from here on; the demo's printed accounts sign in for real.
        return Actor(user_id, username, role, display, party_id=party_id, person_id=person_id)

    def person(self, staff: Actor, person: Person, employer_id: str | None = None) -> None:
        if person.person_id:
            return
        self.tick()
        events = self.platform.register_person(staff, r.RegisterPerson(
            name=person.name, id_number=person.id_number, roles=person.roles, employer_id=employer_id,
            phone=person.phone, email=person.email, certificates=person.certificates), source_ip="10.53.1.11")
        person.person_id = str(events[0].payload["person_id"])

    def company(self, staff: Actor, company: Company) -> None:
        self.person(staff, company.legal_rep)
        for holder, _ in company.shareholders:
            self.person(staff, holder)
        self.tick()
        events = self.platform.register_enterprise(staff, r.RegisterEnterprise(
            name=company.name, credit_code=company.credit_code, kind=company.kind,
            legal_representative_id=company.legal_rep.person_id, address=company.address, phones=(company.phone,),
            basic_account=company.account, basic_bank=company.bank,
            shareholders=tuple(r.Shareholder(h.name, h.person_id, bp) for h, bp in company.shareholders),
            qualifications=company.qualifications, email=company.email), source_ip="10.53.1.11")
        company.party_id = str(events[0].payload["party_id"])
        for person in (*company.managers, *company.key_staff, *company.clerks):
            self.person(staff, person, company.party_id)


def register_world(world: World, registrar: Registrar) -> None:
    """Accounts for the center, then every company, person and expert, each a witnessed command."""
    system = Actor.system()
    center = world.center
    staff_names = ("交易中心 李明", "交易中心 王芳", "交易中心 赵磊")
    for index, display in enumerate(staff_names):
        username = "staff" if index == 0 else f"staff-{index + 1}"
        center.staff.append(registrar.account(system, username, Role.STAFF, display))
        center.staff_ips[center.staff[-1].user_id] = f"10.53.1.{11 + index}"
    clerk = center.staff[-1]  # the registration desk (主体登记)
    for index, display in enumerate(("公管局 监督科 陈刚", "住建局 监督科 杨帆")):
        username = "supervisor" if index == 0 else f"supervisor-{index + 1}"
        center.supervisors.append(registrar.account(clerk, username, Role.SUPERVISOR, display))
    center.public = registrar.account(clerk, "public", Role.PUBLIC, "社会公众 演示")
    for kind, companies in (("tenderer", world.tenderers), ("agency", world.agencies)):
        role = Role.TENDERER if kind == "tenderer" else Role.AGENCY
        for index, company in enumerate(companies):
            registrar.company(clerk, company)
            username = kind if index == 0 else f"{kind[0]}-{index:04d}"
            company.actor = registrar.account(clerk, username, role, company.name, party_id=company.party_id)
    showcase = world.by_trade["buildings"][0]
    for index, company in enumerate(world.bidders):
        registrar.company(clerk, company)
        username = "bidder" if company is showcase else f"b-{index:04d}"
        company.actor = registrar.account(clerk, username, Role.BIDDER, company.name, party_id=company.party_id)
    for index, expert in enumerate(world.experts):
        registrar.person(clerk, expert.person)
        username = "expert" if index == 0 else f"e-{index:04d}"
        expert.actor = registrar.account(clerk, username, Role.EXPERT, f"评标专家 {expert.person.name}",
                                         person_id=expert.person.person_id)
