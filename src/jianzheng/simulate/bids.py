"""What each bidder on a lot will submit: honest bids, and the planted Regs 40 and Regs 34 signs.

`plan_bids` picks the bidders of one round of one lot and decides every bid's content,
where and on which machine it is prepared, who represents the bidder and which account
pays the deposit. Honest bids are drawn from the calibrated market; a ring's or cartel's
bids are arranged so that the planted kinds show exactly as `jianzheng.simulate.kinds`
describes, and `BidRound.signs` records which bidders and people show each sign.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jianzheng.domain.calendar import SHANGHAI
from jianzheng.simulate.calibration import YUAN, Market, price_fen
from jianzheng.simulate.documents import BillOfQuantities, bid_file, copy_proposal, plant_typos, proposal
from jianzheng.simulate.names import ROADS, NameBook
from jianzheng.simulate.plan import LotPlan
from jianzheng.simulate.timing import office_moment
from jianzheng.simulate.world import Company, Person, World

# How bidders round their prices (yuan): most to the hundred, some to the yuan or thousand.
ROUNDINGS = (1, 10, 100, 100, 100, 1000)


@dataclass
class BidPlan:
    company: Company
    price_fen: int
    quality: float
    manager: Person
    key_staff: list[Person]
    representative: dict[str, str]
    fingerprint: dict[str, str]
    source_ip: str
    paying_account: str
    paying_bank: str
    proposal: str
    boq: list[dict[str, object]]
    document: bytes
    duration_days: int | None
    register_at: datetime
    deposit_at: datetime
    submit_at: datetime
    deposit_id: str = ""
    deposit_fen: int = 0
    bid_id: str = ""

    def content(self) -> dict[str, Any]:
        return {"price_fen": self.price_fen, "boq": self.boq, "project_manager_id": self.manager.person_id,
                "key_staff": [p.person_id for p in self.key_staff], "duration_days": self.duration_days,
                "quality": "合格", "technical_proposal": self.proposal, "representative": self.representative}


@dataclass
class Sign:
    """One planted kind on this round: who shows it, and what a reviewer would see."""

    kind: str
    companies: list[Company]
    persons: list[Person] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class BidRound:
    bids: list[BidPlan]
    signs: list[Sign]
    market: Market


def representative(person: Person) -> dict[str, str]:
    return {"name": person.name, "phone": person.phone, "email": person.email or f"{person.phone}@139.com",
            "person_id": person.person_id}


def _honest_count(rng: random.Random, category: str) -> int:
    if category == "works":
        return rng.choices(range(3, 14), weights=(6, 9, 11, 12, 11, 9, 7, 5, 4, 3, 2))[0]
    return rng.choices(range(3, 10), weights=(8, 11, 11, 9, 6, 4, 2))[0]


def pick_bidders(rng: random.Random, world: World, lot: LotPlan, count: int,
                 taken: list[Company]) -> list[Company]:
    """Honest bidders of the lot's trade, weighted by activity.

    Never two members of one cartel or one ring: where colluders meet they collude, so a
    lot with two of them is a planted (and labelled) case, never an accident.
    """
    chosen: list[Company] = []
    groups = {group for c in taken for group in _groups(c)}
    pool = [c for c in world.by_trade[lot.trade.code] if c not in taken]
    while pool and len(chosen) < count:
        company = rng.choices(pool, weights=[c.activity for c in pool])[0]
        pool.remove(company)
        if set(_groups(company)) & groups:
            continue
        groups.update(_groups(company))
        chosen.append(company)
    return chosen


def _groups(company: Company) -> list[str]:
    return ([f"cartel{company.cartel}"] if company.cartel is not None else []) + \
        ([f"ring{company.ring}"] if company.ring is not None else [])


class BidPlanner:
    """Plans the bids of each round; one per simulation, sharing the name book for fresh IPs."""

    def __init__(self, rng: random.Random, world: World, book: NameBook) -> None:
        self.rng = rng
        self.world = world
        self.book = book

    def plan(self, lot: LotPlan, round_: int, bill: BillOfQuantities, announced: datetime,
             sale_end: datetime, deadline: datetime, duration_days: int | None) -> BidRound:
        rng = self.rng
        market = Market.draw(rng)
        colluders: list[Company] = []
        if lot.cartel is not None:
            colluders = self._cartel_members(lot)
        elif lot.ring is not None:
            colluders = list(lot.ring.members)
        if lot.fails_first_round and round_ == 1:
            honest_count = rng.choice((1, 2))
        elif colluders:
            honest_count = rng.randrange(0 if lot.cartel else 1, 4)
        else:
            honest_count = _honest_count(rng, lot.trade.category)
        honest = pick_bidders(rng, self.world, lot, honest_count, colluders)
        bids = [self._honest(c, lot, bill, market, announced, sale_end, deadline, duration_days) for c in honest]
        signs: list[Sign] = []
        if colluders:
            ring_bids = [self._honest(c, lot, bill, market, announced, sale_end, deadline, duration_days)
                         for c in colluders]
            signs = self._collude(lot, ring_bids, bill, market, deadline)
            bids += ring_bids
        rng.shuffle(bids)
        return BidRound(bids, signs, market)

    # -- honest ------------------------------------------------------------------------------

    def _honest(self, company: Company, lot: LotPlan, bill: BillOfQuantities, market: Market, announced: datetime,
                sale_end: datetime, deadline: datetime, duration_days: int | None) -> BidPlan:
        rng = self.rng
        price = price_fen(lot.estimate_fen, market.ratio(rng), rng.choice(ROUNDINGS))
        duration = None if duration_days is None else duration_days - rng.randrange(0, duration_days // 8 + 1)
        manager = rng.choice(company.managers)
        reference = f"{company.place.name}{rng.choice(company.place.districts)}{rng.choice(ROADS)}" + \
            rng.choice(("改造工程", "新建工程", "维修工程", "配套工程", "采购项目", "服务项目"))
        text = proposal(rng, lot.trade.category, company.name, manager.name, reference)
        clerk = rng.choice(company.clerks)
        computer = rng.choice(company.computers)
        register_at = office_moment(rng, (announced + timedelta(days=rng.randrange(0, 5))).astimezone(SHANGHAI).date(),
                                    earliest=announced + timedelta(minutes=20))
        register_at = min(register_at, sale_end - timedelta(hours=1))
        deposit_at = office_moment(rng, (register_at + timedelta(days=rng.randrange(0, 4))).astimezone(SHANGHAI)
                                   .date(), earliest=register_at + timedelta(minutes=10))
        deposit_at = min(deposit_at, deadline - timedelta(days=2))
        submit_at = deadline - timedelta(minutes=rng.randrange(90, 5 * 24 * 60))
        submit_at = max(submit_at, deposit_at + timedelta(minutes=30))
        return BidPlan(
            company=company, price_fen=price, quality=min(0.98, max(0.3, rng.gauss(company.skill, 0.07))),
            manager=manager, key_staff=list(company.key_staff),
            representative=representative(clerk), fingerprint=computer.fingerprint(clerk.name, company.tool),
            source_ip=company.office_ip if rng.random() < 0.85 else self.book.home_ip(),
            paying_account=company.account, paying_bank=company.bank, proposal=text,
            boq=bill.priced(rng, price), document=b"", duration_days=duration,
            register_at=register_at, deposit_at=deposit_at, submit_at=submit_at)

    # -- cartels (Regs 34) -------------------------------------------------------------------

    def _cartel_members(self, lot: LotPlan) -> list[Company]:
        """The designated winner first, a pair the registration check can see, more members at random."""
        assert lot.cartel is not None and lot.cartel_winner is not None
        cartel, rng = lot.cartel, self.rng
        by_key = {m.key: m for m in cartel.members}
        a, b, _ = rng.choice(cartel.direct_pairs)
        members = [lot.cartel_winner] + [by_key[k] for k in (a, b) if by_key[k] is not lot.cartel_winner]
        others = [m for m in cartel.members if m not in members]
        rng.shuffle(others)
        wanted = rng.randrange(3, len(cartel.members) + 1)
        return members + others[: max(0, wanted - len(members))]

    # -- collusion ---------------------------------------------------------------------------

    def _collude(self, lot: LotPlan, bids: list[BidPlan], bill: BillOfQuantities, market: Market,
                 deadline: datetime) -> list[Sign]:
        """Arrange the colluders' bids (leader first) so that each planted kind shows."""
        rng = self.rng
        leader, covers = bids[0], bids[1:]
        cap = int(lot.estimate_fen * 0.999)
        # The designated winner prices a little above the market with a strong proposal; the
        # covers bid higher with weak ones (陪标).
        # Room below the control price for covers up to 10% higher: the leader stays at or under 0.90.
        leader.price_fen = min(price_fen(lot.estimate_fen, 0.90, 100),
                               price_fen(lot.estimate_fen, market.ratio(rng) * rng.uniform(1.0, 1.03), 100))
        leader.quality = max(leader.quality, rng.uniform(0.82, 0.9))
        markups = rng.sample(range(20, 100), len(covers))  # per mille above the leader, all different
        for cover, markup in zip(covers, markups, strict=True):
            cover.price_fen = min(cap, price_fen(leader.price_fen, 1 + markup / 1000 + rng.uniform(0, 0.0009), 100))
            cover.quality = rng.uniform(0.42, 0.6)
        signs: list[Sign] = []
        if lot.cartel is not None:
            keys = {b.company.key for b in bids}
            relations = [{"a": a, "b": b, "relation": rel} for a, b, rel in lot.cartel.direct_pairs
                         if a in keys and b in keys]
            signs.append(Sign("cover_bidding", [b.company for b in bids], [lot.cartel.boss], {
                "cartel": lot.cartel.number, "designated_winner": leader.company.key, "relations": relations}))
        kinds = set(lot.kinds)
        if "progressive_prices" in kinds:
            signs.append(self._progressive(lot, bids, cap))
        if "consistent_documents" in kinds:
            signs.append(self._copied(lot, leader, covers))
        if "mixed_documents" in kinds:
            signs.append(self._mixed(lot, leader, covers[0]))
        if "same_preparer" in kinds:
            signs.append(self._same_preparer(leader, covers, deadline))
        if "same_agent" in kinds:
            signs.append(self._same_agent(leader, covers))
        if "same_staff" in kinds:
            signs.append(self._same_staff(leader, covers))
        if "same_deposit_account" in kinds:
            for cover in covers:
                cover.paying_account, cover.paying_bank = leader.company.account, leader.company.bank
            signs.append(Sign("same_deposit_account", [b.company for b in bids], [],
                              {"account": leader.company.account, "owner": leader.company.key}))
        for bid in bids:
            if "consistent_documents" not in kinds:
                bid.boq = bill.priced(rng, bid.price_fen)
        if "consistent_documents" in kinds:
            for cover in covers:
                cover.boq = bill.copied(leader.boq, cover.price_fen)
        return signs

    def _progressive(self, lot: LotPlan, bids: list[BidPlan], cap: int) -> Sign:
        rng = self.rng
        count = len(bids)
        arithmetic = rng.random() < 0.6
        # The leader's price to the yuan: the regularity is in the differences, not in rounding.
        base = bids[0].price_fen - rng.randrange(1, 100) * YUAN
        if arithmetic:
            step = max(1000 * YUAN, round(base * rng.uniform(0.008, 0.02) / (1000 * YUAN)) * 1000 * YUAN)
            while base + (count - 1) * step > cap:
                base -= step
            prices = [base + k * step for k in range(count)]
            details: dict[str, Any] = {"progression": "arithmetic", "step_fen": step}
        else:
            ratio = round(rng.uniform(1.008, 1.02), 3)
            while round(base * ratio ** (count - 1)) > cap:
                base = int(base / ratio)
            prices = [round(base * ratio ** k / YUAN) * YUAN for k in range(count)]
            details = {"progression": "geometric", "ratio": ratio}
        for bid, price in zip(bids, prices, strict=True):
            bid.price_fen = price
        details["prices_fen"] = prices
        return Sign("progressive_prices", [b.company for b in bids], [], details)

    def _copied(self, lot: LotPlan, leader: BidPlan, covers: list[BidPlan]) -> Sign:
        assert lot.ring is not None
        text, typos = plant_typos(self.rng, leader.proposal, lot.ring.typos)
        leader.proposal = text
        for cover in covers:
            # The copier changes the company and its manager's name, and nothing else.
            cover.proposal = copy_proposal(text, leader.company.name, cover.company.name).replace(
                leader.manager.name, cover.manager.name)
            cover.duration_days = leader.duration_days
        return Sign("consistent_documents", [b.company for b in (leader, *covers)], [],
                    {"shared_typos": typos, "identical_boq_lines": len(leader.boq) - 1})

    def _mixed(self, lot: LotPlan, leader: BidPlan, cover: BidPlan) -> Sign:
        # The leader prepared the cover's file and left its own letter of bid and seal in it.
        cover.proposal += f"\n投标人：{leader.company.name}（盖章）"
        cover.document = (bid_file(cover.company.name, cover.company.credit_code, lot.name, cover.price_fen,
                                   cover.proposal)
                          + b"\n" + bid_file(leader.company.name, leader.company.credit_code, lot.name,
                                              leader.price_fen, ""))
        return Sign("mixed_documents", [cover.company, leader.company], [],
                    {"document_of": cover.company.key, "names": leader.company.key})

    def _same_preparer(self, leader: BidPlan, covers: list[BidPlan], deadline: datetime) -> Sign:
        rng = self.rng
        variant = rng.choice(("machine_and_ip", "machine", "ip"))
        machine = leader.fingerprint
        ip = leader.company.office_ip
        leader.source_ip = ip
        # One person uploads every member's bid in one sitting.
        sitting = min(leader.submit_at, deadline - timedelta(hours=3))
        leader.submit_at = sitting
        for offset, cover in enumerate(covers, start=1):
            if variant in ("machine_and_ip", "machine"):
                cover.fingerprint = dict(machine)
            if variant in ("machine_and_ip", "ip"):
                cover.source_ip = ip
            cover.submit_at = sitting + timedelta(minutes=offset * rng.randint(3, 12))
        shared = {"machine_and_ip": ["machine", "ip"], "machine": ["machine"], "ip": ["ip"]}[variant]
        return Sign("same_preparer", [b.company for b in (leader, *covers)], [],
                    {"shared": shared, "machine_code": machine["machine_code"] if "machine" in shared else None,
                     "source_ip": ip if "ip" in shared else None})

    def _same_agent(self, leader: BidPlan, covers: list[BidPlan]) -> Sign:
        agent = leader.representative
        same_person = self.rng.random() < 0.5
        for cover in covers:
            if same_person:
                cover.representative = dict(agent)
            else:
                cover.representative = {**cover.representative, "phone": agent["phone"]}
        return Sign("same_agent", [b.company for b in (leader, *covers)],
                    [p for p in leader.company.clerks if p.person_id == agent["person_id"]],
                    {"shared": "person" if same_person else "phone", "phone": agent["phone"]})

    def _same_staff(self, leader: BidPlan, covers: list[BidPlan]) -> Sign:
        covers[0].manager = leader.manager
        involved = [leader.company, covers[0].company]
        persons = [leader.manager]
        details: dict[str, Any] = {"project_manager": leader.manager.key}
        if len(covers) >= 2 and leader.key_staff:
            covers[1].key_staff = [leader.key_staff[0]]
            involved.append(covers[1].company)
            persons.append(leader.key_staff[0])
            details["key_staff"] = leader.key_staff[0].key
        return Sign("same_staff", involved, persons, details)
