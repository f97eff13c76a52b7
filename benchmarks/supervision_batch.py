"""Time the whole batch of supervision indicators on synthetic history.

Generates 100,000 lots and 1,000,000 bids (with awards, disqualifications, late bids, joint
bids and a few planted cartels), runs `jianzheng.supervision.run_batch` with every
registered indicator, and prints the seconds per phase and the peak resident memory
(resource.getrusage). Goal: under 60 s and under 4 GB.

Run: ``.venv/bin/python benchmarks/supervision_batch.py [--lots 100000] [--bids 1000000]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import polars as pl

from jianzheng.supervision import Frames, all_indicators, run_batch
from jianzheng.supervision.frames import AWARDS_SCHEMA, BIDS_SCHEMA, LOTS_SCHEMA, PARTIES_SCHEMA


def synthetic_frames(n_lots: int, n_bids: int, seed: int = 7) -> Frames:
    rng = np.random.default_rng(seed)
    n_bidders = max(n_lots // 10, 50)
    n_tenderers = max(n_lots // 200, 10)
    lot_idx = np.arange(n_lots)
    lot_ids = np.char.add("L", lot_idx.astype(str))
    start = datetime(2023, 1, 1, tzinfo=UTC)
    start_us = int(start.timestamp() * 1_000_000)
    day_us = 86_400 * 1_000_000
    starts = start_us + rng.integers(0, 700, n_lots) * day_us
    periods = rng.choice([10, 20, 21, 25, 30], n_lots, p=[0.05, 0.5, 0.2, 0.15, 0.1])
    deadlines = starts + periods * day_us
    estimated = rng.integers(1_000_000, 500_000_000, n_lots) * 100
    lots = (
        pl.DataFrame(
            {
                "lot_id": lot_ids,
                "project_id": np.char.add("P", (lot_idx // 2).astype(str)),
                "title": np.char.add("标段 ", lot_idx.astype(str)),
                "category": rng.choice(["works", "goods", "services"], n_lots),
                "procurement_method": rng.choice(["open", "selective"], n_lots, p=[0.8, 0.2]),
                "estimated_price_fen": estimated,
                "currency": np.full(n_lots, "CNY"),
                "tender_start": starts,
                "bid_deadline": deadlines,
                "opened_at": deadlines,
                "awarded_at": deadlines + 7 * day_us,
                "tenderer_id": np.char.add("T", rng.integers(0, n_tenderers, n_lots).astype(str)),
                "agency_id": np.char.add("A", rng.integers(0, n_tenderers // 2, n_lots).astype(str)),
                "stage": rng.choice(["awarded", "cancelled"], n_lots, p=[0.98, 0.02]),
                "state_funded": rng.random(n_lots) < 0.6,
                "source": np.full(n_lots, "platform"),
                "event_seq": lot_idx * 20,
            }
        )
        .with_columns(
            [
                pl.col(c).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
                for c in ("tender_start", "bid_deadline", "opened_at", "awarded_at")
            ]
        )
        .cast(LOTS_SCHEMA)
    )  # type: ignore[arg-type]

    # Bids: every lot gets at least one, the rest spread at random.
    bid_lot = np.concatenate([lot_idx, rng.integers(0, n_lots, n_bids - n_lots)])
    bid_lot.sort()
    base = estimated[bid_lot] * rng.uniform(0.8, 1.0, n_bids)
    price = base * rng.normal(1.0, 0.06, n_bids)
    cartel = rng.random(n_lots) < 0.03  # planted: tight cover bids
    tight = cartel[bid_lot]
    price = np.where(tight, base * rng.normal(1.0, 0.004, n_bids), price)
    price_fen = np.round(price).astype(np.int64)
    status = rng.choice(
        ["valid", "disqualified", "withdrawn", "failed_decryption", "pending"],
        n_bids,
        p=[0.88, 0.08, 0.02, 0.01, 0.01],
    )
    bidder = rng.integers(0, n_bidders, n_bids)
    submitted = deadlines[bid_lot] - rng.integers(60, 5 * 86_400, n_bids) * 1_000_000
    late = rng.random(n_bids) < 0.001
    submitted = np.where(late, deadlines[bid_lot] + 3_600_000_000, submitted)
    bids = pl.DataFrame(
        {
            "bid_id": np.char.add("B", np.arange(n_bids).astype(str)),
            "lot_id": lot_ids[bid_lot],
            "bidder_id": np.char.add("C", bidder.astype(str)),
            "price_fen": price_fen,
            "submitted_at": submitted,
            "status": status,
            "rank": np.zeros(n_bids, dtype=np.int64),
            "winner": np.zeros(n_bids, dtype=bool),
            "event_seq": bid_lot * 20 + 1 + np.arange(n_bids) % 15,
        }
    ).with_columns(
        pl.col("submitted_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        pl.col("price_fen").rank("ordinal").over("lot_id").cast(pl.Int64).alias("rank"),
    )
    # Winner: the lowest valid bid of each lot.
    lowest = (
        bids.filter(pl.col("status") == "valid")
        .sort(["lot_id", "price_fen"])
        .group_by("lot_id", maintain_order=True)
        .first()
    )
    bids = bids.with_columns(pl.col("bid_id").is_in(lowest["bid_id"].implode()).alias("winner"))
    bids = bids.cast(BIDS_SCHEMA)  # type: ignore[arg-type]
    awards = lowest.select(
        "lot_id",
        "bidder_id",
        "price_fen",
        (pl.col("submitted_at") + pl.duration(days=10)).alias("awarded_at"),
        pl.lit("active").alias("status"),
        (pl.col("event_seq") + 100).alias("event_seq"),
    ).cast(AWARDS_SCHEMA)  # type: ignore[arg-type]
    parties = pl.DataFrame(
        {
            "party_id": np.char.add("C", np.arange(n_bidders).astype(str)),
            "name": np.char.add("公司", np.arange(n_bidders).astype(str)),
            "kind": np.full(n_bidders, "bidder"),
        }
    ).cast(PARTIES_SCHEMA)  # type: ignore[arg-type]
    return Frames(lots=lots, bids=bids, awards=awards, parties=parties)


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--bids", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    frames = synthetic_frames(args.lots, args.bids)
    t1 = time.perf_counter()
    print(
        f"generated {frames.lots.height:,} lots, {frames.bids.height:,} bids, "
        f"{frames.awards.height:,} awards in {t1 - t0:.1f} s (peak {peak_mb():,.0f} MB)"
    )
    codes = list(all_indicators())
    timings: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def progress(code: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last[1]:
            timings[str(last[1])] = now - float(last[0])
        last[0], last[1] = now, code

    t2 = time.perf_counter()
    alerts = run_batch(frames, indicators=codes, progress=progress)
    t3 = time.perf_counter()
    for code, seconds in timings.items():
        print(f"  {code:<14} {seconds:6.2f} s")
    print(f"batch: {len(codes)} indicators, {len(alerts):,} alerts in {t3 - t2:.1f} s")
    print(
        "alerts per indicator: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(Counter(a.indicator for a in alerts).items()))
    )
    print(f"peak resident memory {peak_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
