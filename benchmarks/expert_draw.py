"""Benchmark: the expert draw on a large pool — request, seed and draw, re-check, telemetry batches.

Run ``.venv/bin/python benchmarks/expert_draw.py`` (options: ``--experts N`` pool size,
default 2,000; ``--views N`` page views per telemetry batch, default 500;
``--database-url URL`` for PostgreSQL, default a SQLite file in a temporary data
directory). Builds a world with the real services (tests/support/tender.py), registers the
pool with profiles (not timed), opens a lot, then prints:

- requesting a draw of 7 experts and 3 reserves: the pool read, every avoidance rule over
  every expert and the request appended (ms);
- seeding and running it: the covering checkpoint signed, the draw appended (ms);
- re-checking the draw from the ledger (`check_draws`: digest, seed, draw, tree root,
  signatures) (ms);
- recording one telemetry batch of N page views (ms, and views per second);
- the size of the request event (the pool and the exclusions it carries), in kB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support builds the world the same way the tests do

from jianzheng.domain import commands as c  # noqa: E402
from jianzheng.domain.draw import Requirement  # noqa: E402
from jianzheng.domain.experts import SetExpertProfile  # noqa: E402
from jianzheng.domain.identifiers import id_check_character  # noqa: E402
from jianzheng.domain.registry import RegisterPerson  # noqa: E402
from jianzheng.domain.roles import Role  # noqa: E402
from tests.support.tender import announce, bid, build_world, open_lot, register_lot  # noqa: E402


def ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=2000)
    parser.add_argument("--views", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp) / "data", args.database_url, bidders=3, experts=1)
        staff, desk = world.actors["staff"], world.services.experts
        for i in range(args.experts):
            born = date(1950, 1, 1) + timedelta(days=i)  # unique ids: one birthday each
            first = f"530102{born:%Y%m%d}771"
            person = world.platform.register_person(staff, RegisterPerson(
                f"专家{i}", first + id_check_character(first), ("expert",)))[0].payload["person_id"]
            region = "530100" if i % 3 else "520100"
            desk.set_profile(staff, SetExpertProfile(person, (f"A01{i % 4:02d}",), "senior", region))
        lot = register_lot(world)
        announce(world, lot)
        for i in range(1, 4):
            bid(world, lot, f"bidder{i}", 900_000_000 + i * 1_000_000)
        open_lot(world, lot)
        start = time.perf_counter()
        requested = world.platform.lot_command(staff, lot, c.RequestExpertDraw(
            (Requirement("A01", 5, 2, "local"), Requirement("A0101", 2, 1, "remote")), "530100",
            world.clock.now() + timedelta(days=1)))
        print(f"pool of {args.experts} experts: request with avoidance  {ms(start)}")
        request_id = requested[0].payload["request_id"]
        start = time.perf_counter()
        desk.run_draw(staff, lot, request_id)
        print(f"checkpoint, seed and draw                       {ms(start)}")
        start = time.perf_counter()
        [result] = desk.check_draws(staff, lot)
        print(f"re-check from the ledger (ok={result['ok']})          {ms(start)}")
        with world.services.store.read() as session:
            entry = next(e for e in session.lot_events(lot) if e.type == "lot.expert_draw_requested")
        size = len(str(entry.payload).encode("utf-8")) / 1024
        print(f"request event: {len(entry.payload['pool'])} candidates, "
              f"{len(entry.payload['exclusions'])} exclusions, {size:.0f} kB")
        drawn = [p["person_id"] for p in desk.draws(staff, lot)[0]["picks"] if not p["reserve"]]
        for person in drawn:
            desk.answer(staff, lot, request_id, person, True)
        chair = drawn[0]
        world.platform.lot_command(staff, lot, c.FormCommittee(tuple(
            c.CommitteeMember(p, "expert", chair=p == chair) for p in drawn)))
        account = "benchexpert"
        world.platform.create_user(staff, account, "correct horse 1", Role.EXPERT, "专家", person_id=chair)
        actor = world.services.auth.login(account, "correct horse 1")[1]
        bids = world.services.queries.bids(staff, lot)
        world.clock.advance(timedelta(hours=4))
        opened = world.clock.now() - timedelta(hours=3)
        views = tuple(c.PageView(bids[i % len(bids)]["bid_id"], bids[i % len(bids)]["documents"][0]["sha256"],
                                 1 + i // len(bids), opened + timedelta(seconds=i), 30) for i in range(args.views))
        start = time.perf_counter()
        world.platform.lot_command(actor, lot, c.RecordReviewPages(views))
        elapsed = time.perf_counter() - start
        print(f"telemetry batch of {args.views} views                  {elapsed * 1000:.1f} ms "
              f"({args.views / elapsed:,.0f} views/s)")
        world.services.engine.dispose()


if __name__ == "__main__":
    main()
