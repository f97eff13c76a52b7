"""Alembic environment: runs on the connection `create_schema` hands over, or on the URL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from jianzheng.adapters.sql import ledger_tables, tables  # noqa: F401  (define the tables)
from jianzheng.adapters.sql.metadata import metadata

config = context.config
connection = config.attributes.get("connection")


def run(conn: sa.Connection) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        run(conn)
