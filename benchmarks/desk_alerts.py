"""Benchmark: the supervision desk — recording batch alerts, the workbench queries, watch hits.

Run ``.venv/bin/python benchmarks/desk_alerts.py`` (options: ``--alerts N`` default 20,000,
``--batch N`` alerts per `raise_alerts` call, default 2,000; ``--watched N`` watch-list
entries, default 1,000; ``--database-url URL`` for PostgreSQL, default a SQLite file in a
temporary data directory). Builds a world with the real services (tests/support/tender.py),
then prints:

- recording N alerts as witnessed `alert.raised` events (ledger, Merkle tree, read tables,
  alert links) in batches: alerts per second;
- raising the same N again (all already recorded, nothing appended): alerts per second;
- workbench queries on N alerts: the first page newest first, by status and severity, by
  lot (through the links), by text, the counts; median of repeated runs, in ms;
- the desk's listener on one sign-in with N watch-list entries in the table: for a watched
  bidder (the WATCHLIST alert recorded and published) and an unwatched one, in ms;
- database size and peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support builds the world the same way the tests do

from jianzheng.domain.events import WitnessedEvent  # noqa: E402
from jianzheng.domain.identifiers import id_check_character  # noqa: E402
from jianzheng.domain.registry import RegisterPerson  # noqa: E402
from jianzheng.supervision.alert import Alert, AlertParty, evidence  # noqa: E402
from tests.support.tender import build_world  # noqa: E402

SEVERITIES = ("info", "low", "medium", "high")


def synthetic(i: int) -> Alert:
    """A batch-like alert: a lot, two bidders, prices and a screen value as evidence."""
    lot = f"PRJ{i // 10:07d}-01"
    return Alert(
        indicator=("REGS40-6", "R018", "SCREEN-PRICE", "PROC-LATE-REFUND")[i % 4],
        severity=SEVERITIES[i % 4], subject="lot", subject_id=lot, lot_ids=(lot,),
        parties=(AlertParty(f"P{i % 997:06d}", "bidder"), AlertParty(f"P{(i * 7) % 997:06d}", "bidder")),
        explanation_zh=f"第{i}号预警：两家投标人的保证金从同一账户转出",
        explanation_en=f"Alert {i}: one account, two deposits",
        evidence=(evidence("paying_account", f"6222{i:012d}", [i + 1, i + 2]),
                  evidence("prices_fen", [950_000_000 + i, 960_000_000 + i, 970_000_000 + i]),
                  evidence("cv", 0.0123 + i / 1e7)),
        value=float(i % 100) / 7,
    )


def median_ms(run: Callable[[], object], repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--watched", type=int, default=1_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    print(f"machine: {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        world = build_world(data, args.database_url, bidders=2, experts=1)
        desk, sup = world.services.desk, world.actors["supervisor"]
        print(f"database: {'PostgreSQL' if args.database_url else 'SQLite (WAL) ' + str(data / 'jianzheng.db')}")
        alerts = [synthetic(i) for i in range(args.alerts)]

        start = time.perf_counter()
        recorded = 0
        for offset in range(0, len(alerts), args.batch):
            recorded += len(desk.raise_alerts(alerts[offset:offset + args.batch]))
        elapsed = time.perf_counter() - start
        assert recorded == args.alerts
        print(f"record {recorded:,} alerts (batches of {args.batch:,}): {elapsed:.1f} s, "
              f"{recorded / elapsed:,.0f} alerts/s")

        start = time.perf_counter()
        again = sum(len(desk.raise_alerts(alerts[o:o + args.batch])) for o in range(0, len(alerts), args.batch))
        elapsed = time.perf_counter() - start
        assert again == 0
        print(f"raise the same {args.alerts:,} again (idempotent, nothing appended): {elapsed:.1f} s, "
              f"{args.alerts / elapsed:,.0f} alerts/s")

        lot = alerts[len(alerts) // 2].lot_ids[0]
        queries: dict[str, Callable[[], object]] = {
            "first page, newest first": lambda: desk.alerts(sup, {}, limit=50),
            "status new + severity high, by severity": lambda: desk.alerts(
                sup, {"status": ["new"], "severity": ["high"]}, "-severity", limit=50),
            "by lot (alert links)": lambda: desk.alerts(sup, {"lot_id": lot}, limit=50),
            "by party (alert links)": lambda: desk.alerts(sup, {"party_id": "P000123"}, limit=50),
            "text search": lambda: desk.alerts(sup, {"text": "第4999号"}, limit=50),
            "counts by status and severity": lambda: desk.alert_counts(sup),
            "one alert with evidence and history": lambda: desk.alert(sup, alerts[7].id),
        }
        for name, query in queries.items():
            print(f"  {name}: {median_ms(query):.1f} ms (median)")

        until = world.clock.now() + timedelta(days=365)
        for i in range(args.watched - 1):
            # Distinct identity numbers for any number of people: the birth date moves every 900.
            born = date(1960, 1, 1) + timedelta(days=i // 900)
            first = f"530102{born:%Y%m%d}{100 + i % 900:03d}"
            person = world.platform.register_person(world.actors["staff"], RegisterPerson(
                name=f"关注对象{i}", id_number=first + id_check_character(first), roles=("project_manager",)))
            desk.watch(sup, "person", person[0].payload["person_id"], "批量关注", until)
        desk.watch(sup, "bidder", world.parties["bidder1"], "多次陪标", until)
        counter = iter(range(10**9, 2 * 10**9))

        def signed_in(user: str) -> list[WitnessedEvent]:
            # A sign-in event as the platform appends it; the desk's listener is what is timed.
            actor = world.actors[user]
            return [WitnessedEvent(next(counter), world.clock.now(), actor.user_id, "bidder", "10.0.0.1", "CMD",
                                   "user.signed_in", f"user:{actor.user_id}", {"user_id": actor.user_id,
                                                                              "method": "password"})]

        watched = median_ms(lambda: desk.on_events(signed_in("bidder1")), repeat=21)
        quiet = median_ms(lambda: desk.on_events(signed_in("bidder2")), repeat=21)
        hits = desk.alerts(sup, {"indicator": ["WATCHLIST"]})[0]
        print(f"desk listener on a sign-in, {args.watched:,} watch-list entries: watched bidder (alert recorded "
              f"and published) {watched:.1f} ms, unwatched {quiet:.1f} ms (medians); WATCHLIST alerts: {hits}")
        if not args.database_url:
            size = sum(p.stat().st_size for p in data.glob("jianzheng.db*"))
            print(f"database size: {size / 1e6:,.1f} MB")
        world.services.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
