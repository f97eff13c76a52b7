"""The year's plan: which projects come when, and on which lots which misconduct is planted.

Pure: a function of the configuration, the drawn world and the random generator. Each
misconduct kind gets `round(rate × lots)` lots (at least one when its rate is positive),
chosen among lots that start early enough to reach the step where the kind shows. Ring
kinds chosen for the same lot are shown by the same ring, so a lot may show several Regs 40
signs at once, as real rings do. Honest lots are those with no kind; a few of them attract
too few bids and are re-tendered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from jianzheng.simulate.calibration import TRADES, Trade, estimate_fen
from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.kinds import KINDS, RING_KINDS
from jianzheng.simulate.names import ROADS
from jianzheng.simulate.world import Cartel, Company, Ring, World

# How long after its start a lot needs to reach the step where each family shows (days).
NEEDS_DAYS = {"ring": 45, "cartel": 45, "evaluation": 45, "deadline": 130}

PROJECT_NAMES = {
    "buildings": ("{d}第{n}中学教学综合楼新建工程", "{d}人民医院住院综合楼建设项目", "{d}保障性租赁住房建设项目",
                  "{d}社区综合服务中心建设工程", "{d}文化体育中心建设工程", "{d}第{n}幼儿园新建工程"),
    "roads": ("{d}{r}提升改造工程", "{d}{r}延长线道路工程", "{d}老旧小区配套道路改造工程", "{d}{r}雨污分流改造工程"),
    "water": ("{d}{n}号水库除险加固工程", "{d}河道综合治理工程", "{d}农村饮水安全巩固提升工程", "{d}灌区节水改造工程"),
    "goods": ("{d}人民医院医疗设备采购项目", "{d}中小学教学设备采购项目", "{d}智慧交通设备采购项目",
              "{d}应急救援物资采购项目"),
    "services": ("{d}物业管理服务采购项目", "{d}道路清扫保洁服务项目", "{d}建设工程监理服务项目",
                 "{d}绿化养护服务项目"),
}
LOT_SUFFIX = {"buildings": "施工", "roads": "施工", "water": "施工", "goods": "货物", "services": "服务"}


@dataclass
class LotPlan:
    number: int
    trade: Trade
    name: str
    estimate_fen: int
    start: date
    kinds: list[str] = field(default_factory=list)
    ring: Ring | None = None
    cartel: Cartel | None = None
    cartel_winner: Company | None = None
    fails_first_round: bool = False
    lot_id: str = ""

    @property
    def method(self) -> str:
        return self.trade.method

    @property
    def honest(self) -> bool:
        return not self.kinds


@dataclass
class ProjectPlan:
    name: str
    trade: Trade
    tenderer: Company
    agency: Company | None  # None: the tenderer runs its own tender (自行招标)
    start: date
    state_funded: bool
    funding: str
    region: str
    lots: list[LotPlan]


def _weighted(rng: random.Random, companies: list[Company]) -> Company:
    return rng.choices(companies, weights=[c.activity for c in companies])[0]


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class ProjectShape:
    """A project before its owners are known: trade, number of lots, start, funding."""

    trade: Trade
    size: int
    start: date
    state_funded: bool


def draw_shapes(config: SimulationConfig, rng: random.Random) -> list[ProjectShape]:
    """The year's projects by trade, size and start, so the market can be drawn to match."""
    shapes = []
    remaining = config.lots
    while remaining > 0:
        trade = rng.choices(TRADES, weights=[t.share for t in TRADES])[0]
        size = min(remaining, rng.choices((1, 2, 3), weights=(60, 25, 15))[0])
        start = _working_day(config.start + timedelta(days=rng.randrange(config.start_window_days)))
        shapes.append(ProjectShape(trade, size, start, rng.random() < 0.8))
        remaining -= size
    return shapes


def demand(shapes: list[ProjectShape]) -> dict[str, int]:
    """Lots per trade code."""
    counts = {t.code: 0 for t in TRADES}
    for shape in shapes:
        counts[shape.trade.code] += shape.size
    return counts


def plan_year(config: SimulationConfig, world: World, shapes: list[ProjectShape],
              rng: random.Random) -> list[ProjectPlan]:
    """The projects of the year with their owners and lots, and the misconduct planted on them."""
    projects: list[ProjectPlan] = []
    number = 0
    for shape in shapes:
        trade = shape.trade
        tenderer = _weighted(rng, world.tenderers)
        agency = None if rng.random() < 0.1 and tenderer is not world.tenderers[0] else _weighted(rng, world.agencies)
        district = rng.choice(tenderer.place.districts)
        name = rng.choice(PROJECT_NAMES[trade.code]).format(d=district, n=rng.randrange(1, 30), r=rng.choice(ROADS))
        lots = []
        for index in range(1, shape.size + 1):
            number += 1
            lots.append(LotPlan(number, trade, f"{name} 第{index}标段（{LOT_SUFFIX[trade.code]}）",
                                estimate_fen(rng, trade), shape.start))
        projects.append(ProjectPlan(name, trade, tenderer, agency, shape.start, shape.state_funded,
                                    "财政资金" if shape.state_funded else "企业自筹资金", tenderer.place.name, lots))
    projects.sort(key=lambda p: p.start)
    _plant(config, world, [lot for p in projects for lot in p.lots], rng)
    return projects


def _count(config: SimulationConfig, code: str) -> int:
    rate = config.rate(code)
    return max(1, round(rate * config.lots)) if rate > 0 else 0


def _eligible(config: SimulationConfig, lots: list[LotPlan], family: str) -> list[LotPlan]:
    """Lots that start early enough for the kind to show before the year ends (all, if too few)."""
    last = config.start + timedelta(days=config.days - NEEDS_DAYS[family])
    early = [lot for lot in lots if lot.start <= last]
    return early if len(early) >= max(3, len(lots) // 4) else lots


def _plant(config: SimulationConfig, world: World, lots: list[LotPlan], rng: random.Random) -> None:
    # Cartels: cover bidding on lots of the cartel's trade, the designated winner in turn.
    cartel_lots: dict[int, list[LotPlan]] = {c.number: [] for c in world.cartels}
    if world.cartels:
        trades = {c.trade for c in world.cartels}
        pool = [lot for lot in _eligible(config, lots, "cartel") if lot.trade.code in trades]
        for lot in rng.sample(pool, min(len(pool), _count(config, "cover_bidding"))):
            candidates = [c for c in world.cartels if c.trade == lot.trade.code]
            cartel = min(candidates, key=lambda c: (len(cartel_lots[c.number]), c.number))
            lot.cartel = cartel
            lot.kinds.append("cover_bidding")
            cartel_lots[cartel.number].append(lot)
        rotation = config.rate("bid_rotation")
        for cartel in world.cartels:
            cartel.rotates = rng.random() < rotation
            planned = sorted(cartel_lots[cartel.number], key=lambda lot: (lot.start, lot.number))
            for turn, lot in enumerate(planned):
                lot.cartel_winner = cartel.members[turn % len(cartel.members)] if cartel.rotates else cartel.members[0]
    # Rings: each Regs 40 sign on its own set of lots; a lot already with a ring is preferred
    # now and then, so some lots show several signs.
    ring_trades = {ring.trade for ring in world.rings}
    ring_pool = [lot for lot in _eligible(config, lots, "ring") if lot.cartel is None and lot.trade.code in ring_trades]
    ring_load: dict[int, int] = {ring.number: 0 for ring in world.rings}
    for code in RING_KINDS:
        wanted = _count(config, code)
        for _ in range(wanted):
            needs_three = code == "progressive_prices"
            fitting = [lot for lot in ring_pool if code not in lot.kinds
                       and (not needs_three or lot.ring is None or len(lot.ring.members) >= 3)]
            if not fitting:
                break
            with_ring = [lot for lot in fitting if lot.ring is not None]
            choice_pool = with_ring if with_ring and rng.random() < 0.35 else fitting
            lot = rng.choice(choice_pool)
            if lot.ring is None:
                rings = [ring for ring in world.rings if ring.trade == lot.trade.code]
                lot.ring = min(rings, key=lambda ring: (ring_load[ring.number], ring.number))
                ring_load[lot.ring.number] += 1
            lot.kinds.append(code)
    # An evaluator who favours one bidder: comprehensive lots without a ring or cartel.
    biasable = [lot for lot in _eligible(config, lots, "evaluation")
                if lot.method == "comprehensive" and lot.ring is None and lot.cartel is None]
    for lot in rng.sample(biasable, min(len(biasable), _count(config, "evaluator_bias"))):
        lot.kinds.append("evaluator_bias")
    # An expert who scores without reading the bids (review telemetry): any lot that is evaluated.
    readable = _eligible(config, lots, "evaluation")
    for lot in rng.sample(readable, min(len(readable), _count(config, "review_skipped"))):
        lot.kinds.append("review_skipped")
    # Statutory deadlines broken: any lot that will reach the step.
    for code in (c for c, kind in KINDS.items() if kind.family == "deadline"):
        pool = _eligible(config, lots, "deadline")
        for lot in rng.sample(pool, min(len(pool), _count(config, code))):
            lot.kinds.append(code)
    honest = [lot for lot in lots if lot.honest]
    for lot in rng.sample(honest, min(len(honest), round(config.failure_rate * len(lots)))):
        lot.fails_first_round = True
