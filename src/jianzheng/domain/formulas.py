"""Price scoring formulas of the evaluation methods, exact to the centipoint.

Every formula works on integer fen and answers integer centipoints (1/100 point), rounded
half up only at the end, so the same inputs give the same score on every machine and a
bidder can recompute its score by hand:

* benchmark price method (基准价法, usual in construction tenders): the benchmark is the
  mean of the valid prices — optionally without the highest and the lowest once there are
  enough bids — times (1 − K); a price loses a configured number of points for each
  percent it lies above the benchmark and another number for each percent below;
* low-price method of government procurement (财政部令第87号第五十五条): the price score is
  the lowest valid price divided by the bid's price, times the price weight;
* abnormally low prices (低于成本的嫌疑): below the mean of the valid prices less a
  configured percentage, a price must be explained by the bidder before it can stand.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def to_centipoints(value: Decimal) -> int:
    """Round a score half up to whole centipoints (never below zero)."""
    return max(0, int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def benchmark_prices(prices: Sequence[int], drop_extremes: bool, drop_min_bids: int) -> list[int]:
    """The prices the benchmark averages: all, or without one highest and one lowest price."""
    ordered = sorted(prices)
    if drop_extremes and len(ordered) >= max(drop_min_bids, 3):
        return ordered[1:-1]
    return ordered


def benchmark_price(prices: Sequence[int], k_percent: Decimal, drop_extremes: bool = False,
                    drop_min_bids: int = 5) -> Decimal:
    """Benchmark = mean of the (trimmed) valid prices × (1 − K%), in fen, exact."""
    if not prices:
        raise ValueError("no valid prices")
    used = benchmark_prices(prices, drop_extremes, drop_min_bids)
    mean = Decimal(sum(used)) / Decimal(len(used))
    return mean * (1 - k_percent / HUNDRED)


def benchmark_score(price_fen: int, benchmark: Decimal, max_points: int, above_per_percent: int,
                    below_per_percent: int) -> int:
    """Points for a price against the benchmark.

    The deviation is (price − benchmark) / benchmark in percent; above the benchmark each
    percent costs `above_per_percent` centipoints, below it `below_per_percent`; the score
    never goes below zero nor above `max_points`.
    """
    if benchmark <= 0:
        raise ValueError("the benchmark must be positive")
    deviation = (Decimal(price_fen) - benchmark) / benchmark * HUNDRED
    lost = deviation * above_per_percent if deviation > 0 else -deviation * below_per_percent
    return min(max_points, to_centipoints(Decimal(max_points) - lost))


def low_price_score(price_fen: int, lowest_fen: int, max_points: int) -> int:
    """MOF Order 87 Art. 55: price score = lowest valid price / price × price weight."""
    if price_fen <= 0 or lowest_fen <= 0:
        raise ValueError("prices must be positive")
    return min(max_points, to_centipoints(Decimal(lowest_fen) / Decimal(price_fen) * Decimal(max_points)))


def abnormal_low_threshold(prices: Sequence[int], percent: Decimal) -> Decimal:
    """Prices strictly below this (mean of the valid prices × (1 − percent%)) are abnormally low."""
    if not prices:
        raise ValueError("no valid prices")
    return Decimal(sum(prices)) / Decimal(len(prices)) * (1 - percent / HUNDRED)


def abnormally_low(prices: dict[str, int], percent: Decimal | None) -> list[str]:
    """The keys (bid ids) whose price is abnormally low among `prices`, sorted; none without a setting."""
    if percent is None or len(prices) < 2:
        return []
    threshold = abnormal_low_threshold(list(prices.values()), percent)
    return sorted(key for key, price in prices.items() if Decimal(price) < threshold)
