"""Witnessed events per second through the service layer, against the same inserts without the ledger.

Goal (issue 3): with durable commits and concurrent clients, the ledger costs at most 1.5x
the plain insert, and SQLite takes at least 2,000 witnessed events per second on a 2-core
machine.

What is measured. Each client (a thread, or a process with ``--processes``) sends
``Platform.register_person`` commands — a real command: authorization, validation of the
resident ID number, the domain decision, one event, the ``persons`` read-table row, the
listeners — and each command returns only when its transaction is durably committed
(SQLite WAL with ``synchronous=FULL``; PostgreSQL with ``synchronous_commit=on``). Two
configurations run in the same process on fresh databases of the same kind:

* **ledger** — the platform as `bootstrap` wires it: the event row carries the RFC 8785
  canonical JSON, the leaf is hashed and appended to the Merkle tree (``ledger_nodes``), the
  checkpointer signs a checkpoint (Ed25519 + SM2) every ``checkpoint_events`` events, and a
  witness (the real witness HTTP app under uvicorn, in this process) cosigns each checkpoint
  in the background;
* **plain** — the same Platform, commands, event rows and read-table writes, but the event's
  ``entry`` is plain ``json.dumps`` (no canonicalisation), with no leaf hash, no Merkle nodes,
  no checkpoints and no witness.

The ratio is ledger time / plain time for the same number of events. The script then
measures, per event, each thing the ledger adds (canonical encoding, leaf hash, Merkle
append with the cached frontier, the node rows, the amortised checkpoint signing), so the
difference is explained, not just reported.

Run:  .venv/bin/python benchmarks/ledger_throughput.py [--events 4000] [--clients 1,4,8]
      [--backends sqlite,postgresql] [--processes]
PostgreSQL: JIANZHENG_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each run uses a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.keyring import platform_key_paths
from jianzheng.adapters.sql import event_store, projections
from jianzheng.adapters.sql.store import SqlStore, SqlWriteSession
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain import registry as r
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent
from jianzheng.domain.identifiers import id_check_character
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor

POSTGRES_URL = os.environ.get("JIANZHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STAFF = Actor("bench-staff", "bench-staff", Role.STAFF, "基准测试 / benchmark")


# -- the plain baseline: same rows, no ledger ---------------------------------------------------


class PlainWriteSession(SqlWriteSession):
    """The same event rows and read-table writes as the real session, without the ledger.

    It runs the event store's own numbering and row insert; the only differences are that
    ``entry`` is ``json.dumps`` of the same envelope (not RFC 8785) and that there is no leaf
    hash and no Merkle append.
    """

    def append(self, drafts: list[EventDraft], envelope: Envelope) -> list[WitnessedEvent]:
        witnessed = event_store.witness(drafts, envelope, event_store.next_seq(self.conn))
        event_store.insert_rows(self.conn, witnessed, [json.dumps(e.envelope(), ensure_ascii=False)
                                                       for e in witnessed])
        for event in witnessed:
            projections.apply(self.conn, event)
        return witnessed


class PlainStore(SqlStore):
    session_class = PlainWriteSession


# -- workload -----------------------------------------------------------------------------------


def resident_id(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    first = f"530102{born:%Y%m%d}{n % 1000:03d}"
    return first + id_check_character(first)


def command(n: int) -> r.RegisterPerson:
    return r.RegisterPerson(name=f"评标专家{n}", id_number=resident_id(n), roles=("expert",), phone=f"139{n:08d}")


@contextmanager
def database(kind: str, directory: Path) -> Iterator[str | None]:
    """None for SQLite in the data directory; a PostgreSQL URL on a fresh schema, dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    admin = sa.create_engine(POSTGRES_URL)
    schema = f"jz_bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def build(data_dir: Path, url: str | None, ledger: bool, witness: bool) -> tuple[Services, Callable[[], None]]:
    """Services for one configuration, and a function that tears down what it started."""
    settings = Settings(data_dir=data_dir, database_url=url, durable_commits=True)  # type: ignore[call-arg]
    services = bootstrap(settings)
    stops: list[Callable[[], None]] = [services.engine.dispose]
    if not ledger:
        plain = PlainStore(services.engine)
        services.platform.store = plain
        services.platform.listeners = [x for x in services.platform.listeners if x is not services.checkpointer]
    elif witness:
        stops.insert(0, start_witness(services, data_dir.parent / "witness"))

    def stop_all() -> None:
        for stop in stops:
            stop()

    return services, stop_all


def start_witness(services: Services, directory: Path) -> Callable[[], None]:
    import uvicorn

    from jianzheng.adapters.witness_home import WitnessHome
    from jianzheng.adapters.witness_http import witness_app
    from jianzheng.services.witnesses import RegisteredWitness

    home = WitnessHome.init(directory, "bench.example/witness")
    keys = [p.verifier.read_text().strip() for p in platform_key_paths(services.settings.data_dir).values()]
    home.add_log(services.settings.ledger_origin, keys)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(witness_app(home), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    services.cosigner.registry.add(RegisteredWitness(home.name, f"http://127.0.0.1:{port}", home.verifier_key()))

    def stop() -> None:
        services.cosigner.wait(60)
        services.cosigner.close()
        server.should_exit = True
        thread.join(10)

    return stop


@dataclass
class Run:
    events: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def drive_threads(services: Services, numbers: list[int], clients: int) -> Run:
    shares = [numbers[i::clients] for i in range(clients)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients + 1)

    def client(share: list[int]) -> None:
        barrier.wait()
        try:
            for n in share:
                services.platform.register_person(STAFF, command(n))
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    cpu = time.process_time()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Run(len(numbers), elapsed, time.process_time() - cpu)


def _process_client(data_dir: str, url: str | None, ledger: bool, share: list[int], start: Any, done: Any) -> None:
    services, stop = build(Path(data_dir), url, ledger, witness=False)
    services.platform.register_person(STAFF, command(share[0]))  # warm up, and counted below
    start.wait()
    for n in share[1:]:
        services.platform.register_person(STAFF, command(n))
    done.put(os.getpid())
    stop()


def drive_processes(data_dir: Path, url: str | None, ledger: bool, numbers: list[int], clients: int) -> Run:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(clients + 1)
    done = context.Queue()
    shares = [numbers[i::clients] for i in range(clients)]
    workers = [context.Process(target=_process_client, args=(str(data_dir), url, ledger, share, start, done))
               for share in shares]
    for w in workers:
        w.start()
    start.wait(timeout=300)
    started = time.perf_counter()
    for _ in workers:
        done.get(timeout=3600)
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
        if w.exitcode:
            raise RuntimeError(f"client process failed with exit code {w.exitcode}")
    return Run(len(numbers) - clients, elapsed, float("nan"))


def measure(kind: str, ledger: bool, clients: int, events: int, processes: bool, witness: bool, base: int) -> Run:
    directory = Path(tempfile.mkdtemp(prefix="jz-bench-"))
    try:
        with database(kind, directory) as url:
            services, stop = build(directory / "data", url, ledger, witness and not processes)
            try:
                for n in range(base, base + 20):  # warm-up: procedures loaded, statements compiled
                    services.platform.register_person(STAFF, command(n))
                numbers = list(range(base + 20, base + 20 + events))
                if processes:
                    return drive_processes(directory / "data", url, ledger, numbers, clients)
                return drive_threads(services, numbers, clients)
            finally:
                stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# -- what the ledger adds, per event ------------------------------------------------------------


def breakdown(samples: int = 2000) -> list[tuple[str, float]]:
    """Microseconds per event of each step the ledger adds, measured in isolation."""
    from datetime import UTC, datetime

    from jianzheng.adapters.sql.database import create_schema, make_engine
    from jianzheng.adapters.sql.ledger_store import SqlNodeStore
    from jianzheng.ledger import merkle
    from jianzheng.ledger.canonical import canonical_bytes
    from jianzheng.ledger.checkpoint import Checkpoint, sign_checkpoint
    from jianzheng.ledger.hashing import leaf_hash
    from jianzheng.ledger.keys import generate_signer
    from jianzheng.ledger.nodestore import MemoryNodeStore

    envelopes = [WitnessedEvent(n + 1, datetime(2026, 3, 2, tzinfo=UTC), "U1", "staff", "10.0.0.1", f"CMD{n}",
                                "person.registered", f"person:H{n}", {
                                    "person_id": f"H{n}", "name": f"评标专家{n}", "id_number": resident_id(n),
                                    "roles": ["expert"], "employer_id": None, "phone": f"139{n:08d}",
                                    "email": None, "certificates": []}).envelope() for n in range(samples)]

    def per_event(fn: Callable[[], object]) -> float:
        best = []
        for _ in range(3):
            started = time.perf_counter()
            fn()
            best.append(time.perf_counter() - started)
        return min(best) / samples * 1e6

    plain = per_event(lambda: [json.dumps(e, ensure_ascii=False) for e in envelopes])
    canonical = per_event(lambda: [canonical_bytes(e) for e in envelopes])
    fast = per_event(lambda: [event_store.canonical_entry(e) for e in envelopes])
    assert all(event_store.canonical_entry(e) == canonical_bytes(e) for e in envelopes)
    entries = [canonical_bytes(e) for e in envelopes]
    hashing = per_event(lambda: [leaf_hash(e) for e in entries])
    hashes = [leaf_hash(e) for e in entries]

    def appends() -> None:
        # One leaf at a time, as commands append, with the frontier in hand as on the real path.
        frontier: list[bytes] = []
        size = 0
        for h in hashes:
            result = merkle.compute_append(_Frontier(frontier), size, [h])
            known = dict(zip(merkle.range_addresses(0, size), frontier, strict=True))
            known.update(result.nodes)
            frontier = [known[a] for a in merkle.range_addresses(0, result.size)]
            size = result.size

    tree = per_event(appends)
    directory = Path(tempfile.mkdtemp(prefix="jz-bench-nodes-"))
    try:
        engine = make_engine(f"sqlite:///{directory / 'nodes.sqlite3'}")
        create_schema(engine)
        memory = MemoryNodeStore()
        rows = [merkle.append(memory, i, [h]).nodes for i, h in enumerate(hashes)]

        def inserts() -> None:
            connection = engine.connect()
            transaction = connection.begin()
            try:
                nodes = SqlNodeStore(connection)
                for written in rows:
                    nodes.put_nodes(written)
            finally:
                transaction.rollback()
                connection.close()

        node_rows = per_event(inserts)
        engine.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    signers = [generate_signer("bench.example/ledger", "ed25519"), generate_signer("bench.example/ledger", "sm2")]
    body = Checkpoint("bench.example/ledger", 1000, hashes[0])
    started = time.perf_counter()
    for _ in range(50):
        sign_checkpoint(body, signers)
    signing = (time.perf_counter() - started) / 50 * 1e6
    return [
        ("plain json.dumps of the envelope (baseline's encoding)", plain),
        ("RFC 8785 canonical JSON, reference encoder (jianzheng.ledger.canonical)", canonical),
        ("RFC 8785 canonical JSON as appended (event_store.canonical_entry, same bytes)", fast),
        ("leaf hash SHA-256(0x00 || entry)", hashing),
        ("Merkle append, frontier in hand (in memory)", tree),
        ("node rows INSERT (about 2 per event, no commit)", node_rows),
        ("checkpoint signing Ed25519 + SM2, per checkpoint", signing),
    ]


class _Frontier:
    """A node store holding just a frontier (the perfect subtrees an append reads)."""

    def __init__(self, hashes: list[bytes]) -> None:
        self.hashes = hashes

    def get_nodes(self, addresses: Any) -> list[bytes]:
        return list(self.hashes)

    def put_nodes(self, nodes: Any) -> None:
        raise AssertionError("not used")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=4000, help="events per configuration and client count")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--processes", action="store_true", help="clients are processes, not threads")
    parser.add_argument("--no-witness", action="store_true", help="do not run a witness in the ledger runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration, alternated; medians shown")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    print(f"ledger throughput: {args.events} register_person commands (1 event each) per run, "
          f"{'processes' if args.processes else 'threads'} as clients, durable commits, "
          f"median of {args.repeat} alternated runs; {os.cpu_count()} CPUs; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    print("  ev/s: events per second (wall clock); CPU: process CPU ms per event (all threads; not with processes)")
    print(f"{'backend':<11}{'clients':>8}{'plain ev/s':>12}{'ledger ev/s':>13}{'time ratio':>12}"
          f"{'plain CPU':>11}{'ledger CPU':>12}{'CPU ratio':>11}")
    base = 0
    results: list[dict[str, Any]] = []
    for kind in args.backends.split(","):
        for n in clients:
            plain_runs: list[Run] = []
            ledger_runs: list[Run] = []
            for attempt in range(args.repeat):
                # Alternate which goes first: the machine's load drifts during a run.
                order = (False, True) if attempt % 2 == 0 else (True, False)
                for with_ledger in order:
                    run = measure(kind, with_ledger, n, args.events, args.processes,
                                  with_ledger and not args.no_witness, base)
                    (ledger_runs if with_ledger else plain_runs).append(run)
                    base += args.events + 100
            plain = statistics.median(r.rate for r in plain_runs)
            ledger = statistics.median(r.rate for r in ledger_runs)
            plain_cpu = statistics.median(r.cpu_seconds / r.events * 1000 for r in plain_runs)
            ledger_cpu = statistics.median(r.cpu_seconds / r.events * 1000 for r in ledger_runs)
            print(f"{kind:<11}{n:>8}{plain:>12.0f}{ledger:>13.0f}{plain / ledger:>12.2f}"
                  f"{plain_cpu:>11.2f}{ledger_cpu:>12.2f}{ledger_cpu / plain_cpu:>11.2f}", flush=True)
            results.append({"backend": kind, "clients": n, "plain": plain, "ledger": ledger,
                            "cpu_ratio": ledger_cpu / plain_cpu})
    print()
    print("what the ledger adds, per event (microseconds, measured in isolation):")
    for label, micros in breakdown():
        print(f"  {micros:>10.1f}  {label}")
    print("  (checkpoint signing is paid once per checkpoint_events events: 1000 by default)")
    sqlite = [x for x in results if x["backend"] == "sqlite" and x["clients"] > 1]
    if sqlite:
        best = max(x["ledger"] for x in sqlite)
        worst = max(x["plain"] / x["ledger"] for x in results)
        worst_cpu = max(x["cpu_ratio"] for x in results)
        print(f"\ngoal: >= 2000 witnessed events/s on SQLite with concurrent clients: best {best:.0f} "
              f"({'met' if best >= 2000 else 'NOT met'})")
        print(f"goal: ledger <= 1.5x plain: worst time ratio {worst:.2f} ({'met' if worst <= 1.5 else 'NOT met'}), "
              f"worst CPU ratio {worst_cpu:.2f} ({'met' if worst_cpu <= 1.5 else 'NOT met'})")
        print(f"load average after: {os.getloadavg()[0]:.1f} (other processes share the CPUs: figures are lower "
              "bounds for an idle machine)")

if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
