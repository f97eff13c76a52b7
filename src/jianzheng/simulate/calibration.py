"""Figures that make the simulated market look like a real one, with their sources.

Honest bids. `benchmarks/simulator_calibration.py` computed these once from the competitive
tenders (no collusive bidder) of the labelled cartel datasets in ../shared/data/cartels/
(García Rodríguez, Rodríguez-Montequín, Ballesteros-Pérez, Love & Signor 2022, Automation in
Construction 133, 104047): the 452 competitive tenders of the Okinawa (Japan) data after the
competition authority's intervention and the 135 competitive Italian road-works tenders,
587 tenders in all. Both markets cap bids at the estimate, as the Chinese control price
(最高投标限价) does; Brazil's estimates are not caps and are left out. The CSVs are not read
at run time.

- a tender's mean bid/estimate ratio is log-normal: median 0.8889, log sd 0.0684;
- the coefficient of variation of the bids within a tender is log-normal: median 0.0415,
  log sd 1.0134 (Japan post-amendment alone: median 0.029; Italy: 0.048);
- estimates within a market are log-normal with log sd 0.989 (each dataset centred on its
  own median, since one is in yen and one in euros).

Estimated prices. The medians per kind of project are this project's assumption for a
provincial-capital center; the floors are the thresholds above which tendering is
mandatory (《必须招标的工程项目规定》, NDRC Order 16, 2018): works 4 million yuan, goods
2 million, services 1 million.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

MEAN_RATIO_MEDIAN = 0.8889
MEAN_RATIO_LOG_SD = 0.0684
WITHIN_CV_MEDIAN = 0.0415
WITHIN_CV_LOG_SD = 1.0134
ESTIMATE_LOG_SD = 0.989
CALIBRATION_TENDERS = 587
# A CV beyond this is a tender with a misread bid rather than a market; clip the tail there.
MAX_WITHIN_CV = 0.20

YUAN = 100  # fen


@dataclass(frozen=True)
class Trade:
    """A kind of project: its lot category on the platform, estimate median and floor (yuan)."""

    code: str
    category: str  # works, goods, services (the platform's lot categories)
    name_zh: str
    share: float  # of all lots
    median_yuan: int
    floor_yuan: int
    method: str  # comprehensive (综合评估法) or lowest_price (经评审的最低投标价法)


TRADES = (
    Trade("buildings", "works", "房屋建筑", 0.30, 12_000_000, 4_000_000, "comprehensive"),
    Trade("roads", "works", "市政道路", 0.22, 15_000_000, 4_000_000, "comprehensive"),
    Trade("water", "works", "水利工程", 0.13, 9_000_000, 4_000_000, "comprehensive"),
    Trade("goods", "goods", "货物采购", 0.20, 3_500_000, 2_000_000, "lowest_price"),
    Trade("services", "services", "服务采购", 0.15, 2_000_000, 1_000_000, "comprehensive"),
)
TRADE_BY_CODE = {t.code: t for t in TRADES}
MAX_ESTIMATE_YUAN = 800_000_000


def estimate_fen(rng: random.Random, trade: Trade) -> int:
    """A log-normal estimate above the mandatory-tendering floor, rounded to 1,000 yuan."""
    for _ in range(100):
        yuan = trade.median_yuan * math.exp(rng.gauss(0.0, ESTIMATE_LOG_SD))
        if trade.floor_yuan <= yuan <= MAX_ESTIMATE_YUAN:
            return int(yuan // 1000) * 1000 * YUAN
    return trade.floor_yuan * 2 * YUAN


@dataclass(frozen=True)
class Market:
    """One tender's competitive conditions: where its bids centre and how far they spread."""

    mean_ratio: float
    cv: float

    @classmethod
    def draw(cls, rng: random.Random) -> Market:
        mean = MEAN_RATIO_MEDIAN * math.exp(rng.gauss(0.0, MEAN_RATIO_LOG_SD))
        cv = min(WITHIN_CV_MEDIAN * math.exp(rng.gauss(0.0, WITHIN_CV_LOG_SD)), MAX_WITHIN_CV)
        return cls(min(mean, 0.985), cv)

    def ratio(self, rng: random.Random) -> float:
        """An honest bid's price as a share of the estimate, never above it (the control price)."""
        for _ in range(50):
            value = self.mean_ratio * math.exp(rng.gauss(0.0, self.cv))
            if 0.5 <= value < 0.9995:
                return value
        return self.mean_ratio


def price_fen(estimate: int, ratio: float, rounding_yuan: int = 100) -> int:
    """A bid price: the ratio of the estimate, rounded to `rounding_yuan` as bidders do."""
    step = rounding_yuan * YUAN
    return max(step, int(estimate * ratio) // step * step)
