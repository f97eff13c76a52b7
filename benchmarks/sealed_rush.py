"""Benchmark: the deadline rush — many bidders submit sealed bids at once, then a crash mid-rush.

Run ``.venv/bin/python benchmarks/sealed_rush.py`` (options ``--bidders 1000``,
``--size-mb 1``, ``--clients 16``). It prepares a data directory in-process (a lot open for
bidding, N bidder companies registered with deposits, bid keys and sign-in tokens; cheap
password hashing for the set-up only), seals one envelope of ``--size-mb`` per bidder
(SM4-GCM, SM2), then:

1. starts ``jianzheng serve`` as a subprocess on loopback and lets ``--clients`` threads
   submit all envelopes as fast as the server takes them; prints throughput and p50/p99
   latency of the submissions (each answered with a receipt: event, inclusion proof,
   signed checkpoint);
2. repeats with a fresh lot, SIGKILLs the server when half the receipts are in, restarts it
   and submits what is left (bidders whose request failed retry once); then checks that
   every bid that got a receipt is in the database and that its receipt verifies against
   the platform's keys, and runs ``jianzheng verify`` when that command exists.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from jianzheng.adapters import passwords
from jianzheng.adapters.keyring import load_platform_verifiers
from jianzheng.bidder.client import verify_receipt
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.identifiers import id_check_character, uscc_check_character
from jianzheng.domain.roles import Role
from jianzheng.sealing.envelope import seal
from jianzheng.sealing.keys import KeyPair, generate
from jianzheng.sealing.package import BidPackage, PackedDocument
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Upload

JIANZHENG = str(Path(sys.executable).with_name("jianzheng"))


def uscc(n: int) -> str:
    first = f"91110100MA{n:07d}"
    return first + uscc_check_character(first)


def id_number(n: int) -> str:
    first = f"11010219800101{n:03d}"[:17]
    return first + id_check_character(first)


def prepare(data_dir: Path, bidders: int) -> tuple[Services, list[dict[str, Any]]]:
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # set-up accounts only
    services = bootstrap(Settings(data_dir=data_dir, token_days=2))
    p, system = services.platform, Actor.system()
    p.create_user(system, "staff", "bench-pass-1", Role.STAFF, "staff")
    staff = services.auth.login("staff", "bench-pass-1")[1]
    companies = []
    for kind in ("tenderer", "agency"):
        rep = p.register_person(staff, r.RegisterPerson(name=f"{kind}代表", id_number=id_number(900 + len(companies)),
                                                        roles=("legal_representative",), phone="13900000000"))
        events = p.register_enterprise(staff, r.RegisterEnterprise(
            name=f"基准{kind}", credit_code=uscc(900_000 + len(companies)), kind=kind,
            legal_representative_id=rep[0].payload["person_id"], address="北京", phones=("010-1",),
            basic_account=f"6200{len(companies):012d}", basic_bank="银行"))
        companies.append(events[0].payload["party_id"])
    tenderer_id, agency_id = companies
    p.create_user(system, "agency", "bench-pass-1", Role.AGENCY, "agency", party_id=agency_id)
    p.create_user(system, "tenderer", "bench-pass-1", Role.TENDERER, "tenderer", party_id=tenderer_id)
    p.create_user(system, "supervisor", "bench-pass-1", Role.SUPERVISOR, "supervisor")
    people = []
    for i in range(bidders):
        rep = p.register_person(staff, r.RegisterPerson(name=f"法人{i}", id_number=id_number(i),
                                                        roles=("legal_representative",), phone="13800000000"))
        party = p.register_enterprise(staff, r.RegisterEnterprise(
            name=f"投标单位{i:04d}", credit_code=uscc(i + 1), kind="bidder",
            legal_representative_id=rep[0].payload["person_id"], address="北京", phones=("010-2",),
            basic_account=f"6222{i:012d}", basic_bank="银行"))[0].payload["party_id"]
        p.create_user(system, f"b{i:04d}", "bench-pass-1", Role.BIDDER, f"b{i}", party_id=party)
        token, actor = services.auth.login(f"b{i:04d}", "bench-pass-1")
        keys = generate()
        services.sealed.register_key(actor, keys.public.to_json())
        people.append({"party": party, "token": token, "actor": actor, "keys": keys})
    return services, people


def open_lot(services: Services, people: list[dict[str, Any]], name: str) -> str:
    p = services.platform
    agency = services.auth.login("agency", "bench-pass-1")[1]
    tenderer = services.auth.login("tenderer", "bench-pass-1")[1]
    supervisor = services.auth.login("supervisor", "bench-pass-1")[1]
    tenderer_id, agency_id = tenderer.party_id, agency.party_id
    assert tenderer_id and agency_id
    events = p.register_project(agency, r.RegisterProject(
        name=name, tenderer_id=tenderer_id, agency_id=agency_id, funding_source="财政", state_funded=True,
        region="北京", lots=(c.RegisterLot("", name, 10_000_000_000, "works", "construction-open", tenderer_id,
                                          agency_id, True),)))
    lot_id = str(events[1].payload["lot_id"])
    doc = p.store_document(Upload("招标文件.pdf", b"%PDF tender " + lot_id.encode(), "application/pdf"))
    factors = (c.FactorSpec("price", "报价", "Price", 10000),)
    p.lot_command(agency, lot_id, c.CompileDocuments(doc, "comprehensive", factors, 10_000_000))
    p.lot_command(tenderer, lot_id, c.ConfirmDocuments(1))
    p.lot_command(supervisor, lot_id, c.FileDocuments(True, "备案"))
    now = p.clock.now()
    p.lot_command(agency, lot_id, c.PublishAnnouncement(now, now + timedelta(days=7), now + timedelta(days=21),
                                                        "招标公告"))
    for person in people:
        p.lot_command(person["actor"], lot_id, c.RegisterBidder())
        p.lot_command(person["actor"], lot_id, c.PayDeposit(10_000_000, f"6222{int(person['actor'].username[1:]):012d}",
                                                            "银行"))
    return lot_id


def envelopes(people: list[dict[str, Any]], lot_id: str, size: int) -> list[bytes]:
    out = []
    filler = os.urandom(size)
    for i, person in enumerate(people):
        package = BidPackage({"price_fen": 9_000_000_000 + i}, (PackedDocument("投标文件.pdf", filler),)).to_bytes()
        keys: KeyPair = person["keys"]
        envelope, _ = seal(package, lot_id, person["party"], keys, fingerprint={"tool": "bench"})
        out.append(json.dumps(envelope).encode())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([JIANZHENG, "--data-dir", str(data_dir), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/sealing/config", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def rush(port: int, lot_id: str, people: list[dict[str, Any]], bodies: list[bytes], clients: int,
         kill_after: int | None = None, server: subprocess.Popen[bytes] | None = None) -> dict[str, Any]:
    receipts: dict[int, dict[str, Any]] = {}
    latencies: list[float] = []
    failed: list[int] = []
    lock = threading.Lock()
    killed = threading.Event()

    def submit(i: int) -> None:
        headers = {"Authorization": f"Bearer {people[i]['token']}", "Content-Type": "application/json"}
        start = time.perf_counter()
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/api/v1/lots/{lot_id}/bids/sealed", content=bodies[i],
                                  headers=headers, timeout=120)
        except httpx.HTTPError:
            with lock:
                failed.append(i)
            return
        elapsed = time.perf_counter() - start
        with lock:
            if response.status_code == 200:
                receipts[i] = response.json()
                latencies.append(elapsed)
                if kill_after is not None and server is not None and len(receipts) >= kill_after \
                        and not killed.is_set():
                    killed.set()
                    server.send_signal(signal.SIGKILL)
            else:
                failed.append(i)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(submit, range(len(bodies))))
    return {"receipts": receipts, "latencies": latencies, "failed": failed,
            "seconds": time.perf_counter() - started}


def report(label: str, result: dict[str, Any]) -> None:
    lat = sorted(result["latencies"])
    p50 = statistics.median(lat) if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
    print(f"{label}: {len(result['receipts'])} receipts, {len(result['failed'])} failed, "
          f"{result['seconds']:.1f} s, {len(result['receipts']) / result['seconds']:.1f} bids/s, "
          f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bidders", type=int, default=1000)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{args.bidders} bidders x {args.size_mb} MB, {args.clients} concurrent clients")
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        t0 = time.perf_counter()
        services, people = prepare(data_dir, args.bidders)
        lot_a = open_lot(services, people, "基准标段甲")
        lot_b = open_lot(services, people, "基准标段乙")
        bodies_a = envelopes(people, lot_a, int(args.size_mb * 1024 * 1024))
        print(f"prepared in {time.perf_counter() - t0:.1f} s (envelope size {len(bodies_a[0]) / 1048576:.2f} MB)")
        services.engine.dispose()
        port = free_port()
        server = start_server(data_dir, port)
        try:
            report("rush", rush(port, lot_a, people, bodies_a, args.clients))
        finally:
            server.terminate()
            server.wait()
        del bodies_a
        bodies_b = envelopes(people, lot_b, int(args.size_mb * 1024 * 1024))
        server = start_server(data_dir, port)
        first = rush(port, lot_b, people, bodies_b, args.clients, kill_after=args.bidders // 2, server=server)
        server.wait()
        report("rush until SIGKILL", first)
        server = start_server(data_dir, port)
        try:
            left = [i for i in range(len(bodies_b)) if i not in first["receipts"]]
            second = rush(port, lot_b, [people[i] for i in left], [bodies_b[i] for i in left], args.clients)
            report("after restart", second)
        finally:
            server.terminate()
            server.wait()
        receipts = list(first["receipts"].values()) + list(second["receipts"].values())
        verifiers = load_platform_verifiers(data_dir)
        check = bootstrap(Settings(data_dir=data_dir), create=False)
        with check.store.read() as session:
            stored = {row["bid_id"] for row in session.rows("bids", {"lot_id": lot_b})}
        missing = [rc["bid_id"] for rc in receipts if rc["bid_id"] not in stored]
        bad = 0
        for rc in receipts:
            try:
                verify_receipt(rc, verifiers)
            except Exception:
                bad += 1
        print(f"after the crash: {len(receipts)} receipts, {len(missing)} missing from the database, "
              f"{bad} receipts failing verification, {len(stored)} bids stored")
        check.engine.dispose()
        verify = subprocess.run([JIANZHENG, "--data-dir", str(data_dir), "verify"], capture_output=True, text=True)
        if "No such command" in verify.stderr:
            print("jianzheng verify: not available in this build")
        else:
            print(f"jianzheng verify: exit {verify.returncode}; {verify.stdout.strip().splitlines()[-1:]} ")


if __name__ == "__main__":
    main()
