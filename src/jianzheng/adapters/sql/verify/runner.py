"""`verify` end to end: one read snapshot, one pass over the events, then the comparisons.

Order of work (all inside one read-only transaction, so a platform that keeps appending
does not disturb the picture: SQLite WAL and PostgreSQL REPEATABLE READ both give a
snapshot):

1. Load the checkpoints and cosignatures; when there are many, start checking their
   signatures in a worker process (the second core) while the main process goes on.
2. One streaming pass over ``events`` in sequence order: sequence numbers dense from 1;
   each entry JSON, canonical (RFC 8785), with the envelope fields the row's indexed
   columns repeat; its leaf hash appended to the recomputed tree; its blob references
   collected; the event replayed into empty read tables.
3. The stored tree nodes compared with the recomputed ones (every node, not only roots).
4. Every checkpoint's root compared with the recomputed root at its size, and each two
   consecutive checkpoints checked with a consistency proof made from the stored tree.
5. The live read tables compared with the replayed ones, row by row, column by column.
6. Every referenced blob read and its SHA-256, SM3 and size recomputed.

Memory: the recomputed tree (64 bytes per event) and the replayed read tables; events are
read in batches and never held.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.blobs import FileBlobStore
from jianzheng.adapters.sql import tables as table_module
from jianzheng.adapters.sql.event_store import _lot_of
from jianzheng.adapters.sql.ledger_store import SqlNodeStore
from jianzheng.adapters.sql.ledger_tables import checkpoints as checkpoint_table
from jianzheng.adapters.sql.ledger_tables import cosignatures as cosignature_table
from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.adapters.sql.tables import events
from jianzheng.adapters.sql.verify.blobs import BlobReferences, check_blobs
from jianzheng.adapters.sql.verify.canonical_check import parse_entry
from jianzheng.adapters.sql.verify.canonical_check import parse_json as _DECODE_ANY
from jianzheng.adapters.sql.verify.compare import compare_table
from jianzheng.adapters.sql.verify.replay import MemoryReplay, ReplayedTable, SqlReplay
from jianzheng.adapters.sql.verify.report import Discrepancy, Report
from jianzheng.adapters.sql.verify.signatures import (
    CheckpointRow,
    CosignatureRow,
    SignedHead,
    check_signatures,
)
from jianzheng.adapters.sql.verify.tree import PLACEHOLDER, StoredTree, TreeBuilder, compare_nodes
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.hashing import node_hash
from jianzheng.ledger.proofs import consistency_proof, verify_consistency

Progress = Callable[[str, int, int | None], None]  # (phase, how many more done, total or None)

ENVELOPE = frozenset({"seq", "time", "actor", "role", "source_ip", "command_id", "type", "stream", "origin",
                      "payload"})
_TEXT_FIELDS = ("time", "actor", "role", "source_ip", "command_id", "type", "stream", "origin")
_COLUMNS = ("seq", *_TEXT_FIELDS, "lot_id")
# Below this many checkpoints a worker process costs more to start than it saves.
_PARALLEL_CHECKPOINTS = 200


@dataclass(frozen=True)
class VerifyOptions:
    """What to check against.

    ``platform_keys`` and ``witness_keys`` are signed-note verifier key strings (Ed25519 /
    SM2 for the platform, cosignature/v1 for witnesses); ``blobs`` is the document store
    (``None``: blobs are not checked, and the report says so). ``replay`` is ``"memory"``
    (fast; falls back to SQL by itself when needed) or ``"sql"``. ``workers`` > 0 lets
    the ledger checks run in a second process (and many checkpoint signatures in a third)
    once the ledger has at least ``parallel_from`` events; 0 keeps everything in this process.
    """

    platform_keys: tuple[str, ...]
    witness_keys: tuple[str, ...] = ()
    blobs: FileBlobStore | None = None
    limit: int = 100
    batch: int = 10_000
    replay: str = "memory"
    workers: int = 1
    parallel_from: int = 20_000


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as connection:
        conn = connection
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn


class _Clock:
    """Wall-clock and CPU seconds of each phase (CPU: this process only)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.started, self.started_cpu = time.perf_counter(), time.process_time()
        self.last, self.last_cpu = self.started, self.started_cpu

    def lap(self, phase: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.report.timings[phase] = self.report.timings.get(phase, 0.0) + now - self.last
        self.report.cpu[phase] = self.report.cpu.get(phase, 0.0) + cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu



def _load_checkpoints(conn: sa.Connection) -> list[CheckpointRow]:
    cosigned: dict[int, list[CosignatureRow]] = {}
    query = sa.select(cosignature_table).order_by(cosignature_table.c.checkpoint_id, cosignature_table.c.witness)
    for c in conn.execute(query).mappings():
        cosigned.setdefault(int(c["checkpoint_id"]), []).append(
            CosignatureRow(c["witness"], c["key_id"], c["line"], int(c["timestamp"])))
    rows = conn.execute(sa.select(checkpoint_table).order_by(checkpoint_table.c.tree_size)).mappings()
    return [CheckpointRow(int(r["checkpoint_id"]), int(r["tree_size"]), bytes(r["root_hash"]), r["note"],
                          tuple(cosigned.get(int(r["checkpoint_id"]), ()))) for r in rows]


class _Signatures:
    """Checkpoint signature checks, in a worker process when there are many."""

    def __init__(self, rows: list[CheckpointRow], options: VerifyOptions) -> None:
        self.rows = rows
        self.options = options
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future[tuple[list[Discrepancy], list[SignedHead]]]] = []
        if options.workers > 0 and len(rows) >= _PARALLEL_CHECKPOINTS:
            try:
                self.pool = ProcessPoolExecutor(max_workers=options.workers,
                                                mp_context=multiprocessing.get_context("spawn"))
                step = max(1, -(-len(rows) // (options.workers * 8)))
                self.futures = [self.pool.submit(check_signatures, rows[i: i + step], options.platform_keys,
                                                 options.witness_keys) for i in range(0, len(rows), step)]
            except (OSError, RuntimeError):
                self.close()

    def results(self) -> tuple[list[Discrepancy], list[SignedHead]]:
        found: list[Discrepancy] = []
        heads: list[SignedHead] = []
        try:
            if self.futures:
                for future in self.futures:
                    part, signed = future.result()
                    found.extend(part)
                    heads.extend(signed)
                return found, heads
        except Exception:  # a broken worker: check here instead, the answer must not depend on it
            found, heads = [], []
        finally:
            self.close()
        return check_signatures(self.rows, self.options.platform_keys, self.options.witness_keys)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


@dataclass
class _Scanned:
    events: int
    missing_leaves: set[int]
    bad_leaves: set[int]  # leaves whose event is malformed, not canonical or disagrees with its columns


def _malformed(report: Report, seq: int, zh: str, en: str) -> None:
    report.add(Discrepancy("event.malformed", f"事件 {seq} 的条目不是有效的事件：{zh}",
                           f"the entry of event {seq} is not a valid event: {en}", seq=seq, leaf=seq - 1))


def _check_envelope(report: Report, seq: int, document: Any) -> bool:
    if type(document) is not dict:
        _malformed(report, seq, "不是 JSON 对象", "not a JSON object")
        return False
    keys = document.keys()
    if keys != ENVELOPE:
        lacking = ", ".join(sorted(ENVELOPE - keys)) or "-"
        extra = ", ".join(sorted(keys - ENVELOPE)) or "-"
        _malformed(report, seq, f"缺少字段 {lacking}，多出字段 {extra}", f"fields missing: {lacking}; extra: {extra}")
        return False
    if type(document["seq"]) is not int or type(document["payload"]) is not dict or not all(
            type(document[k]) is str for k in _TEXT_FIELDS):
        _malformed(report, seq, "字段类型不对（seq 应为整数，payload 应为对象，其余为字符串）",
                   "wrong field types (seq must be an integer, payload an object, the rest strings)")
        return False
    return True


def _column_mismatches(report: Report, row: Sequence[Any], document: dict[str, Any]) -> None:
    seq = row[0]
    entry_values = (document["seq"], *(document[k] for k in _TEXT_FIELDS),
                    _lot_of(document["stream"], document["payload"]))
    for name, column, value in zip(_COLUMNS, row, entry_values, strict=False):
        if column != value:
            report.add(Discrepancy(
                "event.column", f"事件 {seq} 的列 {name} 为 {column!r}，而其账本条目中为 {value!r}",
                f"event {seq}: column {name} is {column!r} but its ledger entry says {value!r}",
                table="events", key=f"seq={seq}", field=name, live=column, replayed=value, seq=seq, leaf=seq - 1))


def _missing_event(report: Report, seq: int) -> None:
    report.add(Discrepancy("event.missing", f"事件 {seq} 缺失（叶子 {seq - 1}）：序号不连续，该事件已被删除",
                           f"event {seq} is missing (leaf {seq - 1}): the sequence has a gap, the event was deleted",
                           table="events", key=f"seq={seq}", seq=seq, leaf=seq - 1))


class _Irregular(Exception):
    """An entry that needs the detailed (reporting) checks."""


def _stream(conn: sa.Connection, statement: sa.Select[Any], batch: int) -> Iterator[list[Any]]:
    """Rows of a SELECT as the driver's plain tuples, ``batch`` at a time, inside the snapshot.

    The driver's own cursor (a server-side cursor on PostgreSQL) skips SQLAlchemy's row
    processing, which would cost more than the checks for a million events. The statement
    has no parameters, so it is compiled with literal values.
    """
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver = conn.connection.driver_connection
    assert driver is not None
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"jianzheng_verify_{next(_CURSORS)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


_CURSORS = itertools.count(1)


def _scan_events(conn: sa.Connection, report: Report, builder: TreeBuilder, references: BlobReferences, bound: int,
                 total: int, options: VerifyOptions, progress: Progress | None) -> _Scanned:
    query = sa.select(events.c.seq, *(events.c[k] for k in _TEXT_FIELDS), events.c.lot_id,
                      events.c.entry).order_by(events.c.seq)
    sha256 = hashlib.sha256
    add_leaf = builder.add
    missing: set[int] = set()
    bad: set[int] = set()
    expected = 1
    count = 0
    for partition in _stream(conn, query, options.batch):
        for row in partition:
            seq = row[0]
            if seq != expected:
                if seq < expected or seq > bound:
                    report.add(Discrepancy(
                        "event.seq_invalid", f"事件序号 {seq} 超出账本范围 1…{bound}",
                        f"event seq {seq} is outside the ledger's range 1…{bound}", table="events", key=f"seq={seq}",
                        seq=seq))
                    continue
                while expected < seq:
                    add_leaf(PLACEHOLDER)
                    missing.add(expected - 1)
                    _missing_event(report, expected)
                    expected += 1
            expected = seq + 1
            entry = row[10]
            data = entry.encode("utf-8")
            add_leaf(sha256(b"\x00" + data).digest())
            try:
                document, canonical = parse_entry(entry, data)
            except ValueError as exc:
                _malformed(report, seq, f"不是 JSON（{exc}）", f"not JSON ({exc})")
                bad.add(seq - 1)
                continue
            if not canonical:
                bad.add(seq - 1)
                report.add(Discrepancy("event.not_canonical", f"事件 {seq} 的条目不是规范 JSON（RFC 8785）",
                                       f"the entry of event {seq} is not canonical JSON (RFC 8785)", seq=seq,
                                       leaf=seq - 1))
            try:
                # Fast path: ten fields, the right types, equal to the row's columns. Text fields
                # equal to the row's text are text; a missing field raises KeyError.
                payload = document["payload"]
                if len(document) != 10 or type(document["seq"]) is not int or type(payload) is not dict:
                    raise _Irregular
                stream = document["stream"]
                agrees = (document["seq"], document["time"], document["actor"], document["role"],
                          document["source_ip"], document["command_id"], document["type"], stream,
                          document["origin"], _lot_of(stream, payload)) == row[:10]
            except (_Irregular, KeyError, TypeError, AttributeError):
                agrees = False
            if not agrees:
                bad.add(seq - 1)
                if not _check_envelope(report, seq, document):
                    continue
                _column_mismatches(report, row, document)
                payload = document["payload"]
            if "sha256" in entry:
                references.scan(seq, payload)
        count += len(partition)
        if progress is not None:
            progress("events", len(partition), total)
    while expected <= bound:
        # Leaves the tree has but no event row covers: events deleted from the end.
        add_leaf(PLACEHOLDER)
        missing.add(expected - 1)
        _missing_event(report, expected)
        expected += 1
    return _Scanned(count, missing, bad)


def _documents(conn: sa.Connection, options: VerifyOptions, progress: Progress | None,
               total: int) -> Iterator[dict[str, Any]]:
    """Every event's parsed entry, in order, for replay (entries that are not events are skipped:
    the ledger checks report them)."""
    for partition in _stream(conn, sa.select(events.c.entry).order_by(events.c.seq), options.batch):
        for (entry,) in partition:
            try:
                document = _DECODE_ANY(entry)
            except ValueError:
                continue
            if type(document) is dict and len(document) == 10 and document.keys() == ENVELOPE and type(
                    document["payload"]) is dict:
                yield document
        if progress is not None:
            progress("replay", len(partition), total)


def _replay(conn: sa.Connection, report: Report, options: VerifyOptions, progress: Progress | None,
            total: int) -> MemoryReplay | SqlReplay:
    """Replay every event; the fast replayer first, the exact one when the fast one gives up."""
    reason: str | None = None
    if options.replay == "memory":
        try:
            memory = MemoryReplay()
        except Exception as exc:  # a projections module the fast replay cannot clone
            reason = f"-: {type(exc).__name__}: {exc}"[:300]
        else:
            document: dict[str, Any] = {}
            try:
                for document in _documents(conn, options, progress, total):
                    memory.apply(document)
                return memory
            except Exception as exc:  # the fast replay gives up; the exact one decides
                reason = f"{document.get('seq')} ({document.get('type')}): {type(exc).__name__}: {exc}"[:300]
        report.note(f"快速重放无法处理事件 {reason}；已改用 SQLAlchemy 在内存 SQLite 中重放全部事件",
                    f"the fast replay could not handle event {reason}; every event was replayed with SQLAlchemy "
                    "on in-memory SQLite instead")
    exact = SqlReplay()
    for document in _documents(conn, options, progress, total):
        exact.apply(document)
    for failure in exact.failures:
        report.add(Discrepancy(
            "replay.failed", f"重放事件 {failure.seq}（{failure.type}）失败：{failure.error}",
            f"replaying event {failure.seq} ({failure.type}) failed: {failure.error}", seq=failure.seq))
    return exact


def _compare_tree(conn: sa.Connection, report: Report, builder: TreeBuilder, scanned: _Scanned, options: VerifyOptions,
                  progress: Progress | None, stored_nodes: int) -> StoredTree:
    query = sa.select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).order_by(
        ledger_nodes.c.level, ledger_nodes.c.idx)
    leaf_changes: list[tuple[int, bytes]] = []

    def stored() -> Iterator[tuple[int, int, bytes]]:
        for partition in _stream(conn, query, options.batch):
            yield from partition
            if progress is not None:
                progress("tree", len(partition), stored_nodes)

    def on_node(kind: str, level: int, index: int, value: bytes | None, consequence: bool) -> None:
        node = (level, index)
        if kind == "differs" and level == 0 and not consequence:
            assert value is not None
            leaf_changes.append((index, value))
        elif kind == "differs":
            report.add(Discrepancy(
                "tree.node", f"树节点 (层 {level}, 序号 {index}) 与从事件重算的哈希不符",
                f"tree node (level {level}, index {index}) differs from the hash recomputed from the events",
                node=node, leaf=index << level, consequence=consequence))
        elif kind == "missing" and level == 0 and index not in scanned.missing_leaves:
            report.add(Discrepancy(
                "event.not_in_tree", f"事件 {index + 1} 不在默克尔树中：缺少叶节点 (层 0, 序号 {index})",
                f"event {index + 1} is not in the Merkle tree: leaf node (level 0, index {index}) is missing",
                node=node, seq=index + 1, leaf=index))
        elif kind == "missing":
            report.add(Discrepancy(
                "tree.node_missing", f"缺少树节点 (层 {level}, 序号 {index})",
                f"tree node (level {level}, index {index}) is missing", node=node, leaf=index << level,
                consequence=consequence or index << level in scanned.missing_leaves))
        else:
            report.add(Discrepancy(
                "tree.node_extra", f"多余的树节点 (层 {level}, 序号 {index})：它覆盖的叶子没有对应的事件",
                f"extra tree node (level {level}, index {index}): no events cover its leaves", node=node,
                leaf=index << level))

    tree = compare_nodes(builder, stored(), scanned.missing_leaves, on_node)
    for index, value in leaf_changes:
        scanned.bad_leaves.add(index)
        report.add(_leaf_change(tree, index, value))
    return tree


def _leaf_change(tree: StoredTree, index: int, stored: bytes) -> Discrepancy:
    """Say whether the event's entry or the leaf node was changed, from the stored parent."""
    try:
        parent_hash, sibling_hash = tree.get_nodes([(1, index >> 1), (0, index ^ 1)])
        pair = (stored, sibling_hash) if index % 2 == 0 else (sibling_hash, stored)
        entry_changed: bool | None = node_hash(*pair) == parent_hash
    except LedgerError:
        entry_changed = None
    seq = index + 1
    if entry_changed:
        zh = (f"事件 {seq} 的条目已被改动：其哈希与树中叶节点 (层 0, 序号 {index}) 不符，而该叶节点与其父节点一致"
              "（树中保存的是原始条目）")
        en = (f"the entry of event {seq} was changed: it no longer hashes to leaf node (level 0, index {index}), "
              "which still agrees with its parent (the tree holds the original entry)")
    elif entry_changed is False:
        zh = f"树中叶节点 (层 0, 序号 {index}) 已被改动：它既不是事件 {seq} 条目的哈希，也与其父节点不一致"
        en = (f"leaf node (level 0, index {index}) was changed: it is neither the hash of event {seq}'s entry nor "
              "consistent with its parent")
    else:
        zh = f"事件 {seq} 的条目哈希与树中叶节点 (层 0, 序号 {index}) 不符：条目或叶节点被改动"
        en = f"the entry of event {seq} does not hash to leaf node (level 0, index {index}): entry or node changed"
    return Discrepancy("tree.leaf", zh, en, node=(0, index), leaf=index, seq=seq)


def _check_heads(report: Report, heads: list[SignedHead], builder: TreeBuilder, tree: StoredTree,
                 scanned: _Scanned, stored_size: int) -> None:
    first_bad = min(scanned.bad_leaves | scanned.missing_leaves, default=None)
    readable = sorted((h for h in heads if h.size is not None and h.root is not None), key=lambda h: h.size or 0)
    for head in readable:
        assert head.size is not None and head.root is not None
        where_zh = f"检查点 #{head.checkpoint_id}（树大小 {head.size}）"
        where_en = f"checkpoint #{head.checkpoint_id} (tree size {head.size})"
        if head.size > builder.size:
            report.add(Discrepancy("checkpoint.beyond", f"{where_zh}超出账本：只有 {builder.size} 个叶子",
                                   f"{where_en} is beyond the ledger, which has {builder.size} leaves",
                                   checkpoint=head.size))
            continue
        if builder.root(head.size) != head.root:
            report.add(Discrepancy(
                "checkpoint.root", f"{where_zh}签名的根哈希与从事件重算的根哈希不符",
                f"{where_en}: the signed root differs from the root recomputed from the events",
                checkpoint=head.size, consequence=first_bad is not None and first_bad < head.size))
    usable = [h for h in readable if h.size is not None and h.size <= min(builder.size, stored_size)]
    for old, new in zip(usable, usable[1:], strict=False):
        assert old.size is not None and new.size is not None and old.root is not None and new.root is not None
        if old.size == new.size:
            continue
        try:
            proof = consistency_proof(tree, old.size, new.size)
            holds = verify_consistency(old.size, new.size, old.root, new.root, proof)
            reason_zh, reason_en = "证明不成立", "the proof does not verify"
        except LedgerError as exc:
            holds, reason_zh, reason_en = False, exc.zh, exc.en
        if not holds:
            consequence = tree.changed_below(new.size) or (first_bad is not None and first_bad < new.size)
            report.add(Discrepancy(
                "checkpoint.inconsistent",
                f"检查点 #{old.checkpoint_id}（{old.size}）与 #{new.checkpoint_id}（{new.size}）不一致："
                f"由存储的树得出的一致性证明：{reason_zh}",
                f"checkpoints #{old.checkpoint_id} ({old.size}) and #{new.checkpoint_id} ({new.size}) are not "
                f"consistent: the consistency proof from the stored tree: {reason_en}",
                checkpoint=new.size, consequence=consequence))


def _live_rows(conn: sa.Connection, table: sa.Table, batch: int) -> Iterator[Any]:
    for partition in _stream(conn, sa.select(table), batch):
        yield from partition


def _compare_tables(conn: sa.Connection, report: Report, replayed: dict[str, ReplayedTable], options: VerifyOptions,
                    progress: Progress | None) -> int:
    rows = 0
    json_as_text = conn.dialect.name == "sqlite"
    present = set(sa.inspect(conn).get_table_names())
    for table in table_module.REPLAYED_TABLES:
        if table.name not in present:
            count = len(replayed[table.name].rows)
            report.add(Discrepancy(
                "table.absent",
                f"数据库中没有表 {table.name}（数据库结构未升级？请运行迁移）；重放得到 {count} 行",
                f"the database has no table {table.name} (schema not upgraded? run the migrations); the replay "
                f"produces {count} rows for it", table=table.name))
            continue
        rows += compare_table(table, _live_rows(conn, table, options.batch), replayed[table.name], report,
                              json_as_text)
        if progress is not None:
            progress("tables", 1, len(table_module.REPLAYED_TABLES))
    return rows


def _counts(conn: sa.Connection) -> tuple[int, int, int, int]:
    """Event rows, last seq, stored tree size (leaves) and stored node count, in this snapshot."""
    event_rows, last_seq = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(events.c.seq), 0))).one()
    nodes = SqlNodeStore(conn)
    return int(event_rows), int(last_seq), nodes.leaf_count(), nodes.node_count()


def _ledger_checks(conn: sa.Connection, report: Report, options: VerifyOptions,
                   progress: Progress | None) -> dict[str, Any]:
    """Events, tree, checkpoints, signatures and blobs (everything but the read tables)."""
    clock = _Clock(report)
    event_rows, last_seq, stored_size, stored_nodes = _counts(conn)
    bound = max(stored_size, event_rows)
    rows = _load_checkpoints(conn)
    clock.lap("load")
    signatures = _Signatures(rows, options)
    builder = TreeBuilder()
    references = BlobReferences()
    try:
        scanned = _scan_events(conn, report, builder, references, bound, event_rows, options, progress)
        clock.lap("events")
        tree = _compare_tree(conn, report, builder, scanned, options, progress, stored_nodes)
        clock.lap("tree")
        found, heads = signatures.results()
    finally:
        signatures.close()
    for discrepancy in found:
        report.add(discrepancy)
    _check_heads(report, heads, builder, tree, scanned, stored_size)
    clock.lap("checkpoints")
    blobs_checked = 0
    if options.blobs is not None:
        references_found = list(references.found.values())
        blobs_checked, problems = check_blobs(
            options.blobs, references_found,
            (lambda n: progress("blobs", n, len(references_found))) if progress is not None else None)
        for problem in problems:
            report.add(problem)
    else:
        report.note("未检查文件库（没有给出文件库目录）", "the blob store was not checked (no blob directory given)")
    clock.lap("blobs")
    return {"events": event_rows, "last_seq": last_seq, "tree_size": stored_size, "tree_nodes": stored_nodes,
            "checkpoints": len(rows), "cosignatures": sum(len(r.cosignatures) for r in rows),
            "blob_references": len(references.found), "blobs_checked": blobs_checked}


def _table_checks(conn: sa.Connection, report: Report, options: VerifyOptions,
                  progress: Progress | None) -> dict[str, Any]:
    """Replay every event into empty read tables and compare them with the live ones."""
    clock = _Clock(report)
    total = int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())
    replayer = _replay(conn, report, options, progress, total)
    clock.lap("replay")
    replayed = {r.name: r for r in replayer.results()}
    table_rows = _compare_tables(conn, report, replayed, options, progress)
    if isinstance(replayer, SqlReplay):
        replayer.close()
    clock.lap("tables")
    return {"tables": len(table_module.REPLAYED_TABLES), "table_rows": table_rows,
            "replay": "sql" if isinstance(replayer, SqlReplay) else "memory"}


def _ledger_worker(url: str, options: VerifyOptions, channel: Any) -> None:
    """The ledger checks in a process of their own (its own connection and snapshot)."""
    from jianzheng.adapters.sql.database import make_engine

    engine = make_engine(url)
    pending = [0]

    def progress(phase: str, done: int, total: int | None) -> None:
        pending[0] += done
        if pending[0] >= options.batch or phase != "events":
            channel.put(("progress", phase, pending[0], total))
            pending[0] = 0

    try:
        report = Report(limit=options.limit)
        with _snapshot(engine) as conn:
            stats = _ledger_checks(conn, report, options, progress)
        channel.put(("done", report, stats))
    except BaseException as exc:  # reported to the parent, which then runs the checks itself
        channel.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        engine.dispose()


class _LedgerProcess:
    """Runs `_ledger_worker` on the second core; `result()` waits for it, relaying progress."""

    def __init__(self, url: str, options: VerifyOptions, progress: Progress | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.channel: Any = context.Queue()
        self.progress = progress
        self.process = context.Process(target=_ledger_worker, args=(url, replace(options, workers=0), self.channel),
                                       daemon=True)
        self.process.start()
        self.outcome: tuple[Any, ...] | None = None

    def poll(self) -> None:
        """Relay progress messages that have arrived (call it now and then)."""
        while self.outcome is None:
            try:
                message = self.channel.get_nowait()
            except queue.Empty:
                return
            self._take(message)

    def _take(self, message: tuple[Any, ...]) -> None:
        if message[0] == "progress":
            if self.progress is not None:
                self.progress(message[1], message[2], message[3])
        else:
            self.outcome = message

    def result(self) -> tuple[Report, dict[str, Any]] | None:
        """The worker's report and stats, or None when it failed (the caller then checks itself)."""
        while self.outcome is None:
            try:
                self._take(self.channel.get(timeout=1.0))
            except queue.Empty:
                if not self.process.is_alive():
                    try:
                        self._take(self.channel.get(timeout=1.0))
                    except queue.Empty:
                        self.outcome = ("error", f"the worker process ended with code {self.process.exitcode}")
        self.process.join(timeout=10)
        if self.outcome[0] != "done":
            return None
        return self.outcome[1], self.outcome[2]


def _worker_url(engine: sa.Engine) -> str | None:
    """The URL a second process can open, or None (an in-memory SQLite database cannot be shared)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def verify(engine: sa.Engine, options: VerifyOptions, progress: Progress | None = None) -> Report:
    """Check the ledger, the checkpoints, the read tables and the blobs; return what was found.

    With ``options.workers`` > 0 the ledger checks run in a second process with their own
    snapshot while this process replays and compares the read tables; otherwise both run
    here, on one snapshot.
    """
    if options.replay not in ("memory", "sql"):
        raise ValueError(f"replay must be 'memory' or 'sql', not {options.replay!r}")
    report = Report(limit=options.limit)
    started = time.perf_counter()
    started_cpu = time.process_time()
    if not options.platform_keys:
        report.add(Discrepancy("keys.none",
                               "没有平台公钥，无法核验检查点签名（用 --key 提供，或放在数据目录 keys/ 下）",
                               "no platform public key: checkpoint signatures cannot be checked (give --key, or "
                               "keep them in the data directory's keys/)"))
    url = _worker_url(engine) if options.workers > 0 else None
    if url is not None:
        with engine.connect() as conn:
            if int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()) < options.parallel_from:
                url = None  # starting a process would cost more than it saves
    worker = _LedgerProcess(url, options, progress) if url is not None else None
    stats: dict[str, Any] = {}
    if worker is not None:
        relay = progress
        if progress is not None:
            def relay(phase: str, done: int, total: int | None) -> None:
                progress(phase, done, total)
                worker.poll()
        with _snapshot(engine) as conn:
            stats.update(_table_checks(conn, report, options, relay))
        outcome = worker.result()
        if outcome is not None:
            report.merge(outcome[0])
            stats.update(outcome[1])
            stats["processes"] = 2
        else:
            report.note("账本检查的工作进程失败，已在本进程中检查", "the ledger checks' worker process failed; they "
                        "ran in this process instead")
            with _snapshot(engine) as conn:
                stats.update(_ledger_checks(conn, report, options, progress))
            stats["processes"] = 1
    else:
        with _snapshot(engine) as conn:
            stats.update(_ledger_checks(conn, report, options, progress))
            stats.update(_table_checks(conn, report, options, progress))
        stats["processes"] = 1
    report.timings["total"] = time.perf_counter() - started
    report.cpu["total"] = time.process_time() - started_cpu
    stats.update(platform_keys=len(options.platform_keys), witness_keys=len(options.witness_keys))
    report.stats.update(stats)
    return report
