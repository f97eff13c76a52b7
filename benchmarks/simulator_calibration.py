"""Calibration of the simulator's honest bids from the competitive tenders of the real cartel datasets.

Reads ../shared/data/cartels/ (García Rodríguez et al. 2022, see its README) and prints, per
dataset, the competitive tenders' (no collusive bidder) bid-to-estimate ratios, the
within-tender coefficient of variation (CV) and the spread of the estimates; then the
pooled figures that `jianzheng.simulate.calibration` embeds as constants.

The simulator models a ceiling regime (the Chinese 最高投标限价: bids above the control price
are rejected), so its ratios are pooled from the two datasets whose estimate is a ceiling:
Japan (Okinawa), competitive tenders of the post-amendment period, and Italy (road works,
bids expressed as a discount on the base price, ratio = 1 - discount/100). Brazil's
estimates are not ceilings (bids above them are common); it is printed for comparison only.
The CV model pools the same two datasets' competitive tenders with at least three bids.

Run: ``.venv/bin/python benchmarks/simulator_calibration.py``
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

CARTELS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cartels"
Row = dict[str, str]


def tenders(name: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    with (CARTELS / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            grouped[row["Tender"]].append(row)
    return grouped


def competitive(groups: dict[str, list[Row]], keep: Callable[[list[Row]], bool] = lambda rows: True,
                ) -> list[list[Row]]:
    return [rows for rows in groups.values()
            if keep(rows) and all(float(r["Collusive_competitor"] or 0) == 0 for r in rows)]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def cv(values: list[float]) -> float:
    return statistics.stdev(values) / statistics.mean(values)


def describe(label: str, ratios_by_tender: list[list[float]], estimates: list[float]) -> None:
    means = [statistics.mean(r) for r in ratios_by_tender]
    cvs = [cv(r) for r in ratios_by_tender if len(r) >= 3 and len(set(r)) > 1]
    flat = [x for r in ratios_by_tender for x in r]
    print(f"{label}: {len(ratios_by_tender)} competitive tenders, {len(flat)} bids")
    print(f"  bid/estimate  q10 {quantile(flat, .1):.3f}  median {quantile(flat, .5):.3f}  q90 {quantile(flat, .9):.3f}"
          f"  share above 1: {sum(x > 1 for x in flat) / len(flat):.1%}")
    print(f"  tender mean ratio median {statistics.median(means):.4f}, "
          f"sd of log {statistics.stdev(map(math.log, means)):.4f}")
    if cvs:
        print(f"  within-tender CV q25 {quantile(cvs, .25):.4f}  median {quantile(cvs, .5):.4f}  "
              f"q75 {quantile(cvs, .75):.4f}  sd of log {statistics.stdev(map(math.log, cvs)):.3f}")
    if estimates:
        logs = [math.log(e) for e in estimates if e > 0]
        print(f"  estimates: sd of log {statistics.stdev(logs):.3f}")


def main() -> int:
    if not CARTELS.is_dir():
        print(f"no data at {CARTELS}; nothing to calibrate", file=sys.stderr)
        return 1
    pte = "Pre-Tender Estimate (PTE)"
    japan = competitive(tenders("DB_Collusion_Japan_processed.csv"),
                        lambda rows: rows[0]["Period investigation by JFTC"] == "post-amendment")
    japan_ratios = [[float(r["Bid_value"]) / float(r[pte]) for r in rows] for rows in japan]
    italy = competitive(tenders("DB_Collusion_Italy_processed.csv"))
    italy_ratios = [[1 - float(r["Difference Bid/PTE"]) / 100 for r in rows] for rows in italy]
    brazil = competitive(tenders("DB_Collusion_Brazil_processed.csv"))
    brazil_ratios = [[float(r["Bid_value"]) / float(r[pte]) for r in rows] for rows in brazil]
    describe("Japan (Okinawa), post-amendment", japan_ratios, [float(rows[0][pte]) for rows in japan])
    describe("Italy (road works), discounts", italy_ratios, [float(rows[0][pte]) for rows in italy])
    describe("Brazil (Petrobras), not a ceiling - comparison only", brazil_ratios,
             [float(rows[0][pte]) for rows in brazil])
    for name, file in (("USA (Ohio milk)", "DB_Collusion_America_processed.csv"),
                       ("Switzerland (GR, See-Gaster)", "DB_Collusion_Switzerland_GR_and_See-Gaster_processed.csv"),
                       ("Switzerland (Ticino)", "DB_Collusion_Switzerland_Ticino_processed.csv")):
        groups = competitive(tenders(file))
        cvs = [cv([float(r["Bid_value"]) for r in rows]) for rows in groups if len(rows) >= 3]
        print(f"{name}: {len(groups)} competitive tenders, no estimate; within-tender CV median "
              f"{statistics.median(cvs):.4f} (tenders with 3+ bids: {len(cvs)})")

    pooled = japan_ratios + italy_ratios
    means = [statistics.mean(r) for r in pooled]
    cvs = [cv(r) for r in pooled if len(r) >= 3 and len(set(r)) > 1]
    # Yen and euros: each dataset's log estimates are centred on their own median before pooling.
    estimates = []
    for groups in (japan, italy):
        logs = [math.log(float(rows[0][pte])) for rows in groups]
        centre = statistics.median(logs)
        estimates += [x - centre for x in logs]
    print("\npooled (Japan post-amendment + Italy), the constants in jianzheng/simulate/calibration.py:")
    print(f"  TENDERS = {len(pooled)}")
    print(f"  MEAN_RATIO_MEDIAN = {statistics.median(means):.4f}")
    print(f"  MEAN_RATIO_LOG_SD = {statistics.stdev(map(math.log, means)):.4f}")
    print(f"  WITHIN_CV_MEDIAN = {statistics.median(cvs):.4f}")
    print(f"  WITHIN_CV_LOG_SD = {statistics.stdev(map(math.log, cvs)):.4f}")
    print(f"  ESTIMATE_LOG_SD = {statistics.stdev(estimates):.3f}")
    flat = [x for r in pooled for x in r]
    print(f"  (check) pooled bid/estimate q05 {quantile(flat, .05):.3f}  q50 {quantile(flat, .5):.3f}  "
          f"q95 {quantile(flat, .95):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
