"""Group commit and the in-memory Merkle frontier of the SQL store, on SQLite and PostgreSQL.

Concurrent write sessions share one transaction, each in its own savepoint: a failed one
writes nothing and the others are kept; every session returns only after the shared commit
and fails if it fails. The tree built through cached frontiers is the tree of the leaves,
also when another process (another store on the same database) appends in between.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql.database import create_schema, make_engine
from jianzheng.adapters.sql.store import GroupCommitError, SqlStore
from jianzheng.domain.events import Envelope, EventDraft
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.merkle import append as merkle_append
from jianzheng.ledger.merkle import root
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.proofs import verify_consistency
from tests.conftest import DATABASES, fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    with fresh_database(request.param, tmp_path) as url:
        built = make_engine(url)
        create_schema(built)
        yield built
        built.dispose()


def envelope(n: int) -> Envelope:
    return Envelope(NOW, "U1", "staff", "10.0.0.1", f"CMD{n}")


def draft(n: int) -> EventDraft:
    return EventDraft("test.happened", f"test:{n}", {"n": n})


def append(store: SqlStore, n: int, events: int = 1) -> None:
    with store.write() as session:
        session.append([draft(n * 100 + i) for i in range(events)], envelope(n))


def commits(engine: sa.Engine) -> list[int]:
    counted = [0]

    @sa.event.listens_for(engine, "commit")
    def on_commit(conn: Any) -> None:
        counted[0] += 1

    return counted


def assert_tree_matches_leaves(store: SqlStore) -> None:
    with store.read() as session:
        size = session.tree_size()
        entries = session.leaves(0, size)
        stored_root = session.tree_root(size)
        seqs = [r["seq"] for r in session.rows("events", order_by="seq")]
    assert seqs == list(range(1, size + 1))
    memory = MemoryNodeStore()
    merkle_append(memory, 0, [leaf_hash(e) for e in entries])
    assert stored_root == root(memory, size)


def hold_then_queue(store: SqlStore, first: Any, queued: list[Any]) -> list[BaseException | None]:
    """Run `first` in a session that waits until every `queued` body is waiting for the store, then finishes.

    This makes the group deterministic: `first` opens it, and the queued sessions join it in turn.
    """
    results: list[BaseException | None] = [None] * (1 + len(queued))
    release = threading.Event()

    def run(index: int, body: Any, hold: bool) -> None:
        try:
            with store.write() as session:
                body(session)
                if hold:
                    release.wait(30)
        except BaseException as exc:
            results[index] = exc

    opener = threading.Thread(target=run, args=(0, first, True))
    opener.start()
    while store._owner is None:  # the opener holds the store
        time.sleep(0.001)
    others = []
    for i, body in enumerate(queued, start=1):
        thread = threading.Thread(target=run, args=(i, body, False))
        thread.start()
        others.append(thread)
        while store._queued < i:
            time.sleep(0.001)
    release.set()
    for thread in [opener, *others]:
        thread.join(60)
    return results


def test_queued_sessions_share_one_commit_and_a_failed_one_writes_nothing(engine: sa.Engine) -> None:
    store = SqlStore(engine)
    append(store, 0)
    counted = commits(engine)

    def ok(n: int) -> Any:
        return lambda session: session.append([draft(n)], envelope(n))

    def failing(session: Any) -> None:
        session.append([draft(99)], envelope(99))
        raise ValueError("refused after appending")

    results = hold_then_queue(store, ok(1), [ok(2), failing, ok(3)])
    assert results[0] is None and results[1] is None and results[3] is None
    assert isinstance(results[2], ValueError)
    assert counted[0] == 1  # four sessions, one commit
    with store.read() as session:
        payloads = [r["entry"] for r in session.rows("events", order_by="seq")]
    assert len(payloads) == 4 and all('"n":99' not in p for p in payloads)
    assert_tree_matches_leaves(store)


def test_a_failed_shared_commit_fails_every_member(engine: sa.Engine) -> None:
    store = SqlStore(engine)
    append(store, 0)

    class Failing:
        def __init__(self, real: Any) -> None:
            self.real = real

        def commit(self) -> None:
            self.real.rollback()
            raise sa.exc.OperationalError("COMMIT", {}, RuntimeError("disk full"))

        def rollback(self) -> None:
            self.real.rollback()

    def first(session: Any) -> None:
        session.append([draft(1)], envelope(1))
        group = store._group
        assert group is not None
        group.transaction = Failing(group.transaction)  # type: ignore[assignment]

    results = hold_then_queue(store, first, [lambda s: s.append([draft(2)], envelope(2))])
    assert isinstance(results[0], GroupCommitError)  # it handed over and waited for the commit
    assert isinstance(results[1], sa.exc.OperationalError)  # it committed for both
    with store.read() as session:
        assert session.count("events") == 1
    append(store, 3)  # the store recovers, and re-reads the tree (the cached frontier was dropped)
    assert_tree_matches_leaves(store)


def test_many_concurrent_writers_build_the_right_tree(engine: sa.Engine) -> None:
    store = SqlStore(engine)
    counted = commits(engine)
    errors: list[BaseException] = []

    def client(k: int) -> None:
        try:
            for i in range(15):
                n = k * 1000 + i
                if i % 5 == 4:
                    try:
                        with store.write() as session:
                            session.append([draft(n)], envelope(n))
                            raise KeyError("refused")
                    except KeyError:
                        continue
                append(store, n, events=1 + i % 3)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    with store.read() as session:
        assert session.count("events") == 6 * sum(1 + i % 3 for i in range(15) if i % 5 != 4)
    assert counted[0] <= 6 * 12  # never more commits than successful sessions
    assert_tree_matches_leaves(store)


def test_another_writer_between_appends_is_noticed(engine: sa.Engine) -> None:
    ours, theirs = SqlStore(engine), SqlStore(engine)  # two processes on one database
    append(ours, 1, events=3)
    with ours.read() as session:
        old_size, old_root = session.tree_size(), session.tree_root(3)
    append(theirs, 2, events=2)
    append(ours, 3, events=4)  # our cached frontier is for size 3; the tree has 5 leaves
    append(theirs, 4)
    append(ours, 5)
    assert_tree_matches_leaves(ours)
    with ours.read() as session:
        size = session.tree_size()
        assert verify_consistency(old_size, size, old_root, session.tree_root(size),
                                  session.consistency_proof(old_size, size))


def test_a_nested_write_session_on_one_thread_is_refused(engine: sa.Engine) -> None:
    store = SqlStore(engine)
    with store.write() as session:
        session.append([draft(1)], envelope(1))
        with pytest.raises(RuntimeError, match="inside another"), store.write():
            pass
    append(store, 2)
    assert_tree_matches_leaves(store)
