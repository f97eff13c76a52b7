"""Bid prices with regular differences (投标报价呈规律性差异), Regs 40(4).

Prices set by one hand tend to follow a rule: equal steps (an arithmetic progression 980万,
990万, 1000万), equal ratios (a geometric progression, each bid 2% above the last), or one
bidder always a fixed ratio above another. Independent bidders do not land on such rules
except by chance, and chance is bounded by asking for exactness (steps equal to within
``tolerance_fen``) and for enough terms (``min_terms``, ``min_lots``).

* **Progressions** within a tender: for every two priced bids a < b, the third term of an
  arithmetic (2b − a) or geometric (b² / a) progression is looked up among the tender's
  other bids (an as-of join with the tolerance); triples that continue each other are
  merged into longer progressions. A progression counts only when the tender's prices
  would show one of its length by chance less than ``max_chance`` times
  (`chance_progressions`): many bids rounded to the hundred yuan form a three-term
  progression now and then, a ring's exact steps stand out.
* **Constant ratio** across tenders: for every pair of bidders, the ratio of their prices
  in each tender they both priced; a pair whose ratio repeats (to within ``ratio_tolerance``,
  relative) in at least ``min_lots`` tenders is flagged. Equal prices (ratio 1) are R028's
  business and are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

TENDER = ("lot_id", "round")


@dataclass(frozen=True)
class PriceParams:
    min_terms: int = 3
    tolerance_fen: int = 100
    min_step_fen: int = 10_000
    min_lots: int = 3
    ratio_tolerance: float = 0.0001
    max_chance: float = 0.01


def price_grid(prices: list[int]) -> int:
    """The coarsest power of ten (in fen) that divides every price: bidders round, and rounding makes
    coincidences likelier (prices to the hundred yuan fall on a grid a hundred times coarser)."""
    grid = 1
    while grid < 10**12 and all(p % (grid * 10) == 0 for p in prices):
        grid *= 10
    return grid


def grid_expr(column: str) -> pl.Expr:
    """`price_grid` of one price per row, vectorised."""
    grid = pl.lit(1, dtype=pl.Int64)
    for power in range(1, 13):
        step = 10**power
        grid = pl.when(pl.col(column) % step == 0).then(pl.lit(step, dtype=pl.Int64)).otherwise(grid)
    return grid


def chance_progressions(prices: list[int], terms: list[int], kind: str, tolerance_fen: int) -> float:
    """Expected number of progressions like this one a tender's prices would show by chance.

    With n prices spread over a range R, a pair (a, b) has the next term of its progression
    hit by one of the other n − 2 bids with probability about (n − 2)·w / R, where w is the
    width a hit may fall in: 2·slack + g, with g the grid of the terms (`price_grid`) and
    slack = max(tolerance, 2g), the rounding a term may carry.
    There are n(n − 1)/2 pairs and two kinds (arithmetic, geometric); each further term
    multiplies by about (n − 3)·w / R. An arithmetic progression whose step is rounder than
    its terms (terms to the hundred yuan, step to the thousand) is that much less likely.
    """
    n = len(prices)
    span = max(prices) - min(prices) if prices else 0
    if n < 3 or span <= 0 or len(terms) < 3:
        return float("inf")
    grid = price_grid(terms)
    slack = max(tolerance_fen, 2 * grid)
    hit = (2 * slack + grid) / span
    expected = 2 * n * (n - 1) / 2 * (n - 2) * hit * ((n - 3) * hit) ** (len(terms) - 3)
    if kind == "arithmetic":
        steps = [terms[i + 1] - terms[i] for i in range(len(terms) - 1)]
        expected *= grid / price_grid(steps)
    return float(expected)


@dataclass(frozen=True)
class PricedPairs:
    """A tender's priced bids, integer-encoded, and every pair of them (a below b).

    A million bids make a few million pairs: they are built once, on integer codes (tender,
    bid row, bidder rank), and both searches read them.
    """

    priced: pl.DataFrame  # lot_id, round, bid_id, bidder_id, price_fen, event_seq, opened_seq, i, t, who, grid
    pairs: pl.DataFrame  # t, i, who, price_fen, grid, i_b, who_b, price_fen_b, grid_b


def priced_pairs(prices: pl.DataFrame) -> PricedPairs:
    priced = (
        prices.filter(pl.col("price_fen") > 0)
        .sort([*TENDER, "price_fen", "bid_id"])
        .with_row_index("i")
        .with_columns(
            pl.col("i").cast(pl.Int64),
            pl.struct(list(TENDER)).rank("dense").cast(pl.Int64).alias("t"),
            pl.col("bidder_id").rank("dense").cast(pl.Int64).alias("who"),
            grid_expr("price_fen").alias("grid"),
        )
    )
    codes = priced.select("t", "i", "who", "price_fen", "grid")
    pairs = codes.join(codes, on="t", how="inner", suffix="_b").filter(
        (pl.col("i") < pl.col("i_b")) & (pl.col("who") != pl.col("who_b"))
    )
    return PricedPairs(priced, pairs)


def progressions(data: PricedPairs, params: PriceParams) -> list[dict[str, Any]]:
    """Arithmetic and geometric progressions among a tender's bids.

    Returns one dict per progression: lot_id, round, kind (``arithmetic`` / ``geometric``),
    the terms (rows of the priced bids) in price order, steps, ratios, the chance expectation
    and the terms' price grid.
    """
    priced = data.priced
    if priced.height < params.min_terms:
        return []
    step = pl.col("price_fen_b") - pl.col("price_fen")
    pairs = data.pairs.lazy().filter((pl.col("price_fen") < pl.col("price_fen_b")) & (step >= params.min_step_fen))
    a, b = pl.col("price_fen").cast(pl.Float64), pl.col("price_fen_b").cast(pl.Float64)
    expected = {
        "arithmetic": (2 * pl.col("price_fen_b") - pl.col("price_fen")),
        "geometric": (b * b / a).round(0).cast(pl.Int64),
    }
    # Rounded terms miss the exact next term by up to two grid steps (each of a, b, c is off by
    # half a step): the slack grows with the terms' rounding, judged once c is known. The third
    # term is looked up by an equi-join on (tender, price bucket) and the neighbouring buckets,
    # each tender's buckets as wide as its widest slack, then held to the pair's own slack.
    widths = priced.group_by("t").agg(
        pl.max_horizontal(pl.lit(params.tolerance_fen), 2 * pl.col("grid").max()).alias("width")
    )
    priced_w = priced.join(widths, on="t")
    pairs = pairs.with_columns(pl.min_horizontal("grid", "grid_b").alias("grid")).join(widths.lazy(), on="t")
    lookup = priced_w.lazy().select(
        "t",
        (pl.col("price_fen") // pl.col("width")).alias("bucket"),
        pl.col("i").alias("i_c"),
        pl.col("who").alias("who_c"),
        pl.col("price_fen").alias("price_fen_c"),
        pl.col("grid").alias("grid_c"),
    )
    triples: list[tuple[str, int, int, int]] = []
    for kind, third in expected.items():
        wanted = pairs.select("t", "i", "i_b", "who", "who_b", "price_fen_b", "grid", "width",
                              third.alias("expected"))
        found = (
            pl.concat(
                [
                    wanted.with_columns((pl.col("expected") // pl.col("width") + shift).alias("bucket")).join(
                        lookup, on=["t", "bucket"], how="inner"
                    )
                    for shift in (-1, 0, 1)
                ]
            )
            .filter(
                ((pl.col("price_fen_c") - pl.col("expected")).abs()
                 <= pl.max_horizontal(pl.lit(params.tolerance_fen), 2 * pl.min_horizontal("grid", "grid_c")))
                & (pl.col("price_fen_c") > pl.col("price_fen_b"))
                & (pl.col("who_c") != pl.col("who"))
                & (pl.col("who_c") != pl.col("who_b"))
            )
            # The nearest third term of each pair, as a sorted search would give.
            .sort([(pl.col("price_fen_c") - pl.col("expected")).abs(), "i_c"])
            .unique(subset=["i", "i_b"], keep="first", maintain_order=True)
            .collect()
        )
        triples.extend((kind, i, j, k) for i, j, k in found.select("i", "i_b", "i_c").iter_rows())
    return _merge(triples, priced, params)


def _merge(triples: list[tuple[str, int, int, int]], priced: pl.DataFrame,
           params: PriceParams) -> list[dict[str, Any]]:
    """Join triples (a, b, c) and (b, c, d) of one kind into progressions a, b, c, d …"""
    if not triples:
        return []
    tenders = priced.filter(pl.col("i").is_in(sorted({t[1] for t in triples}))).select("t").unique()
    rows = priced.join(tenders, on="t", how="semi")
    facts = {r["i"]: r for r in rows.iter_rows(named=True)}
    chains: dict[tuple[int, str], list[list[int]]] = {}
    for kind, i, j, k in sorted(triples, key=lambda t: (facts[t[1]]["t"], t[0], facts[t[1]]["price_fen"], t[1:])):
        key = (facts[i]["t"], kind)
        for chain in chains.setdefault(key, []):
            if chain[-2:] == [i, j]:
                chain.append(k)
                break
        else:
            chains[key].append([i, j, k])
    by_tender: dict[int, list[int]] = {}
    for row in facts.values():
        by_tender.setdefault(row["t"], []).append(int(row["price_fen"]))
    result = []
    for (tender, kind), found in sorted(chains.items()):
        # A chain wholly inside a longer one of the same kind adds nothing.
        found = [c for c in found if not any(set(c) < set(o) for o in found if o is not c)]
        for chain in found:
            if len(chain) < params.min_terms:
                continue
            terms = [facts[i] for i in chain]
            values = [int(t["price_fen"]) for t in terms]
            chance = chance_progressions(by_tender[tender], values, kind, params.tolerance_fen)
            # A coarse price grid and many bids make a progression likely by chance: not evidence.
            if chance > params.max_chance:
                continue
            result.append(
                {
                    "lot_id": terms[0]["lot_id"],
                    "round": terms[0]["round"],
                    "kind": kind,
                    "terms": terms,
                    "steps_fen": [values[i + 1] - values[i] for i in range(len(values) - 1)],
                    "ratios": [values[i + 1] / values[i] for i in range(len(values) - 1)],
                    "expected_by_chance": chance,
                    "price_grid_fen": price_grid(values),
                }
            )
    return sorted(result, key=lambda r: (r["lot_id"], r["round"], r["kind"], r["terms"][0]["price_fen"]))


def constant_ratios(data: PricedPairs, params: PriceParams) -> list[dict[str, Any]]:
    """Pairs of bidders whose price ratio repeats across at least ``min_lots`` tenders.

    Each pair is oriented by bidder (the earlier bidder id first), the ratio is the second's
    price over the first's.
    """
    # Lazy: polars keeps only the columns each step needs, not a copy of every pair per step.
    pairs = (
        data.pairs.lazy()
        .select(
            "t",
            pl.when(pl.col("who") < pl.col("who_b")).then(pl.col("i")).otherwise(pl.col("i_b")).alias("i"),
            pl.when(pl.col("who") < pl.col("who_b")).then(pl.col("i_b")).otherwise(pl.col("i")).alias("i_b"),
            pl.min_horizontal("who", "who_b").alias("who"),
            pl.max_horizontal("who", "who_b").alias("who_b"),
            pl.when(pl.col("who") < pl.col("who_b"))
            .then(pl.col("price_fen_b").cast(pl.Float64) / pl.col("price_fen").cast(pl.Float64))
            .otherwise(pl.col("price_fen").cast(pl.Float64) / pl.col("price_fen_b").cast(pl.Float64))
            .alias("ratio"),
        )
        .filter((pl.col("ratio") - 1.0).abs() > params.ratio_tolerance)
    )
    # Ratios within the tolerance of each other fall in one bucket of width log(1 + tolerance) or
    # in two neighbouring ones; a pair that cannot fill min_lots in any two neighbours is out.
    # Only the few pairs left are checked exactly.
    pair = ["who", "who_b"]
    # Most pairs of bidders meet once or twice: only pairs that met in min_lots tenders go on.
    met = pairs.group_by(pair).agg(pl.len().alias("n")).filter(pl.col("n") >= params.min_lots).select(pair)
    pairs = pairs.join(met, on=pair, how="semi")
    width = math.log1p(params.ratio_tolerance)
    buckets = (
        pairs.select(*pair, (pl.col("ratio").log() / width).floor().cast(pl.Int64).alias("bucket"))
        .group_by([*pair, "bucket"])
        .agg(pl.len().alias("n"))
        .collect()
    )
    neighbours = buckets.join(
        buckets.with_columns(pl.col("bucket") - 1).rename({"n": "next"}), on=[*pair, "bucket"], how="left"
    )
    often = neighbours.filter(pl.col("n") + pl.col("next").fill_null(0) >= params.min_lots).select(pair).unique()
    if often.height == 0:
        return []
    candidates = pairs.join(often.lazy(), on=pair, how="semi").collect()
    cols = ["i", "lot_id", "round", "bid_id", "bidder_id", "price_fen", "event_seq", "opened_seq"]
    facts = data.priced.select(cols)
    detail = candidates.join(facts, on="i").join(facts.rename({c: f"{c}_b" for c in cols}), on="i_b")
    found = []
    for (_, _), part in detail.sort(["who", "who_b", "ratio", "lot_id", "round"]).group_by(pair, maintain_order=True):
        rows = list(part.iter_rows(named=True))
        best: list[dict[str, Any]] = []
        lo = 0
        # Sliding window over the sorted ratios: the largest set within the relative tolerance.
        for hi in range(len(rows)):
            while rows[hi]["ratio"] > rows[lo]["ratio"] * (1.0 + params.ratio_tolerance):
                lo += 1
            window = rows[lo : hi + 1]
            if len({r["lot_id"] for r in window}) > len({r["lot_id"] for r in best}):
                best = window
        if len({r["lot_id"] for r in best}) >= params.min_lots:
            ordered = sorted(best, key=lambda r: (r["lot_id"], r["round"]))
            found.append({"bidder_id": ordered[0]["bidder_id"], "bidder_id_b": ordered[0]["bidder_id_b"],
                          "rows": ordered})
    return found
