"""Bid-rigging price screens per lot, recomputed from the raw bids (grouped, vectorised).

With a lot's bids sorted b1 ≤ … ≤ bn, mean m and sample standard deviation s (ddof 1):

========  ====================================================  ==========
screen    formula                                               needs
========  ====================================================  ==========
CV        s / m                                                 n ≥ 2
SPD       (bn − b1) / b1                                        n ≥ 2
DIFFP     (b2 − b1) / b1                                        n ≥ 2
RD        (b2 − b1) / s(b2 … bn)                                n ≥ 3
RDNOR     (n − 1)(b2 − b1) / (bn − b1)                          n ≥ 2
SKEW      unbiased sample skewness G1                           n ≥ 3
KURT      unbiased sample excess kurtosis G2                    n ≥ 4
KSTEST    Kolmogorov–Smirnov distance from uniform on [b1, bn]  n ≥ 2
========  ====================================================  ==========

(Huber & Imhof 2019; Imhof, Karagök & Rutz 2018; García Rodríguez et al. 2022.) A screen
whose denominator is zero (all bids equal, a zero lowest bid) is null, never NaN or
infinity. Computation is in float64; prices stay integer fen in the frames.
"""

from __future__ import annotations

import polars as pl

SCREENS = ("CV", "SPD", "DIFFP", "RD", "RDNOR", "KURT", "SKEW", "KSTEST")


def _finite(expr: pl.Expr, name: str) -> pl.Expr:
    return pl.when(expr.is_finite()).then(expr).otherwise(None).alias(name)


def compute_screens(prices: pl.DataFrame, group: str = "lot_id", price: str = "price") -> pl.DataFrame:
    """Screens per ``group`` from a frame of one price per row (nulls are dropped).

    Returns one row per group with ``n`` (number of bids), ``lowest``, ``highest`` and the
    columns named in `SCREENS`.
    """
    x = pl.col("x")
    data = (
        prices.select(pl.col(group), pl.col(price).cast(pl.Float64).alias("x"))
        .drop_nulls()
        .sort([group, "x"])
        .with_columns(
            pl.int_range(pl.len()).over(group).alias("i"),
            pl.len().over(group).alias("n"),
            x.mean().over(group).alias("mean"),
            x.first().over(group).alias("b1"),
            x.last().over(group).alias("bn"),
        )
        .with_columns(
            (x - pl.col("mean")).alias("d"),
            ((x - pl.col("b1")) / (pl.col("bn") - pl.col("b1"))).alias("u"),
        )
        .with_columns(
            pl.max_horizontal(
                (pl.col("i") + 1) / pl.col("n") - pl.col("u"),
                pl.col("u") - pl.col("i") / pl.col("n"),
            ).alias("ks")
        )
    )
    agg = data.group_by(group).agg(
        pl.len().alias("n"),
        pl.col("mean").first(),
        pl.col("b1").first().alias("lowest"),
        pl.col("bn").first().alias("highest"),
        x.filter(pl.col("i") == 1).first().alias("b2"),
        x.std(ddof=1).alias("s"),
        x.filter(pl.col("i") >= 1).std(ddof=1).alias("s_losers"),
        (pl.col("d") ** 2).mean().alias("m2"),
        (pl.col("d") ** 3).mean().alias("m3"),
        (pl.col("d") ** 4).mean().alias("m4"),
        pl.col("ks").max().alias("ks"),
    )
    n = pl.col("n").cast(pl.Float64)
    b1, b2, bn = pl.col("lowest"), pl.col("b2"), pl.col("highest")
    m2, m3, m4 = pl.col("m2"), pl.col("m3"), pl.col("m4")
    has2 = pl.col("n") >= 2
    skew = (n * (n - 1)).sqrt() / (n - 2) * m3 / m2.pow(1.5)
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / (m2 * m2) - 3 * (n - 1))
    return agg.select(
        pl.col(group),
        pl.col("n").cast(pl.Int64),
        pl.col("lowest"),
        pl.col("highest"),
        _finite(pl.when(has2).then(pl.col("s") / pl.col("mean")), "CV"),
        _finite(pl.when(has2).then((bn - b1) / b1), "SPD"),
        _finite(pl.when(has2).then((b2 - b1) / b1), "DIFFP"),
        _finite(pl.when(pl.col("n") >= 3).then((b2 - b1) / pl.col("s_losers")), "RD"),
        _finite(pl.when(has2).then((n - 1) * (b2 - b1) / (bn - b1)), "RDNOR"),
        _finite(pl.when(pl.col("n") >= 4).then(kurt), "KURT"),
        _finite(pl.when(pl.col("n") >= 3).then(skew), "SKEW"),
        _finite(pl.when(has2).then(pl.col("ks")), "KSTEST"),
    )


def lot_screens(bids: pl.DataFrame) -> pl.DataFrame:
    """Screens per lot from the ``bids`` frame: valid bids with a price, one row per bid.

    A joint bid (several rows sharing a bid id) counts once.
    """
    prices = (
        bids.filter((pl.col("status") == "valid") & pl.col("price_fen").is_not_null())
        .unique(subset=["bid_id"], keep="first")
        .select("lot_id", pl.col("price_fen").alias("price"))
    )
    return compute_screens(prices, group="lot_id", price="price")
