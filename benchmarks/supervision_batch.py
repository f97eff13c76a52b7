"""Time the whole batch of supervision indicators on synthetic history.

Generates 100,000 lots and 1,000,000 bids (with awards, disqualifications, late bids, joint
bids and a few planted cartels) and the collusion frames the Regs 40 / Regs 34 indicators
read — per bid a compiling fingerprint, upload address, representative, project manager and
key staff, a technical proposal of about 150 characters composed from a stock of phrases with
the bidder's own figures, four bill-of-quantities lines and a deposit; the registry of parties,
persons and shareholders — with the planted cartel lots showing the Regs 40 signs (one machine,
copied proposals and unit prices, one paying account). Runs `jianzheng.supervision.run_batch`
with every registered indicator and prints the seconds per indicator, the alerts per indicator
and the peak resident memory (resource.getrusage). The generator runs in a child process and hands the frames over as
Parquet, so the peak memory printed is the batch's own. Goal: under 60 s and under 4 GB.

Run: ``.venv/bin/python benchmarks/supervision_batch.py [--lots 100000] [--bids 1000000]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from jianzheng.supervision import Frames, all_indicators, run_batch
from jianzheng.supervision.frames import (
    ALL_SCHEMAS,
    AWARDS_SCHEMA,
    BIDS_SCHEMA,
    LOTS_SCHEMA,
    OPTIONAL_SCHEMAS,
    PARTIES_SCHEMA,
)

STOCK = (
    "本工程划分为{}个施工段，按先地下后地上、先结构后装饰的原则组织流水施工。",
    "项目部设项目经理一名，技术负责人一名，下设{}个职能部门。",
    "土方开挖采用反铲挖掘机{}台配合自卸汽车外运，人工修整边坡。",
    "混凝土浇筑后{}小时内覆盖洒水养护，养护时间不少于十四天。",
    "设专职安全员{}名，每日开展班前安全教育并做好记录。",
    "施工现场围挡高度不低于{}米，出入口设洗车平台和沉淀池。",
    "计划工期{}日历天，关键线路为基础、主体结构和屋面工程。",
    "雨季施工备足抽水设备{}台，确保基坑不积水。",
    "钢筋在加工棚集中制作，直径{}毫米以上采用直螺纹机械连接。",
    "原材料进场实行见证取样送检，不合格材料一律清退出场，抽检比例百分之{}。",
)


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
    frames = Frames(lots=lots, bids=bids, awards=awards, parties=parties)
    return with_collusion_frames(frames, rng, bidder, bid_lot, cartel, n_bidders)


def with_collusion_frames(
    frames: Frames, rng: np.random.Generator, bidder: np.ndarray, bid_lot: np.ndarray, cartel: np.ndarray,
    n_bidders: int,
) -> Frames:
    """The registry and per-bid collusion frames; on cartel lots the first three bids are one ring's.

    Strings are built by polars from integer columns (no numpy unicode arrays, no Python lists),
    so a million bids cost little more than their text.
    """
    n_bids = bidder.size
    # The first bid of each lot: bids are sorted by lot, so a lot's bids are one run.
    first = np.searchsorted(bid_lot, bid_lot, side="left")
    ring = cartel[bid_lot] & (np.arange(n_bids) - first < 3)
    copy_of = np.where(ring, first, np.arange(n_bids))  # whose machine, text, prices a bid carries
    picks = np.argsort(rng.random((n_bids, len(STOCK))), axis=1)[:, :4][copy_of]
    figures = rng.integers(2, 400, (n_bids, 4))[copy_of]
    shares = np.array([0.2, 0.15, 0.3, 0.25])
    price = frames.bids["price_fen"].to_numpy()
    unit = (price[:, None] * shares[None, :] * rng.uniform(0.9, 1.1, (n_bids, 4)) / 1_000_000).astype(np.int64)
    unit = unit[copy_of]
    base = pl.DataFrame(
        {
            "bid_id": frames.bids["bid_id"],
            "lot_id": frames.bids["lot_id"],
            "bidder_id": frames.bids["bidder_id"],
            "bidder": bidder,
            "source": bidder[copy_of],
            "ring": ring,
            "computer": rng.integers(0, 2, n_bids),
            "home": rng.random(n_bids) < 0.1,
            "home_a": rng.integers(0, 256, n_bids),
            "home_b": rng.integers(1, 255, n_bids),
            "event_seq": frames.bids["event_seq"],
            "opened_seq": (bid_lot * 20 + 19).astype(np.int64),
            **{f"pick{k}": picks[:, k] for k in range(4)},
            **{f"figure{k}": figures[:, k] for k in range(4)},
            **{f"unit{k}": unit[:, k] for k in range(4)},
        }
    ).with_columns(pl.lit(1, dtype=pl.Int64).alias("round"))
    heads = [t.split("{}")[0] for t in STOCK]
    tails = [t.split("{}")[1] for t in STOCK]
    sentence = [
        pl.concat_str(
            pl.col(f"pick{k}").replace_strict(dict(enumerate(heads)), return_dtype=pl.String),
            pl.col(f"figure{k}").cast(pl.String),
            pl.col(f"pick{k}").replace_strict(dict(enumerate(tails)), return_dtype=pl.String),
        )
        for k in range(4)
    ]
    machine = pl.col("source") * 2 + pl.col("computer")
    details = base.select(
        "bid_id",
        "lot_id",
        "round",
        "bidder_id",
        pl.when(pl.col("home") & ~pl.col("ring"))
        .then(pl.format("172.16.{}.{}", "home_a", "home_b"))
        .otherwise(pl.format("10.{}.{}.1", pl.col("source") // 256, pl.col("source") % 256))
        .alias("source_ip"),
        pl.format("MC{}-{}", "source", "computer").alias("machine_code"),
        pl.format("00-1A-{}", machine.cast(pl.String).str.zfill(8)).alias("mac"),
        pl.format("BFEBFBFF{}", machine).alias("cpu_id"),
        pl.format("WD-{}", machine).alias("disk_serial"),
        pl.format("职员{}", "source").alias("author"),
        pl.lit("投标文件编制工具 3.2").alias("tool"),
        pl.format("K{}", "bidder").alias("rep_person_id"),
        pl.format("职员{}", "bidder").alias("rep_name"),
        pl.format("139{}", pl.col("bidder").cast(pl.String).str.zfill(8)).alias("rep_phone"),
        pl.format("k{}@example.cn", "bidder").alias("rep_email"),
        pl.concat_str(pl.format("第{}建设有限公司技术标。", "bidder"), *sentence).alias("technical_proposal"),
        pl.lit(["投标文件.pdf"], dtype=pl.List(pl.String())).alias("document_names"),
        pl.lit(None, dtype=pl.String()).alias("document_text"),
        "event_seq",
        "opened_seq",
    ).cast(ALL_SCHEMAS["bid_details"])  # type: ignore[arg-type]
    keys = ["bid_id", "lot_id", "round", "bidder_id", "event_seq", "opened_seq"]
    staff = pl.concat(
        [
            base.select(*keys, pl.format("M{}", "bidder").alias("person_id"), pl.lit("project_manager").alias("role")),
            base.select(
                *keys,
                pl.format("S{}", pl.when("ring").then(pl.col("source")).otherwise(pl.col("bidder"))).alias("person_id"),
                pl.lit("key_staff").alias("role"),
            ),
        ]
    ).select(list(ALL_SCHEMAS["bid_staff"]))
    boq = pl.concat(
        [
            base.select(
                *keys,
                pl.lit(code).alias("code"),
                pl.lit(f"清单项{k}").alias("name"),
                pl.lit("m3").alias("unit"),
                pl.col(f"unit{k}").alias("unit_price_fen"),
            )
            for k, code in enumerate(("040101", "040102", "040201", "040202"))
        ]
    ).select(list(ALL_SCHEMAS["boq_lines"]))
    deposits = base.select(
        pl.format("D{}", pl.int_range(pl.len())).alias("deposit_id"),
        "lot_id",
        "round",
        "bidder_id",
        pl.lit(10_000_000, dtype=pl.Int64).alias("amount_fen"),
        pl.format("6222{}", pl.col("source").cast(pl.String).str.zfill(12)).alias("paying_account"),
        pl.lit("中国建设银行").alias("paying_bank"),
        (pl.col("source") == pl.col("bidder")).alias("from_basic_account"),
        frames.bids["submitted_at"].alias("paid_at"),
        (pl.col("event_seq") - 1).alias("event_seq"),
    ).cast(ALL_SCHEMAS["deposits"])  # type: ignore[arg-type]
    ids = pl.DataFrame({"n": np.arange(n_bidders)})
    # Registry: one legal representative each, except pairs of sister companies sharing one.
    parties = ids.select(
        pl.format("C{}", "n").alias("party_id"),
        pl.format("第{}建设有限公司", "n").alias("name"),
        pl.lit("bidder").alias("kind"),
        pl.format("9153{}", pl.col("n").cast(pl.String).str.zfill(14)).alias("credit_code"),
        pl.format("H{}", pl.when(pl.col("n") % 500 == 1).then(pl.col("n") - 1).otherwise("n")).alias(
            "legal_representative_id"
        ),
        pl.format("昆明市{}号", "n").alias("address"),
        pl.concat_list(pl.format("0871-{}", pl.col("n").cast(pl.String).str.zfill(8))).alias("phones"),
        pl.format("c{}@example.cn", "n").alias("email"),
        pl.format("6222{}", pl.col("n").cast(pl.String).str.zfill(12)).alias("basic_account"),
        pl.col("n").cast(pl.Int64).alias("event_seq"),
    ).cast({**ALL_SCHEMAS["parties"], **OPTIONAL_SCHEMAS["parties"]})  # type: ignore[arg-type]
    persons = pl.concat(
        [
            ids.select(
                pl.format(f"{prefix}{{}}", "n").alias("person_id"),
                pl.format(f"{prefix}{{}}", "n").alias("name"),
                pl.format("C{}", "n").alias("employer_id"),
                pl.format("138{}", pl.col("n").cast(pl.String).str.zfill(8)).alias("phone"),
                pl.lit(None, dtype=pl.String()).alias("email"),
                pl.col("n").cast(pl.Int64).alias("event_seq"),
            )
            for prefix in ("H", "K", "M", "S")
        ]
    )
    shareholders = ids.select(
        pl.format("C{}", "n").alias("party_id"),
        pl.format("H{}", "n").alias("holder_id"),
        pl.format("H{}", "n").alias("holder_name"),
        pl.lit(10_000, dtype=pl.Int64).alias("share_bp"),
        pl.col("n").cast(pl.Int64).alias("event_seq"),
    )
    return Frames(
        lots=frames.lots, bids=frames.bids, awards=frames.awards, parties=parties, bid_details=details,
        bid_staff=staff, boq_lines=boq, deposits=deposits, persons=persons, shareholders=shareholders,
    )


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_lots: int, n_bids: int, folder: Path) -> None:
    """Generate the frames and write them as Parquet (run in a child process: its memory is its own)."""
    t0 = time.perf_counter()
    frames = synthetic_frames(n_lots, n_bids)
    for name, frame in frames.parts().items():
        frame.write_parquet(folder / f"{name}.parquet")
    print(
        f"generated {frames.lots.height:,} lots, {frames.bids.height:,} bids, "
        f"{frames.awards.height:,} awards, {frames.bid_details.height:,} bid details, "
        f"{frames.boq_lines.height:,} bill lines, {frames.deposits.height:,} deposits in "
        f"{time.perf_counter() - t0:.1f} s (generator peak {peak_mb():,.0f} MB)",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--bids", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        child = multiprocessing.get_context("spawn").Process(target=generate, args=(args.lots, args.bids, folder))
        child.start()
        child.join()
        if child.exitcode != 0:
            print(f"generation failed (exit {child.exitcode})")
            return 1
        t0 = time.perf_counter()
        frames = Frames(**{name: pl.read_parquet(folder / f"{name}.parquet") for name in ALL_SCHEMAS})
    print(f"loaded the frames in {time.perf_counter() - t0:.1f} s (peak {peak_mb():,.0f} MB)")
    codes = list(all_indicators())
    timings: dict[str, tuple[float, float]] = {}
    last: list[Any] = [time.perf_counter(), time.process_time(), ""]

    def progress(code: str, done: int, total: int) -> None:
        now, cpu_now = time.perf_counter(), time.process_time()
        if last[2]:
            timings[str(last[2])] = (now - last[0], cpu_now - last[1])
        last[0], last[1], last[2] = now, cpu_now, code

    cpu = time.process_time()
    t2 = time.perf_counter()
    alerts = run_batch(frames, indicators=codes, progress=progress)
    t3 = time.perf_counter()
    for code, (seconds, cpu_seconds) in timings.items():
        print(f"  {code:<18} {seconds:6.2f} s   CPU {cpu_seconds:6.2f} s")
    print(f"batch: {len(codes)} indicators, {len(alerts):,} alerts in {t3 - t2:.1f} s "
          f"(CPU {time.process_time() - cpu:.1f} s on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})")
    print(
        "alerts per indicator: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(Counter(a.indicator for a in alerts).items()))
    )
    print(f"peak resident memory {peak_mb():,.0f} MB (frames and batch; the generator ran in its own process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
