"""Detection on a simulated year: recall and precision of the supervision indicators per planted kind.

Builds a simulated year (or reuses one with ``--dir``), runs every batch indicator over it
(`jianzheng.simulate.detection`) and scores the alerts against `labels.jsonl` with the
packaged indicator → kind mapping. Prints the table per kind, the precision per indicator,
and whether the goal of issue 4 is met: recall ≥ 0.95 at precision ≥ 0.9 for the Regs 40
signs.

Run: ``.venv/bin/python benchmarks/simulated_detection.py [--lots 300] [--seed 2026] [--dir DIR]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from jianzheng.bootstrap import bootstrap
from jianzheng.simulate import SimulationConfig, simulate, simulation_settings
from jianzheng.simulate.detection import evaluate
from jianzheng.simulate.kinds import KINDS
from jianzheng.simulate.labels import LABELS_FILE
from jianzheng.simulate.scoring import report

REGS40 = [code for code, kind in KINDS.items() if kind.family == "ring"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=None, help="a simulated data directory to reuse or create")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jz-detect-") as scratch:
        target = args.dir or Path(scratch) / "year"
        if not (target / LABELS_FILE).is_file():
            started = time.perf_counter()
            result = simulate(simulation_settings(target), SimulationConfig.for_lots(args.lots, args.seed))
            print(f"simulated {args.lots} lots (seed {args.seed}) in {time.perf_counter() - started:.1f} s: "
                  f"{result.events} events, cases {result.cases_by_kind}")
        services = bootstrap(simulation_settings(target), create=False)
        try:
            evaluation = evaluate(services, target)
        finally:
            services.engine.dispose()
    print(f"analysis: {evaluation.alerts} alerts in {evaluation.seconds:.1f} s")
    for line in report(evaluation.scores):
        print(line)
    print("precision per indicator (cases, true cases):")
    for code, (cases, true) in evaluation.indicators.items():
        print(f"  {code:<36} {cases:>5} {true:>5}  {true / cases:6.1%}")
    met = all((evaluation.scores[k].recall or 0) >= 0.95 and (evaluation.scores[k].precision or 0) >= 0.9
              for k in REGS40 if evaluation.scores.get(k) and evaluation.scores[k].labels)
    print(f"goal (Regs 40 signs: recall >= 0.95 at precision >= 0.9): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
