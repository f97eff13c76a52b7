"""Benchmark: `jianzheng verify` on a ledger of a million witnessed events.

Run ``.venv/bin/python benchmarks/ledger_verify.py`` (options: ``--events N`` default
1,000,000; ``--database-url URL`` to build on PostgreSQL instead of a temporary SQLite
file; ``--checkpoint-every N`` default 1000; ``--stage-checkpoints`` to also sign a
checkpoint after every stage change, as the platform's Checkpointer does; ``--keep DIR``
to build into DIR and keep it, or reuse it when it already holds a built ledger;
``--build-projections memory|sql``, see 3. below; ``--replay memory|sql``, verify's
replay mode). Goal (issue 3): verify 1,000,000 events in under 60 s.

What is built, exactly:

1. A template, through the real services (``tests/support/tender.py``, simulated clock):
   the registry (staff, supervisor, tenderer, agency, 5 bidders with their project
   managers, 5 experts, their accounts and sign-ins), then one lot through its whole life:
   project and lot registered, tender documents compiled, confirmed and filed, the
   announcement, 5 bidders registering, paying deposits and submitting bids (content and a
   document each), the opening, the committee, 25 scores, the evaluation report, the
   candidates, the award, the contract and the 5 deposit refunds.
2. The target ledger: the registry events once, then copies of the lot's events until
   ``--events`` is reached. Each copy gets its own project, lot, bid and deposit ids and
   command ids, and its own documents: every blob the lot references is rewritten as new
   bytes (the original plus the copy number) into the blob store, and the copy's events
   carry the new SHA-256, SM3 and size.
3. Appended in transactions of about 10,000 events: the events table (each entry the
   canonical JSON of the event with its sequence number; every 997th entry is checked
   against ``canonical_bytes``) and the tree nodes through ``merkle.append``. The read
   tables, by default (``--build-projections memory``), are what the projections produce
   when run by verify's in-memory replay (``jianzheng.adapters.sql.verify.replay``), written
   in bulk at the end: per-event SQL would take hours for a million events on this machine.
   ``--build-projections sql`` appends through ``event_store.append`` and
   ``projections.apply`` per event, exactly as live appends do (use it for smaller runs; the
   tests check that both give identical tables). Blob files are written without fsync.
4. A checkpoint every ``--checkpoint-every`` events (and, with ``--stage-checkpoints``,
   after each stage-changing event), signed with the platform's Ed25519 and SM2 keys, each
   cosigned by one witness key.

Then ``verify`` runs end to end in a fresh process (so its peak RSS is its own) with the
platform keys from the data directory and the witness key, and the figures are printed:
events, seconds, events/s, peak RSS, the time of each phase and the report's counts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support.tender drives the template tender

import sqlalchemy as sa  # noqa: E402

from jianzheng.adapters.blobs import digests  # noqa: E402
from jianzheng.adapters.keyring import ensure_platform_keys  # noqa: E402
from jianzheng.adapters.sql import event_store, projections  # noqa: E402
from jianzheng.adapters.sql.database import WRITE, create_schema, make_engine, sqlite_url  # noqa: E402
from jianzheng.adapters.sql.ledger_access import LedgerAccess  # noqa: E402
from jianzheng.adapters.sql.ledger_store import SqlNodeStore  # noqa: E402
from jianzheng.adapters.sql.tables import REPLAYED_TABLES  # noqa: E402
from jianzheng.adapters.sql.tables import events as events_table  # noqa: E402
from jianzheng.adapters.sql.verify.replay import MemoryReplay  # noqa: E402
from jianzheng.domain.calendar import parse_instant  # noqa: E402
from jianzheng.domain.events import Envelope, EventDraft  # noqa: E402
from jianzheng.ledger import merkle  # noqa: E402
from jianzheng.ledger.canonical import canonical_bytes  # noqa: E402
from jianzheng.ledger.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from jianzheng.ledger.hashing import leaf_hash  # noqa: E402
from jianzheng.ledger.keys import generate_signer, save_verifier_key  # noqa: E402
from jianzheng.ledger.note import parse_note  # noqa: E402
from jianzheng.services.checkpoints import STAGE_EVENTS  # noqa: E402
from jianzheng.services.ports import StoredCosignature  # noqa: E402

ORIGIN = "bench.jianzheng.local/ledger"
LOCAL_ID_KEYS = ("project_id", "lot_id", "bid_id", "deposit_id", "objection_id", "complaint_id", "replaces")
MARKER = "built.json"


# -- the template -------------------------------------------------------------------------------


def template(workdir: Path) -> tuple[list[dict[str, Any]], int, Path]:
    """Run the template tender; return its events (as entries), where the lot begins, the blob dir."""
    from jianzheng.domain import commands as c
    from tests.support.tender import announce, bid, build_world, evaluate, open_lot, register_lot

    world = build_world(workdir / "template", ledger_origin=ORIGIN)
    with world.services.store.read() as session:
        registry_size = session.tree_size()
    lot_id = register_lot(world)
    announce(world, lot_id)
    for i in range(1, 6):
        bid(world, lot_id, f"bidder{i}", 900_000_000 + i * 1_000_000)
    open_lot(world, lot_id)
    evaluate(world, lot_id)
    p, staff = world.platform, world.actors["staff"]
    world.clock.advance(timedelta(days=1))
    p.lot_command(world.actors["agency"], lot_id, c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    bids = sorted((b for b in world.services.queries.bids(staff, lot_id) if b.get("rank")), key=lambda b: b["rank"])
    p.lot_command(world.actors["tenderer"], lot_id, c.Award(bids[0]["bidder_id"]))
    world.clock.advance(timedelta(days=5))
    p.lot_command(world.actors["tenderer"], lot_id, c.SignContract(int(bids[0]["price_fen"]), 50_000_000))
    world.clock.advance(timedelta(days=2))
    for deposit in world.services.queries.deposits(staff, lot_id):
        p.lot_command(world.actors["agency"], lot_id, c.RefundDeposit(deposit["deposit_id"], 1000))
    with world.services.engine.connect() as conn:
        entries = [json.loads(r.entry) for r in conn.execute(sa.select(events_table.c.entry)
                                                             .order_by(events_table.c.seq))]
    world.services.engine.dispose()
    return entries, registry_size, workdir / "template" / "blobs"


def local_ids(events: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in LOCAL_ID_KEYS and isinstance(item, str) and item:
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for event in events:
        walk(event["payload"])
    return found


class Copier:
    """Makes copy k of the lot's events: own ids, own documents."""

    def __init__(self, lot_events: list[dict[str, Any]], template_blobs: Path, blob_root: Path) -> None:
        self.events = lot_events
        self.ids = local_ids(lot_events)
        self.template_blobs = template_blobs
        self.blob_root = blob_root
        self.blob_bytes: dict[str, bytes] = {}

    def _blob(self, sha256: str, copy: int) -> dict[str, Any]:
        data = self.blob_bytes.get(sha256)
        if data is None:
            data = self.blob_bytes[sha256] = (self.template_blobs / sha256[:2] / sha256[2:4] / sha256).read_bytes()
        fresh = data + f"\n%copy {copy}\n".encode()
        blob = digests(fresh)
        target = self.blob_root / blob.sha256[:2] / blob.sha256[2:4] / blob.sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(fresh)
        return {"sha256": blob.sha256, "sm3": blob.sm3, "size": blob.size}

    def copy(self, k: int) -> list[dict[str, Any]]:
        suffix = f"-{k}"
        blobs: dict[str, dict[str, Any]] = {}

        def rewrite(value: Any) -> Any:
            if isinstance(value, str):
                return value + suffix if value in self.ids else value
            if isinstance(value, list):
                return [rewrite(v) for v in value]
            if isinstance(value, dict):
                out = {key: rewrite(item) for key, item in value.items()}
                if isinstance(value.get("sha256"), str) and isinstance(value.get("sm3"), str):
                    new = blobs.get(value["sha256"]) or blobs.setdefault(
                        value["sha256"], self._blob(value["sha256"], k))
                    out.update(sha256=new["sha256"], sm3=new["sm3"])
                    if "size" in value:
                        out["size"] = new["size"]
                if isinstance(value.get("content_sha256"), str) and value["content_sha256"]:
                    new = blobs.get(value["content_sha256"]) or blobs.setdefault(
                        value["content_sha256"], self._blob(value["content_sha256"], k))
                    out.update(content_sha256=new["sha256"], content_sm3=new["sm3"])
                return out
            return value

        copies = []
        for event in self.events:
            stream = event["stream"]
            kind, _, ident = stream.partition(":")
            copies.append({**event, "command_id": event["command_id"] + suffix, "payload": rewrite(event["payload"]),
                           "stream": f"{kind}:{ident}{suffix}" if ident in self.ids else stream})
        return copies


# -- the build -------------------------------------------------------------------------------------


def commands(events: list[dict[str, Any]]) -> Iterator[tuple[Envelope, list[EventDraft]]]:
    """Group consecutive events of one command under their envelope."""
    group: list[dict[str, Any]] = []
    for event in events:
        if group and event["command_id"] != group[0]["command_id"]:
            yield _envelope(group[0]), [EventDraft(e["type"], e["stream"], e["payload"]) for e in group]
            group = []
        group.append(event)
    if group:
        yield _envelope(group[0]), [EventDraft(e["type"], e["stream"], e["payload"]) for e in group]


def _envelope(event: dict[str, Any]) -> Envelope:
    return Envelope(parse_instant(event["time"]), event["actor"], event["role"], event["source_ip"],
                    event["command_id"], event.get("origin", "platform"))


# RFC 8785 output for these entries (integers within 2^53, no floats, no characters at or above
# U+E000, as canonical_check explains); the rfc8785 package would take minutes for a million.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


class Builder:
    """Appends to the target database; see the module docstring for the two projection modes."""

    def __init__(self, engine: sa.Engine, data_dir: Path, checkpoint_every: int, stage_checkpoints: bool,
                 projections_mode: str) -> None:
        self.engine = engine
        self.signers = ensure_platform_keys(data_dir, ORIGIN)
        self.witness = generate_signer("notary.bench.example", "cosignature")
        save_verifier_key(data_dir / "witness.vkey", self.witness)
        self.checkpoint_every = checkpoint_every
        self.stage_checkpoints = stage_checkpoints
        self.mode = projections_mode
        self.replay = MemoryReplay() if projections_mode == "memory" else None
        self.size = 0
        self.checkpoints = 0
        self.next_checkpoint = checkpoint_every

    def append(self, documents: list[dict[str, Any]]) -> None:
        """Append events given as entry documents without seq; assigns seq in order."""
        start = self.size
        rows: list[dict[str, Any]] = []
        entries: list[bytes] = []
        stage_sizes: list[int] = []
        for offset, document in enumerate(documents):
            seq = start + offset + 1
            document = {**document, "seq": seq}
            entry = _CANONICAL(document)
            if seq % 997 == 0:  # spot-check the fast encoding against the ledger's own encoder
                assert canonical_bytes(document) == entry.encode("utf-8"), f"entry {seq} is not canonical"
            entries.append(entry.encode("utf-8"))
            stream = document["stream"]
            rows.append({"seq": seq, **{k: document[k] for k in ("time", "actor", "role", "source_ip", "command_id",
                                                                  "type", "stream", "origin")},
                         "lot_id": stream[4:] if stream.startswith("lot:") else document["payload"].get("lot_id"),
                         "entry": entry})
            if self.stage_checkpoints and document["type"] in STAGE_EVENTS and stream.startswith("lot:"):
                stage_sizes.append(seq)
            if self.replay is not None:
                self.replay.apply(document)
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            if self.mode == "sql":
                for envelope, drafts in commands(documents):
                    witnessed, _ = event_store.append(conn, drafts, envelope)
                    for event in witnessed:
                        projections.apply(conn, event)
            else:
                conn.execute(sa.insert(events_table), rows)
            merkle.append(SqlNodeStore(conn), start, [leaf_hash(e) for e in entries])
            self.size = start + len(entries)
            sizes = set(stage_sizes)
            while self.next_checkpoint <= self.size:
                sizes.add(self.next_checkpoint)
                self.next_checkpoint += self.checkpoint_every
            for size in sorted(sizes):
                self._checkpoint(conn, size)

    def finish(self) -> None:
        """Memory mode: write the read tables the projections produced, in bulk."""
        if self.replay is None:
            return
        with self.engine.begin() as conn:
            for table in REPLAYED_TABLES:
                memory = self.replay.tables[table.name]
                rows = [dict(zip(memory.names, row, strict=True)) for row in memory.rows.values()]
                for i in range(0, len(rows), 10_000):
                    conn.execute(sa.insert(table), rows[i: i + 10_000])

    def _checkpoint(self, conn: sa.Connection, size: int) -> None:
        access = LedgerAccess()
        access.conn = conn
        body = Checkpoint(ORIGIN, size, access.tree_root(size))
        note = sign_checkpoint(body, self.signers).decode()
        stored = access.add_checkpoint(size, body.root_hash, note, "2026-03-02T01:00:00.000Z", "events")
        signature = self.witness.cosign(note)
        stamp = int.from_bytes(signature.signature[:8], "big")
        access.add_cosignature(stored.checkpoint_id, StoredCosignature(
            self.witness.name, signature.key_id.hex(), signature.line(), stamp, "2026-03-02T01:00:01.000Z"))
        parse_note(stored.note + signature.line())  # the cosigned note must read back
        self.checkpoints += 1


def build(data_dir: Path, url: str, events: int, checkpoint_every: int, stage_checkpoints: bool,
          projections_mode: str) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jz-verify-template-") as scratch:
        entries, registry_size, template_blobs = template(Path(scratch))
        for entry in entries:
            del entry["seq"]
        registry, lot_events = entries[:registry_size], entries[registry_size:]
        engine = make_engine(url)
        create_schema(engine)
        builder = Builder(engine, data_dir, checkpoint_every, stage_checkpoints, projections_mode)
        blob_root = data_dir / "blobs"
        for path in template_blobs.rglob("*"):
            if path.is_file():
                target = blob_root / path.relative_to(template_blobs)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
        copier = Copier(lot_events, template_blobs, blob_root)
        pending: list[dict[str, Any]] = list(registry)
        k = 0
        while builder.size + len(pending) < events:
            pending += copier.copy(k)[: events - builder.size - len(pending)]
            k += 1
            if len(pending) >= 10_000:
                builder.append(pending)
                pending = []
                print(f"  built {builder.size:,} events ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if pending:
            builder.append(pending)
        builder.finish()
        engine.dispose()
    facts = {"events": builder.size, "lots": k, "lot_template_events": len(lot_events),
             "registry_events": registry_size, "checkpoints": builder.checkpoints, "projections": projections_mode,
             "build_seconds": round(time.perf_counter() - started, 1), "url": url.split("?")[0]}
    (data_dir / MARKER).write_text(json.dumps(facts), encoding="utf-8")
    return facts


# -- the measurement ------------------------------------------------------------------------------------


def measure(data_dir: Path, url: str, replay: str) -> dict[str, Any]:
    """Run verify in this process (called in a fresh child) and return its figures."""
    from jianzheng.adapters.blobs import FileBlobStore
    from jianzheng.adapters.sql.verify import VerifyOptions, load_keys, verify

    keys = load_keys(data_dir, witness_files=[data_dir / "witness.vkey"])
    engine = make_engine(url)
    started = time.perf_counter()
    report = verify(engine, VerifyOptions(keys.platform, keys.witnesses, FileBlobStore(data_dir / "blobs"),
                                          replay=replay))
    seconds = time.perf_counter() - started
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ok": report.ok, "seconds": seconds, "peak_rss_mb": peak, "timings": report.timings, "cpu": report.cpu,
            "stats": report.stats, "counts": dict(report.counts),
            "consequences": dict(report.consequences), "warnings": dict(report.warnings), "notes": report.notes,
            "first": [d.en for d in report.discrepancies[:5]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="build on this database (default: SQLite in the dir)")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--stage-checkpoints", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="build into (or reuse) this directory")
    parser.add_argument("--replay", choices=("memory", "sql"), default="memory")
    parser.add_argument("--build-projections", choices=("memory", "sql"), default="memory",
                        help="how the read tables are built (see the module docstring)")
    parser.add_argument("--measure-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only is not None:
        url = args.database_url or sqlite_url(args.measure_only)
        print(json.dumps(measure(args.measure_only, url, args.replay)))
        return
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="jz-verify-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or sqlite_url(data_dir)
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    if (data_dir / MARKER).is_file():
        facts = json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
        print(f"reusing the ledger built in {data_dir}")
    else:
        print(f"building {args.events:,} events in {data_dir} ({url.split('?')[0]}) …")
        facts = build(data_dir, url, args.events, args.checkpoint_every, args.stage_checkpoints,
                      args.build_projections)
    print("built: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in facts.items()))
    command = [sys.executable, __file__, "--measure-only", str(data_dir), "--replay", args.replay]
    if args.database_url:
        command += ["--database-url", args.database_url]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.exit(f"verify failed (exit {finished.returncode}):\n{finished.stderr}")
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    events = figures["stats"]["events"]
    print(f"verify: {events:,} events in {figures['seconds']:.1f} s = {events / figures['seconds']:,.0f} events/s, "
          f"peak RSS {figures['peak_rss_mb']:,.0f} MB, ok={figures['ok']} (goal: 1,000,000 events < 60 s)")
    print("phases (wall): " + ", ".join(f"{k} {v:.1f} s" for k, v in figures["timings"].items()))
    print("phases (CPU, main process): " + ", ".join(f"{k} {v:.1f} s" for k, v in figures["cpu"].items()))
    print("stats: " + json.dumps(figures["stats"]))
    if not figures["ok"]:
        print("counts: " + json.dumps(figures["counts"]) + " consequences: " + json.dumps(figures["consequences"]))
        for line in figures["first"]:
            print("  " + line)
    if figures["notes"]:
        print("notes: " + json.dumps(figures["notes"], ensure_ascii=False))


if __name__ == "__main__":
    main()
