"""Server time of each web page on a large ledger (goal: under 300 ms per page at 1,000,000 events).

How the dataset is built (all through the platform's own code, on SQLite in a temporary
directory, with a simulated clock):

1. `--lots` open tenders through `Platform` — registration, documents, announcement, 3 to 7
   bids, opening, a five-expert committee scoring every bid, report, candidates, award,
   contract and refunds — in thirteen monthly waves over a simulated year (the last wave is
   still open for bids; one lot in twenty fails for lack of bids). These fill every read
   table the pages query.
2. The ledger is then topped up to `--events` with sign-in events (`user.signed_in`, the most
   frequent operation of a real trading center) appended through the real append path
   (`store.write()` → event store, Merkle tree, projections) in batches of `--batch`, so the
   event log and the Merkle tree have their full size without a command's round trip each.

SQLite runs with `synchronous=OFF` while the dataset is built (a benchmark-only setting:
the platform keeps FULL); the pages are then timed in-process with FastAPI's TestClient,
each page `--repeat` times after one warm-up, and the median and worst server times are
printed. The data directory is kept with `--keep DIR` for a second run with `--reuse DIR`.

Run: ``.venv/bin/python benchmarks/web_pages.py [--lots 2000] [--events 1000000]``
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jianzheng.adapters import passwords
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.events import Envelope, EventDraft, user_stream
from jianzheng.domain.identifiers import id_check_character, uscc_check_character
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.clock import SimulatedClock
from jianzheng.services.ids import RandomIds, SeededIds
from jianzheng.services.platform import Upload
from jianzheng.web.app import create_app

PASSWORD = "benchmark pass 1"
START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
FACTORS = (c.FactorSpec("technical", "技术", "Technical", 4000), c.FactorSpec("commercial", "商务", "Commercial", 2000),
           c.FactorSpec("price", "报价", "Price", 4000))
BIDDERS = 40
EXPERTS = 12


class Center:
    """The people, companies and accounts of a benchmark trading center."""

    def __init__(self, services: Services, clock: SimulatedClock) -> None:
        self.services = services
        self.clock = clock
        self.platform = services.platform
        self.actors: dict[str, Actor] = {}
        self.parties: dict[str, str] = {}
        self.persons: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.n = 0

    def next_n(self) -> int:
        self.n += 1
        return self.n

    def person(self, key: str, roles: tuple[str, ...], employer: str | None = None) -> str:
        born = (date(1960, 1, 1) + timedelta(days=self.next_n())).strftime("%Y%m%d")
        first = f"530102{born}001"
        events = self.platform.register_person(self.actors["staff"], r.RegisterPerson(
            name=f"人员{key}", id_number=first + id_check_character(first), roles=roles,
            employer_id=self.parties.get(employer) if employer else None, phone=f"139{self.n:08d}"))
        self.persons[key] = events[0].payload["person_id"]
        return self.persons[key]

    def company(self, key: str, kind: str) -> str:
        rep = self.person(f"{key}-rep", ("legal_representative",))
        first = f"91530100MA{self.next_n():07d}"
        events = self.platform.register_enterprise(self.actors["staff"], r.RegisterEnterprise(
            name=f"{key}建设有限公司", credit_code=first + uscc_check_character(first), kind=kind,
            legal_representative_id=rep, address=f"昆明市{key}路{self.n}号", phones=(f"0871-6{self.n:06d}",),
            basic_account=f"6222{self.n:012d}", basic_bank="中国建设银行"))
        self.parties[key] = events[0].payload["party_id"]
        self.accounts[key] = f"6222{self.n:012d}"
        return self.parties[key]

    def account(self, key: str, role: Role, party: str | None = None, person: str | None = None) -> None:
        self.platform.create_user(self.actors.get("staff", Actor.system()), key, PASSWORD, role, f"账号{key}",
                                  party_id=self.parties.get(party) if party else None,
                                  person_id=self.persons.get(person) if person else None)
        self.actors[key] = self.services.auth.login(key, PASSWORD)[1]


def build_center(services: Services, clock: SimulatedClock) -> Center:
    center = Center(services, clock)
    center.platform.create_user(Actor.system(), "staff", PASSWORD, Role.STAFF, "交易中心")
    center.actors["staff"] = services.auth.login("staff", PASSWORD)[1]
    center.account("supervisor", Role.SUPERVISOR)
    center.company("tenderer", "tenderer")
    center.company("agency", "agency")
    center.account("tenderer", Role.TENDERER, party="tenderer")
    center.account("agency", Role.AGENCY, party="agency")
    for i in range(1, BIDDERS + 1):
        center.company(f"bidder{i}", "bidder")
        center.account(f"bidder{i}", Role.BIDDER, party=f"bidder{i}")
        center.person(f"pm{i}", ("project_manager",), employer=f"bidder{i}")
    for i in range(1, EXPERTS + 1):
        center.person(f"expert{i}", ("expert",))
        center.account(f"expert{i}", Role.EXPERT, person=f"expert{i}")
    return center


def announce_and_bid(center: Center, rng: random.Random, index: int) -> tuple[str, int]:
    """Register a lot, prepare and announce it, and let 3 to 7 bidders bid (2 for one lot in twenty)."""
    p, a = center.platform, center.actors
    estimate = rng.randrange(50_000_000, 5_000_000_000, 100)
    events = p.register_project(a["agency"], r.RegisterProject(
        name=f"基准项目{index:05d}", tenderer_id=center.parties["tenderer"], agency_id=center.parties["agency"],
        funding_source="财政资金", state_funded=True, region="昆明市",
        lots=(c.RegisterLot("", f"第{index % 9 + 1}标段", estimate, "works", "construction-open",
                            center.parties["tenderer"], center.parties["agency"], True),)))
    lot = str(events[1].payload["lot_id"])
    deposit = estimate // 100
    doc = p.store_document(Upload("招标文件.pdf", f"tender {lot}".encode(), "application/pdf"))
    p.lot_command(a["agency"], lot, c.CompileDocuments(doc, "comprehensive", FACTORS, deposit))
    p.lot_command(a["tenderer"], lot, c.ConfirmDocuments(1))
    p.lot_command(a["supervisor"], lot, c.FileDocuments(True, "备案通过"))
    now = center.clock.now()
    p.lot_command(a["agency"], lot, c.PublishAnnouncement(now, now + timedelta(days=7), now + timedelta(days=21),
                                                          f"招标公告 {index}"))
    count = 2 if index % 20 == 7 else rng.randint(3, 7)
    for b in rng.sample(range(1, BIDDERS + 1), count):
        key = f"bidder{b}"
        p.lot_command(a[key], lot, c.RegisterBidder())
        p.lot_command(a[key], lot, c.PayDeposit(deposit, center.accounts[key], "中国建设银行"))
        price = int(estimate * rng.uniform(0.85, 0.99))
        p.submit_bid(a[key], lot, {"price_fen": price, "project_manager_id": center.persons[f"pm{b}"],
                                   "duration_days": 300, "quality": "合格", "technical_proposal": f"{key} 施工组织设计",
                                   "boq": []}, [])
    return lot, count


def evaluate(center: Center, rng: random.Random, lot: str) -> None:
    p, a = center.platform, center.actors
    experts = rng.sample(range(1, EXPERTS + 1), 5)
    p.lot_command(a["staff"], lot, c.FormCommittee(tuple(
        c.CommitteeMember(center.persons[f"expert{e}"], "expert", chair=(i == 0)) for i, e in enumerate(experts))))
    for e in experts:
        for bid in center.services.queries.bids(a["staff"], lot):
            p.lot_command(a[f"expert{e}"], lot, c.SubmitScores(bid["bid_id"], {
                "technical": rng.randint(2800, 3900), "commercial": rng.randint(1300, 1900),
                "price": rng.randint(3000, 3900)}))
    p.lot_command(a[f"expert{experts[0]}"], lot, c.ReportEvaluation())


def wave(center: Center, rng: random.Random, indices: range, last: bool) -> None:
    """A month's lots, announced together and taken through their life side by side; time only moves on."""
    p, a = center.platform, center.actors
    lots = [announce_and_bid(center, rng, i) for i in indices]
    if last:
        return  # the newest lots are still open for bids
    center.clock.advance(timedelta(days=21, minutes=2))
    live = []
    for lot, count in lots:
        p.open_bids(a["agency"], lot)
        if count >= 3:
            evaluate(center, rng, lot)
            live.append(lot)
    center.clock.advance(timedelta(days=1))
    for lot in live:
        p.lot_command(a["agency"], lot, c.PublishCandidates(center.clock.now() + timedelta(days=3)))
    center.clock.advance(timedelta(days=4))
    winners = {}
    for lot in live:
        winner = next(b for b in center.services.queries.bids(a["staff"], lot) if b.get("rank") == 1)
        p.lot_command(a["tenderer"], lot, c.Award(winner["bidder_id"]))
        winners[lot] = winner
    center.clock.advance(timedelta(days=5))
    for lot in live:
        price = winners[lot]["price_fen"]
        p.lot_command(a["tenderer"], lot, c.SignContract(price, price // 20))
        for deposit_row in center.services.queries.deposits(a["staff"], lot):
            p.lot_command(a["agency"], lot, c.RefundDeposit(deposit_row["deposit_id"], 100))
    center.clock.advance(timedelta(days=1))


def fill_sign_ins(center: Center, target: int, batch: int) -> None:
    """Top the ledger up to `target` events with sign-ins, through the real append path."""
    store = center.services.store
    users = [a for a in center.actors.values()]
    with center.services.engine.connect() as conn:
        have = int(conn.execute(sa.text("SELECT COALESCE(MAX(seq), 0) FROM events")).scalar_one())
    n = 0
    while have < target:
        size = min(batch, target - have)
        user = users[n % len(users)]
        drafts = [EventDraft("user.signed_in", user_stream(user.user_id),
                             {"user_id": user.user_id, "token_id": f"TB{n:07d}{i:05d}", "method": "password"})
                  for i in range(size)]
        envelope = Envelope(time=center.clock.now(), actor=user.user_id, role=user.role.value,
                            source_ip=f"10.8.{n % 250}.{n % 200 + 1}", command_id=f"CMDB{n:08d}")
        with store.write() as session:
            session.append(drafts, envelope)
        have += size
        n += 1
        center.clock.advance(timedelta(minutes=7))


def fast_sqlite(services: Services) -> None:
    @sa.event.listens_for(services.engine, "connect")
    def relaxed(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
    services.engine.dispose()


class Visitor:
    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app, follow_redirects=False)
        form = self.client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        answer = self.client.post("/login", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text

    def time(self, path: str, repeat: int) -> tuple[float, float, int]:
        self.client.get(path)  # warm-up
        times = []
        status = 0
        for _ in range(repeat):
            started = time.perf_counter()
            answer = self.client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            status = answer.status_code
        return statistics.median(times), max(times), status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=2000, help="complete tenders driven through the platform")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the ledger when timing")
    parser.add_argument("--batch", type=int, default=5000, help="sign-in events per append transaction")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--keep", type=Path, help="build the data here and keep it")
    parser.add_argument("--reuse", type=Path, help="time the pages on a data directory built before")
    args = parser.parse_args(argv)
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # set-up speed only
    directory = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="jz-web-bench-"))
    clock = SimulatedClock(START)
    # A reused directory already holds the seeded ids: new sign-ins there need fresh ones.
    ids = SeededIds(11) if args.reuse is None else RandomIds()
    services = bootstrap(Settings(**{"data_dir": directory}), clock=clock, ids=ids, create=args.reuse is None)
    if args.reuse is None:
        fast_sqlite(services)
        center = build_center(services, clock)
        rng = random.Random(2026)
        started = time.perf_counter()
        per_wave = max(1, -(-args.lots // 13))  # about a year: twelve monthly waves and one still bidding
        for first in range(0, args.lots, per_wave):
            wave(center, rng, range(first, min(args.lots, first + per_wave)), first + per_wave >= args.lots)
            print(f"  {min(args.lots, first + per_wave)} lots, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        built = time.perf_counter() - started
        started = time.perf_counter()
        fill_sign_ins(center, args.events, args.batch)
        print(f"dataset: {args.lots} lots in {built:.0f} s, filled to {args.events} events in "
              f"{time.perf_counter() - started:.0f} s  ({directory})")
    with services.engine.connect() as conn:
        events = int(conn.execute(sa.text("SELECT COALESCE(MAX(seq), 0) FROM events")).scalar_one())
        lots = int(conn.execute(sa.text("SELECT COUNT(*) FROM lots")).scalar_one())
        completed = conn.execute(sa.text("SELECT lot_id FROM lots WHERE stage = 'completed' LIMIT 1")).scalar_one()
        bidding = conn.execute(sa.text("SELECT lot_id FROM lots WHERE stage = 'bidding' LIMIT 1")).scalar_one()
    clock.set(clock.now() if args.reuse is None else datetime.now(UTC))
    app = create_app(services)
    supervisor, tenderer = Visitor(app, "supervisor"), Visitor(app, "tenderer")
    bidder, expert = Visitor(app, "bidder1"), Visitor(app, "expert1")
    public = TestClient(app, follow_redirects=False)
    pages: list[tuple[str, Any, str]] = [
        ("cockpit 监管驾驶舱", supervisor, "/cockpit"),
        ("lots list 标段列表", supervisor, "/lots"),
        ("lot one-screen (completed) 项目一屏可视", supervisor, f"/lots/{completed}"),
        ("lot one-screen (bidding)", supervisor, f"/lots/{bidding}"),
        ("operation log, no filter 操作日志", supervisor, "/log"),
        ("operation log, page 1000", supervisor, "/log?page=1000"),
        ("operation log, by lot", supervisor, f"/log?lot_id={completed}"),
        ("operation log, by person", supervisor, "/log?person=bidder1"),
        ("operation log, by role", supervisor, "/log?role=expert"),
        ("operation log, by type", supervisor, "/log?type=lot.opened"),
        ("operation log, time range", supervisor, "/log?since=2025-03-01T00:00&until=2025-03-31T23:59"),
        ("tenderer's lots", tenderer, "/lots"),
        ("bidder's bids 我的投标", bidder, "/my/bids"),
        ("expert's lots 我的评标项目", expert, "/my/lots"),
        ("public portal 公共服务", None, "/public"),
        ("public portal, awards", None, "/public?kind=award"),
        ("public lot", None, f"/public/lots/{completed}"),
    ]
    print(f"\nserver time per page: {events:,} events, {lots:,} lots, SQLite, {args.repeat} requests each")
    print(f"{'page':44} {'median ms':>10} {'worst ms':>10}  status")
    worst_all = 0.0
    for name, who, path in pages:
        if who is None:
            public.get(path)
            times = []
            status = 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                answer = public.get(path)
                times.append((time.perf_counter() - started) * 1000)
                status = answer.status_code
            median, worst = statistics.median(times), max(times)
        else:
            median, worst, status = who.time(path, args.repeat)
        worst_all = max(worst_all, median)
        flag = "" if median < 300 else "  OVER 300 ms"
        print(f"{name:44} {median:10.1f} {worst:10.1f}  {status}{flag}")
    print(f"\nslowest page median: {worst_all:.1f} ms (goal: under 300 ms)")
    services.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
