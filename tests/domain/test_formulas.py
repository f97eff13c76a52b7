"""Each price formula against examples computed by hand (the arithmetic is written out beside each)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jianzheng.domain.formulas import (
    abnormal_low_threshold,
    abnormally_low,
    benchmark_price,
    benchmark_prices,
    benchmark_score,
    low_price_score,
)

# Five valid prices in fen: 90 000.00, 95 000.00, 100 000.00, 105 000.00 and 120 000.00 yuan.
PRICES = [9_000_000, 9_500_000, 10_000_000, 10_500_000, 12_000_000]


def test_benchmark_drops_the_extremes_only_with_enough_bids() -> None:
    assert benchmark_prices(PRICES, True, 5) == [9_500_000, 10_000_000, 10_500_000]
    assert benchmark_prices(PRICES, True, 6) == sorted(PRICES)  # 5 bids < 6 needed: all kept
    assert benchmark_prices(PRICES, False, 5) == sorted(PRICES)


def test_benchmark_price_is_the_trimmed_mean_times_one_minus_k() -> None:
    # (9.5 + 10.0 + 10.5) / 3 = 10.0 M fen; × (1 − 3%) = 9 700 000 fen
    assert benchmark_price(PRICES, Decimal(3), drop_extremes=True) == Decimal(9_700_000)
    # all five: 51.0 M / 5 = 10.2 M; × 0.97 = 9 894 000
    assert benchmark_price(PRICES, Decimal(3)) == Decimal(9_894_000)
    # K = 0: the plain mean
    assert benchmark_price(PRICES, Decimal(0)) == Decimal(10_200_000)


@pytest.mark.parametrize(("price", "expected", "arithmetic"), [
    (10_000_000, 2691, "+3.0928% → 3000 − 309.28 = 2690.72 → 2691"),
    (9_500_000, 2897, "−2.0619% → 3000 − 103.09 = 2896.91 → 2897"),
    (9_000_000, 2639, "−7.2165% → 3000 − 360.82 = 2639.18 → 2639"),
    (10_500_000, 2175, "+8.2474% → 3000 − 824.74 = 2175.26 → 2175"),
    (12_000_000, 629, "+23.7113% → 3000 − 2371.13 = 628.87 → 629"),
    (9_700_000, 3000, "at the benchmark: full marks"),
    (40_000_000, 0, "+312% → far below zero: never negative"),
])
def test_benchmark_score_loses_points_per_percent_above_and_below(price: int, expected: int, arithmetic: str) -> None:
    # 30 points (3000 centipoints); 1 point (100) per % above, 0.5 point (50) per % below; benchmark 9.7 M.
    assert benchmark_score(price, Decimal(9_700_000), 3000, 100, 50) == expected, arithmetic


@pytest.mark.parametrize(("price", "expected", "arithmetic"), [
    (9_000_000, 3000, "the lowest price gets the full weight"),
    (10_000_000, 2700, "9.0 / 10.0 × 3000 = 2700"),
    (9_500_000, 2842, "9.0 / 9.5 × 3000 = 2842.11 → 2842"),
    (10_500_000, 2571, "9.0 / 10.5 × 3000 = 2571.43 → 2571"),
    (12_000_000, 2250, "9.0 / 12.0 × 3000 = 2250"),
])
def test_low_price_method_of_mof_order_87(price: int, expected: int, arithmetic: str) -> None:
    assert low_price_score(price, 9_000_000, 3000) == expected, arithmetic


def test_low_price_rounds_half_up() -> None:
    assert low_price_score(8, 1, 100) == 13  # 1 / 8 × 100 = 12.5 → 13
    assert low_price_score(3, 1, 100) == 33  # 33.33… → 33


def test_abnormally_low_prices() -> None:
    # mean 10.2 M; 10% below it = 9.18 M: only 9.0 M lies under
    assert abnormal_low_threshold(PRICES, Decimal(10)) == Decimal(9_180_000)
    bids = {f"B{i}": p for i, p in enumerate(PRICES)}
    assert abnormally_low(bids, Decimal(10)) == ["B0"]
    assert abnormally_low(bids, Decimal(15)) == []  # 8.67 M: none
    assert abnormally_low(bids, None) == []  # not configured: none


def test_formulas_refuse_impossible_inputs() -> None:
    with pytest.raises(ValueError):
        benchmark_price([], Decimal(0))
    with pytest.raises(ValueError):
        benchmark_score(1, Decimal(0), 100, 1, 1)
    with pytest.raises(ValueError):
        low_price_score(0, 1, 100)
