"""`SimulationConfig`: the size of the simulated trading center, its year, and the misconduct rates.

Defaults describe a provincial-capital center's year (about 300 lots, a few hundred bidder
companies, an expert pool). Every misconduct kind of `jianzheng.simulate.kinds` has a rate;
a rate of zero plants none, and a positive rate plants at least one case so a small
simulation still shows every kind. `validate` refuses impossible values with a bilingual
message before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from jianzheng.domain.errors import invalid
from jianzheng.simulate.kinds import KINDS, default_rates

MIN_BIDDERS = 40  # five trades, at least eight companies each, so every lot finds three bidders


@dataclass(frozen=True)
class SimulationConfig:
    seed: int = 2026
    lots: int = 300
    start: date = date(2025, 1, 6)  # a Monday; the simulated year starts here
    days: int = 365  # actions later than this are not played: the data is the year's snapshot
    start_window_days: int = 300  # projects are registered within this many days of the start
    bidders: int = 300  # bidder companies
    experts: int = 150  # the expert pool (评标专家库)
    tenderers: int = 30
    agencies: int = 10
    rings: int = 8  # collusion rings (围标团伙) of 3-4 formally unrelated companies
    cartels: int = 3  # cartels of 3-5 related companies (same legal representative or controller)
    failure_rate: float = 0.04  # honest lots that attract fewer than three bids and are re-tendered
    rates: dict[str, float] = field(default_factory=default_rates)

    def validate(self) -> SimulationConfig:
        """Return self, or refuse the first impossible value."""
        if not 1 <= self.lots <= 5000:
            raise invalid("lots", "标段数应在 1 至 5000 之间", "lots must be between 1 and 5000")
        if self.bidders < MIN_BIDDERS:
            raise invalid("bidders", f"投标企业至少 {MIN_BIDDERS} 家", f"At least {MIN_BIDDERS} bidder companies")
        if self.experts < 15:
            raise invalid("experts", "专家库至少 15 人", "The expert pool needs at least 15 experts")
        if self.tenderers < 1 or self.agencies < 1:
            raise invalid("tenderers", "至少一个招标人和一个代理机构", "At least one tenderer and one agency")
        if not 1 <= self.start_window_days <= self.days:
            raise invalid("start_window_days", "项目登记期应在 1 天至模拟天数之间",
                          "start_window_days must be between 1 and days")
        if self.rings < 0 or self.cartels < 0 or (self.rings + self.cartels) * 5 > self.bidders // 2:
            raise invalid("rings", "团伙数量不合理：团伙成员不能超过投标企业的一半",
                          "Too many rings or cartels: their members may be at most half the bidders")
        if not 0 <= self.failure_rate < 0.5:
            raise invalid("failure_rate", "流标比例应在 0 至 0.5 之间", "failure_rate must be in [0, 0.5)")
        unknown = sorted(set(self.rates) - set(KINDS))
        if unknown:
            raise invalid("rates", f"未知的违规类型：{', '.join(unknown)}",
                          f"Unknown misconduct kinds: {', '.join(unknown)}")
        for code, rate in self.rates.items():
            if not 0 <= rate <= 1:
                raise invalid(f"rates.{code}", f"{code} 的比例应在 0 至 1 之间",
                              f"The rate of {code} must be in [0, 1]")
        ring_rates = sum(r for c, r in self.rates.items() if KINDS[c].family == "ring")
        if ring_rates > 0 and self.rings == 0:
            raise invalid("rings", "设置了围标比例却没有团伙", "Ring kinds have rates but rings is 0")
        if self.rates.get("cover_bidding", 0) > 0 and self.cartels == 0:
            raise invalid("cartels", "设置了陪标比例却没有关联企业团伙", "cover_bidding has a rate but cartels is 0")
        return self

    @classmethod
    def for_lots(cls, lots: int, seed: int = 2026) -> SimulationConfig:
        """A market in proportion to `lots`: the defaults at 300 lots, smaller below (the demo's sizes)."""
        def clamp(value: float, low: int, high: int) -> int:
            return int(min(high, max(low, round(value))))
        return cls(seed=seed, lots=lots, bidders=clamp(lots, MIN_BIDDERS, 300),
                   experts=clamp(lots / 2, 15, 150), tenderers=clamp(lots / 10, 4, 30),
                   agencies=clamp(lots / 30, 2, 10), rings=clamp(lots / 40, 2, 8), cartels=clamp(lots / 100, 1, 3),
                   start_window_days=300 if lots >= 60 else 120)

    def rate(self, code: str) -> float:
        return self.rates.get(code, 0.0)
