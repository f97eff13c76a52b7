"""How long the default demo takes to set up: `jianzheng demo --no-serve` in a fresh directory.

The goal (issue 4) is under 60 seconds on a 2-core machine once dependencies are installed.
Runs the real command in a subprocess (imports included), then prints wall-clock time, the
CPU time the process used (wall time much above it means the machine was busy with other
work or waited on the disk), the machine's load average, and the demo's own summary
figures: commands, events, and the split between registering the market and playing the
year. Optionally profiles the build in-process with cProfile (`--profile`).

Run: ``.venv/bin/python benchmarks/demo_setup.py [--lots 300] [--seed 2026] [--profile]``
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 60.0


def run_cli(target: Path, lots: int, seed: int) -> tuple[float, float, str]:
    command = [str(Path(sys.executable).with_name("jianzheng")), "demo", "--no-serve", "--dir", str(target),
               "--lots", str(lots), "--seed", str(seed)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, file=sys.stderr)
        raise SystemExit(f"jianzheng demo failed with exit status {completed.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.stdout


def profile(target: Path, lots: int, seed: int) -> None:
    import cProfile
    import pstats

    from jianzheng.simulate import SimulationConfig, simulate, simulation_settings

    profiler = cProfile.Profile()
    profiler.enable()
    simulate(simulation_settings(target), SimulationConfig.for_lots(lots, seed))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="also profile the build in-process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jz-demo-bench-") as scratch:
        target = Path(scratch) / "demo"
        load = os.getloadavg()
        wall, cpu, out = run_cli(target, args.lots, args.seed)
        built = re.search(r"built in ([\d.]+) s: (\d+) .*?, (\d+) ", out)
        stages = re.findall(r"^\s+\S+\s+([a-z_]+)\s+(\d+)$", out, re.MULTILINE)
        print(f"jianzheng demo --no-serve --lots {args.lots} --seed {args.seed}")
        print(f"  wall-clock {wall:.1f} s (goal < {GOAL_SECONDS:.0f} s: {'met' if wall < GOAL_SECONDS else 'NOT met'})")
        print(f"  CPU time   {cpu:.1f} s; load average before the run {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"on {os.cpu_count()} cores")
        if built:
            seconds, commands, events = float(built[1]), int(built[2]), int(built[3])
            print(f"  simulation {seconds:.1f} s: {commands} commands, {events} events, "
                  f"{1000 * seconds / commands:.2f} ms per command; start-up and printing {wall - seconds:.1f} s")
        if stages:
            print("  lots by stage: " + ", ".join(f"{stage} {count}" for stage, count in stages))
        detection = out.split("planted cases found by supervision", 1)
        if len(detection) == 2:
            print("  detection" + detection[1].rstrip().replace("\n", "\n  "))
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        print(f"  data directory {size / 1e6:.1f} MB")
        if args.profile:
            profile(Path(scratch) / "profiled", args.lots, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
