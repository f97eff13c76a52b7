"""The SQL node store on real SQLite and PostgreSQL: same roots and proofs as in memory,
batched in the caller's transaction, rolled back with it, and append-only in the database.

PostgreSQL: ``JIANZHENG_TEST_POSTGRES_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
Each test gets its own schema, dropped afterwards. Unreachable PostgreSQL skips locally and
fails in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_testing import skip_or_fail

from jianzheng.adapters.sql.ledger_store import SqlNodeStore
from jianzheng.adapters.sql.ledger_tables import ledger_nodes
from jianzheng.ledger.errors import MissingNodeError
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.merkle import append, root
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.proofs import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

POSTGRES_URL = os.environ.get("JIANZHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _sqlite(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger_nodes.create(engine)
    yield engine
    engine.dispose()


def _postgres() -> Iterator[sa.Engine]:
    try:
        admin = sa.create_engine(POSTGRES_URL)
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any connection failure means "unreachable"
        skip_or_fail(f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.__class__.__name__}")
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        ledger_nodes.create(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres()


def hashes(start: int, stop: int) -> list[bytes]:
    return [leaf_hash(f"event {i}".encode()) for i in range(start, stop)]


def test_sql_store_matches_memory_store(engine: sa.Engine) -> None:
    memory = MemoryNodeStore()
    append(memory, 0, hashes(0, 1500))
    size = 0
    for start, stop in [(0, 1), (1, 2), (2, 700), (700, 701), (701, 1500)]:
        with engine.begin() as connection:
            size, new_root, nodes = append(SqlNodeStore(connection), size, hashes(start, stop))
        assert new_root == root(memory, size)
    with engine.connect() as connection:
        store = SqlNodeStore(connection)
        assert store.leaf_count() == 1500 and store.node_count() == memory.node_count()
        for size in (1, 2, 3, 1024, 1025, 1500):
            assert root(store, size) == root(memory, size)
        for index, size in [(0, 1500), (1499, 1500), (733, 1025), (5, 6)]:
            proof = inclusion_proof(store, index, size)
            assert proof == inclusion_proof(memory, index, size)
            assert verify_inclusion(hashes(index, index + 1)[0], index, size, proof, root(store, size))
        for old, new in [(1, 1500), (1024, 1500), (700, 701), (999, 1000)]:
            proof = consistency_proof(store, old, new)
            assert proof == consistency_proof(memory, old, new)
            assert verify_consistency(old, new, root(store, old), root(store, new), proof)
        with pytest.raises(MissingNodeError):
            root(store, 1501)


def test_append_rolls_back_with_the_callers_transaction(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        size, first_root, _ = append(SqlNodeStore(connection), 0, hashes(0, 10))
    with pytest.raises(RuntimeError), engine.begin() as connection:
        append(SqlNodeStore(connection), size, hashes(10, 20))
        raise RuntimeError("the event insert failed")
    with engine.connect() as connection:
        store = SqlNodeStore(connection)
        assert store.leaf_count() == 10 and root(store, 10) == first_root


def test_nodes_are_append_only_in_the_database(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        append(SqlNodeStore(connection), 0, hashes(0, 4))
    for statement in [
        sa.update(ledger_nodes).values(hash=b"\x00" * 32),
        sa.delete(ledger_nodes),
    ]:
        with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as connection:
            connection.execute(statement)
        assert "append-only" in str(info.value)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        SqlNodeStore(connection).put_nodes([((0, 0), b"\x11" * 32)])  # no overwrite either
    with engine.connect() as connection:
        assert SqlNodeStore(connection).node_count() == 7
