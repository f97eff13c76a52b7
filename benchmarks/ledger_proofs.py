"""Benchmark: build a 10-million-leaf ledger tree and time appends and proofs.

Run ``.venv/bin/python benchmarks/ledger_proofs.py`` (options: ``--leaves N``,
``--batch N``, ``--store sqlite|memory``, ``--proofs N``). The SQLite store is the real
adapter (:class:`jianzheng.adapters.sql.ledger_store.SqlNodeStore`) on a temporary file,
one transaction per batch, WAL journal. Prints the machine, the store used and the figures:
append rate, inclusion/consistency proof generation and verification rates, proof sizes,
database size and peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from jianzheng.adapters.sql.ledger_store import SqlNodeStore
from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.merkle import append, root
from jianzheng.ledger.nodestore import MemoryNodeStore, NodeStore
from jianzheng.ledger.proofs import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)


def entry(i: int) -> bytes:
    return f'{{"seq":{i},"type":"bid.submitted"}}'.encode()


@contextmanager
def sqlite_store(path: Path) -> Iterator[tuple[sa.Engine, None]]:
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    ledger_nodes.create(engine)
    try:
        yield engine, None
    finally:
        engine.dispose()


def build(store_for_batch: object, leaves: int, batch: int) -> tuple[int, bytes, float]:
    size, tree_root = 0, b""
    started = time.perf_counter()
    last_report = started
    while size < leaves:
        count = min(batch, leaves - size)
        hashes = [leaf_hash(entry(i)) for i in range(size, size + count)]
        size, tree_root = store_for_batch(size, hashes)  # type: ignore[operator]
        now = time.perf_counter()
        if now - last_report > 15:
            rate = size / (now - started)
            print(f"  ... {size:,} leaves, {rate:,.0f} leaves/s", flush=True)
            last_report = now
    return size, tree_root, time.perf_counter() - started


def measure_proofs(store: NodeStore, size: int, count: int) -> None:
    rng = random.Random(7)
    size_root = root(store, size)
    indexes = [rng.randrange(size) for _ in range(count)]
    started = time.perf_counter()
    proofs = [inclusion_proof(store, i, size) for i in indexes]
    generation = time.perf_counter() - started
    started = time.perf_counter()
    for i, proof in zip(indexes, proofs, strict=True):
        assert verify_inclusion(leaf_hash(entry(i)), i, size, proof, size_root)
    verification = time.perf_counter() - started
    lengths = [len(p) for p in proofs]
    print(
        f"inclusion proofs:   {count / generation:,.0f}/s generated, "
        f"{count / verification:,.0f}/s verified; "
        f"{min(lengths)}-{max(lengths)} hashes ({32 * min(lengths)}-{32 * max(lengths)} bytes), "
        f"mean {sum(lengths) / count:.1f} hashes"
    )

    olds = [rng.randrange(1, size) for _ in range(count)]
    started = time.perf_counter()
    pairs = [(m, root(store, m), consistency_proof(store, m, size)) for m in olds]
    generation = time.perf_counter() - started
    started = time.perf_counter()
    for m, old_root, proof in pairs:
        assert verify_consistency(m, size, old_root, size_root, proof)
    verification = time.perf_counter() - started
    lengths = [len(p) for _, _, p in pairs]
    print(
        f"consistency proofs: {count / generation:,.0f}/s generated (with the old root), "
        f"{count / verification:,.0f}/s verified; "
        f"{min(lengths)}-{max(lengths)} hashes ({32 * min(lengths)}-{32 * max(lengths)} bytes), "
        f"mean {sum(lengths) / count:.1f} hashes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--proofs", type=int, default=2_000)
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    print(f"store: {args.store}; {args.leaves:,} leaves in batches of {args.batch:,}")
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        if args.store == "memory":
            memory = MemoryNodeStore()

            def step(size: int, hashes: list[bytes]) -> tuple[int, bytes]:
                new_size, new_root, _ = append(memory, size, hashes)
                return new_size, new_root

            size, _, elapsed = build(step, args.leaves, args.batch)
            print(
                f"append: {size / elapsed:,.0f} leaves/s ({elapsed:.1f} s), "
                f"{memory.node_count():,} nodes"
            )
            measure_proofs(memory, size, args.proofs)
        else:
            path = Path(directory) / "ledger.db"
            with sqlite_store(path) as (engine, _):

                def step(size: int, hashes: list[bytes]) -> tuple[int, bytes]:
                    with engine.begin() as connection:
                        new_size, new_root, _ = append(SqlNodeStore(connection), size, hashes)
                    return new_size, new_root

                size, _, elapsed = build(step, args.leaves, args.batch)
                print(
                    f"append: {size / elapsed:,.0f} leaves/s ({elapsed:.1f} s, "
                    "one transaction per batch)"
                )
                with engine.connect() as connection:
                    store = SqlNodeStore(connection)
                    print(f"nodes stored: {store.node_count():,}")
                    measure_proofs(store, size, args.proofs)
                files = [path, path.with_name("ledger.db-wal")]
                total = sum(f.stat().st_size for f in files if f.exists())
                print(
                    f"database size: {total / 2**20:,.0f} MiB ({total / size:.0f} bytes per leaf)"
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
