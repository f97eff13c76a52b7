"""The fast replay: the same projections on in-memory tables give exactly what SQL gives.

The stand-in for SQLAlchemy (`memory_sql`) is checked against SQLite on the constructs the
projections use and their SQL semantics (defaults, NULL comparisons, SET a = a + 1, key and
NOT NULL violations); the cloned projections are checked against `projections.apply`
through SQLAlchemy on a whole tender; and an unknown construct makes `verify` replay with
SQL by itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql import projections
from jianzheng.adapters.sql.verify import VerifyOptions, load_keys, verify
from jianzheng.adapters.sql.verify.compare import normalizer
from jianzheng.adapters.sql.verify.memory_sql import (
    SQL,
    ConstraintViolation,
    MemoryConnection,
    MemoryTable,
    Unsupported,
)
from jianzheng.adapters.sql.verify.replay import MemoryReplay, SqlReplay
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.events import Envelope, EventDraft, WitnessedEvent
from tests.adapters.test_verify import full_tender
from tests.support.tender import START, build_world

metadata = sa.MetaData()
things = sa.Table(
    "things", metadata,
    sa.Column("thing_id", sa.String(16), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("code", sa.String(8), unique=True),
    sa.Column("count", sa.Integer),
    sa.Column("flag", sa.Boolean, nullable=False, default=False),
    sa.Column("source", sa.String(16), nullable=False, server_default="platform"),
    sa.Column("tags", sa.JSON),
)


@pytest.fixture
def pair() -> Iterator[tuple[sa.Connection, MemoryConnection, MemoryTable]]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    memory = MemoryTable(things)
    with engine.begin() as conn:
        yield conn, MemoryConnection({"things": memory}), memory
    engine.dispose()


def rows_of(conn: sa.Connection) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(sa.select(things)))


def memory_rows(memory: MemoryTable) -> list[tuple[Any, ...]]:
    out = []
    for row in memory.rows.values():
        out.append(tuple(normalizer(c.type)(v) if isinstance(c.type, sa.Boolean) else v
                         for c, v in zip(things.columns, row, strict=True)))
    return sorted(out)


def test_the_stand_in_follows_sql_on_the_constructs_projections_use(pair: Any) -> None:
    conn, mconn, memory = pair
    m = memory.c
    for execute, sa_, t in ((conn.execute, sa, things), (mconn.execute, SQL, memory)):
        c = t.c
        execute(sa_.insert(t).values(thing_id="a", name="甲", code="X1", count=1, tags=["x"]))
        execute(sa_.insert(t), [{"thing_id": "b", "name": "乙", "count": None}, {"thing_id": "c", "name": "丙",
                                                                                 "count": None}])
        execute(sa_.update(t).where(c.thing_id == "a").values(count=c.count + 1, flag=True))
        execute(sa_.update(t).where(c.count == None).values(name="空"))  # noqa: E711  (SQLAlchemy: IS NULL)
        execute(sa_.update(t).where(c.count.is_(None)).values(count=c.count + 5))  # NULL + 5 stays NULL
        execute(sa_.update(t).where(c.count > 1).values(tags=["big"]))
        execute(sa_.update(t).where(c.thing_id.in_(("a", "b")), c.name != "甲").values(code="Y2"))
        execute(sa_.delete(t).where(c.thing_id == "c"))
        execute(sa_.update(t).where(c.thing_id == "zzz").values(name="nobody"))
    assert memory_rows(memory) == rows_of(conn)
    assert mconn.execute(SQL.select(m.count).where(m.thing_id == "a")).scalar_one() == 2
    found = mconn.execute(SQL.select(m.name).where(m.thing_id == "b")).first()
    assert found.name == "空"
    assert mconn.execute(SQL.select(m.name).where(m.thing_id == "nope")).first() is None


@pytest.mark.parametrize("statement", [
    lambda t: SQL.insert(t).values(thing_id="a", name="again"),  # duplicate primary key
    lambda t: SQL.insert(t).values(thing_id="n", name=None),  # NULL in NOT NULL
    lambda t: SQL.insert(t).values(thing_id="u", name="u", code="X1"),  # duplicate unique value
    lambda t: SQL.update(t).where(t.c.thing_id == "a").values(name=None),
])
def test_the_stand_in_refuses_what_the_database_refuses(pair: Any, statement: Any) -> None:
    conn, mconn, memory = pair
    mconn.execute(SQL.insert(memory).values(thing_id="a", name="甲", code="X1"))
    with pytest.raises(ConstraintViolation):
        mconn.execute(statement(memory))


@pytest.mark.parametrize("statement", [
    lambda t: SQL.func.count(),
    lambda t: SQL.update(t).where(t.c.thing_id == "a").returning(t.c.name),
    lambda t: SQL.insert(t).values(thing_id="a", name=t.c.code),
    lambda t: SQL.select(t.c.name).order_by(t.c.name),
    lambda t: SQL.update(t).values(nonexistent=1),
    lambda t: (SQL.insert(t), [{"thing_id": "p", "name": "p"}, {"thing_id": "q", "name": "q", "count": 1}]),
])
def test_an_unknown_construct_is_refused_not_guessed(pair: Any, statement: Any) -> None:
    _, mconn, memory = pair
    with pytest.raises(Unsupported):
        made = statement(memory)
        mconn.execute(*made) if isinstance(made, tuple) else mconn.execute(made)


def test_fast_and_exact_replays_of_a_whole_tender_are_identical(tmp_path: Path) -> None:
    world = build_world(tmp_path / "data", bidders=3)
    full_tender(world)
    with world.services.engine.connect() as conn:
        documents = [json.loads(e) for (e,) in conn.execute(sa.text("SELECT entry FROM events ORDER BY seq"))]
    fast, exact = MemoryReplay(), SqlReplay()
    for document in documents:
        fast.apply(document)
        exact.apply(document)
    assert not exact.failures
    for mine, theirs in zip(fast.results(), exact.results(), strict=True):
        assert mine.name == theirs.name and mine.columns == theirs.columns
        normal = [normalizer(c) for c in _types(mine.name)]
        left = sorted(json.dumps([f(v) for f, v in zip(normal, r, strict=True)], default=str) for r in mine.rows)
        right = sorted(json.dumps([f(v) for f, v in zip(normal, r, strict=True)], default=str) for r in theirs.rows)
        assert left == right, mine.name
    assert sum(len(r.rows) for r in fast.results()) > 40
    exact.close()
    world.services.engine.dispose()


def _types(table_name: str) -> list[sa.types.TypeEngine[Any]]:
    from jianzheng.adapters.sql import tables

    return [c.type for c in next(t for t in tables.REPLAYED_TABLES if t.name == table_name).columns]


@pytest.fixture
def custom_projector() -> Iterator[str]:
    """A projector written with a construct the stand-in lacks (sa.text), registered for the test."""
    from jianzheng.adapters.sql import tables as t

    def project(conn: sa.Connection, event: WitnessedEvent, at: str) -> None:
        conn.execute(sa.update(t.users).where(t.users.c.user_id == sa.text(":u")).values(display_name="x"),
                     {"u": event.payload["user_id"]})

    projections._PROJECTORS["test.renamed"] = project
    yield "test.renamed"
    del projections._PROJECTORS["test.renamed"]


def test_verify_replays_with_sql_when_a_projector_uses_an_unknown_construct(tmp_path: Path,
                                                                            custom_projector: str) -> None:
    world = build_world(tmp_path / "data", bidders=1, experts=0)
    staff_id = world.actors["staff"].user_id
    with world.services.store.write() as session:
        session.append([EventDraft(custom_projector, f"user:{staff_id}", {"user_id": staff_id})],
                       Envelope(START, "system", "system", "127.0.0.1", "CMDTEST"))
    keys = load_keys(world.services.settings.data_dir)
    report = verify(world.services.engine, VerifyOptions(keys.platform, workers=0, blobs=world.services.blobs))
    assert report.ok, [d.en for d in report.discrepancies]
    assert report.stats["replay"] == "sql"
    assert any("SQLAlchemy" in en and "test.renamed" in en for _, en in report.notes), report.notes
    with world.services.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT display_name FROM users WHERE user_id = :u"),
                            {"u": staff_id}).scalar_one() == "x"
    world.services.engine.dispose()


def test_event_times_reach_the_projections_in_the_ledger_form() -> None:
    replay = MemoryReplay()
    document = {"seq": 1, "time": "2026-03-02T09:00:00+08:00", "actor": "system", "role": "system",
                "source_ip": "127.0.0.1", "command_id": "C1", "type": "project.registered",
                "stream": "project:P1", "origin": "platform",
                "payload": {"project_id": "P1", "name": "工程", "tenderer_id": "T", "agency_id": None,
                            "funding_source": "财政资金", "state_funded": True, "region": "昆明"}}
    replay.apply(document)
    row = replay.tables["projects"].rows[("P1",)]
    assert row[replay.tables["projects"].position["registered_at"]] == format_instant(START)
