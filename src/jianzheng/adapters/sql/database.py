"""Engines for SQLite (embedded default, WAL) and PostgreSQL, and the append-only guard.

Write transactions take the database's write lock before they read anything (SQLite:
BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock), so sequence numbers and
the Merkle tree are extended by one writer at a time and a read-then-write never fails on
a stale snapshot. Reads use ordinary deferred transactions and run alongside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

WRITE = "jianzheng_write"
_PG_LOCK_KEY = 7_283_461  # any constant: the advisory lock that serialises appends


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'jianzheng.db').resolve()}"


def make_engine(url: str, durable: bool = True, **kwargs: Any) -> sa.Engine:
    """An engine with the connection settings jianzheng relies on.

    `durable=False` (SQLite only) trades the fsync of every commit for speed: a crash may
    lose the last commits but, in WAL mode, never corrupts the database. Only bulk builds
    such as the demo's simulated year use it.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **kwargs)
        _configure_sqlite(engine, durable)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
        _configure_postgres(engine)
    return engine


def _configure_sqlite(engine: sa.Engine, durable: bool = True) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Durable commits: a receipt means on disk. NORMAL (bulk builds only) skips the fsync per commit.
        cursor.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _configure_postgres(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(WRITE, False):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")


APPEND_ONLY_TABLES = ("events", "ledger_nodes", "checkpoints", "cosignatures")


def _append_only_ddl(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION jianzheng_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '%% is append-only: %% refused', TG_TABLE_NAME, TG_OP; END $$",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION jianzheng_append_only()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION jianzheng_append_only()",
    ]


def install_append_only_guards(conn: sa.Connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    for table in tables:
        for statement in _append_only_ddl(conn.dialect.name, table):
            conn.exec_driver_sql(statement)


def alembic_config(url: str | None = None) -> Any:
    """The Alembic configuration for jianzheng's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def create_schema(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration and install the append-only triggers."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")  # helpers' branches are merged before release
        install_append_only_guards(conn)
