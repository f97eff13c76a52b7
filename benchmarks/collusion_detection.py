"""Detection quality of the collusion indicators (Regs 40, Regs 34) on a simulated year with planted cases.

Simulates a trading center's year with `jianzheng.simulate` (or reads one already simulated,
``--dir``), builds the supervision frames from its database exactly as `jianzheng analyze`
does, runs the REGS40-1 … REGS40-6 and REGS34 indicators, and scores their alerts against
the simulator's ground-truth labels with `jianzheng.simulate.scoring` (per kind: labels,
found, recall, cases, precision). Prints the table, the seconds per phase, and the cases
that missed or were false, so a threshold change can be judged. Goal: recall ≥ 0.95 at
precision ≥ 0.9 per kind.

Run: ``.venv/bin/python benchmarks/collusion_detection.py [--lots 300] [--seed 2026] [--dir DIR]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from jianzheng.adapters.blobs import FileBlobStore
from jianzheng.adapters.sql.database import make_engine, sqlite_url
from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.labels import LABELS_FILE, load_labels
from jianzheng.simulate.runner import simulate, simulation_settings
from jianzheng.simulate.scoring import Detection, default_mapping, matches, report, score
from jianzheng.supervision import run_batch

CODES = ("REGS40-1", "REGS40-2", "REGS40-3", "REGS40-4", "REGS40-5", "REGS40-6", "REGS34", "REGS39-NET")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=None, help="an already simulated data directory")
    parser.add_argument("--show", type=int, default=5, help="misses and false cases to print per kind")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.dir or Path(scratch) / "data"
        if args.dir is None:
            config = SimulationConfig(seed=args.seed) if args.lots == 300 else SimulationConfig.for_lots(
                args.lots, seed=args.seed)
            result = simulate(simulation_settings(directory), config)
            print(f"simulated {args.lots} lots, {result.events:,} events in {result.seconds:.1f} s")
        t0 = time.perf_counter()
        engine = make_engine(sqlite_url(directory))
        loaded = load_frames(engine, FileBlobStore(directory / "blobs"))
        engine.dispose()
        t1 = time.perf_counter()
        frames = loaded.frames
        print(f"frames: {frames.lots.height:,} lots, {frames.bids.height:,} bids, "
              f"{frames.bid_details['technical_proposal'].is_not_null().sum():,} opened proposals, "
              f"{len(loaded.notes)} notes, in {t1 - t0:.1f} s")
        alerts = run_batch(frames, indicators=list(CODES))
        t2 = time.perf_counter()
        print(f"indicators: {len(alerts):,} alerts in {t2 - t1:.1f} s")
        labels = load_labels(directory / LABELS_FILE)
        detections = [Detection(a.indicator, a.lot_ids, a.party_ids, a.person_ids) for a in alerts]
        # Which kinds each indicator detects (and confirms) is the simulator's data (indicator_kinds.json).
        mapping = {code: kinds for code, kinds in default_mapping().items() if code in CODES}
        scores = score(detections, labels, mapping)
        print("\n".join(report(scores)))
        for kind, s in scores.items():
            shown = [c for c in labels if c.case_id in s.missed][: args.show]
            for case in shown:
                print(f"  missed {kind}: {case.case_id} lots {list(case.lot_ids)} parties {list(case.party_ids)} "
                      f"{case.details}")
        for detection, alert in zip(detections, alerts, strict=True):
            kinds = mapping[detection.indicator].all if detection.indicator in mapping else ()
            if not any(matches(detection, c) for c in labels if c.kind in kinds):
                print(f"  false {alert.indicator} {alert.severity}: lots {list(alert.lot_ids)[:4]} "
                      f"parties {list(alert.party_ids)} {alert.explanation_en[:100]}")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
