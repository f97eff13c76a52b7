"""The schema: migrations match the tables, and the event log refuses UPDATE and DELETE."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from jianzheng.adapters.sql.database import create_schema, make_engine
from jianzheng.adapters.sql.metadata import metadata
from tests.support.tender import build_world, register_lot


def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


@pytest.mark.parametrize("statement", [
    "UPDATE events SET actor = 'someone-else' WHERE seq = 1",
    "DELETE FROM events WHERE seq = 1",
    "UPDATE ledger_nodes SET hash = hash WHERE level = 0 AND idx = 0",
    "DELETE FROM ledger_nodes",
])
def test_event_log_and_tree_are_append_only(tmp_path: Path, database_url: str, statement: str) -> None:
    world = build_world(tmp_path, database_url, bidders=1, experts=0)
    register_lot(world)
    engine = world.services.engine
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == before
        assert conn.execute(sa.text("SELECT actor FROM events WHERE seq = 1")).scalar_one() != "someone-else"
