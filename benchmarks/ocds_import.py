"""Time the OCDS import and export on the 610 real processes of ../shared/data/ocds/real-2018.

Phases: reading and normalizing every file against the schema; importing them into a fresh
embedded (SQLite) data directory, one witnessed transaction per file; importing them again
(every release is skipped as already imported); exporting every lot as a release package;
exporting compiled releases; validating every exported release against the schema. Prints
seconds per phase and the peak resident memory. Goal: the whole sample imported in seconds.

Run: ``.venv/bin/python benchmarks/ocds_import.py [--dir PATH] [--database-url URL]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from jianzheng.adapters.ocds.export import (
    compiled_lines,
    document,
    dumps,
    export_processes,
    release_package,
    validate_release,
)
from jianzheng.adapters.ocds.importer import import_files, prepare_files
from jianzheng.bootstrap import Settings, bootstrap
from jianzheng.services.actor import Actor

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "ocds" / "real-2018"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="data directory (default: a temporary one)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL instead of the embedded SQLite")
    args = parser.parse_args()
    files = sorted(REAL.glob("*.jsonl"))
    if not files:
        print(f"real OCDS sample not found at {REAL}", file=sys.stderr)
        return 2
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="ocds-bench-"))
    services = bootstrap(Settings(data_dir=data_dir, database_url=args.database_url))
    timings: list[tuple[str, float, str]] = []

    start = time.perf_counter()
    prepared = prepare_files(files)
    timings.append(("read + normalize", time.perf_counter() - start,
                    f"{sum(p.releases for p in prepared)} releases, {len(files)} files"))

    start = time.perf_counter()
    reports = import_files(services.platform, Actor.system(), files)
    imported = sum(r.result.imported_releases for r in reports)
    timings.append(("import (read, normalize, witness, project)", time.perf_counter() - start,
                    f"{imported} releases, {sum(r.result.imported_processes for r in reports)} processes"))

    start = time.perf_counter()
    again = import_files(services.platform, Actor.system(), files)
    timings.append(("import again (all skipped)", time.perf_counter() - start,
                    f"{sum(r.result.skipped_releases for r in again)} skipped"))

    start = time.perf_counter()
    processes = list(export_processes(services.store, services.blobs, services.settings.ocds_prefix))
    package = dumps(release_package(processes, services.settings.ocds_publisher, services.settings.ocds_prefix,
                                    services.platform.clock.now()))
    timings.append(("export release package", time.perf_counter() - start,
                    f"{len(processes)} lots, {len(package) / 1e6:.1f} MB"))

    start = time.perf_counter()
    lines = list(compiled_lines(processes))
    timings.append(("export compiled releases", time.perf_counter() - start, f"{len(lines)} lines"))

    start = time.perf_counter()
    invalid = sum(1 for p in processes for r in p.releases if validate_release(document(r)))
    timings.append(("validate every release", time.perf_counter() - start,
                    f"{invalid} lack fields their publisher omitted"))

    width = max(len(name) for name, _, _ in timings)
    for name, seconds, note in timings:
        print(f"{name:<{width}}  {seconds:7.2f} s  {note}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak resident memory':<{width}}  {peak:7.0f} MB")
    services.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
