"""Hand-written statements on the DBAPI cursor of a SQLAlchemy connection, for the append hot path.

Every command appends an event row and a few Merkle node rows, and every proof reads a
batch of nodes. For these few fixed statements SQLAlchemy's per-call work (building the
statement, its cache key, one parameter dictionary per row) costs several times the
database's own work, so they go straight to the driver's cursor — on the same connection,
hence inside the caller's transaction. Driver errors are re-raised as SQLAlchemy's
exceptions (``sa.exc.IntegrityError`` and so on), exactly as ``Connection.execute`` would.

Only SQLite (``qmark``) and psycopg 3 (``format``/``pyformat``) are handled; for any other
dialect :func:`marker` returns None and callers use SQLAlchemy Core.

On PostgreSQL each statement is a network round trip, which dominates the append path, so
rows are inserted with one multi-row ``VALUES`` statement (psycopg's ``executemany`` sends a
pipeline per call, slower for the one to three rows of an ordinary command) and
:func:`insert_many` can put inserts into several tables in one statement
(data-modifying ``WITH``). SQLite runs in-process: there ``executemany`` is cheapest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# Bound parameters per statement, well under PostgreSQL's 65,535 and SQLite's 32,766.
MAX_PARAMETERS = 30_000


def marker(conn: sa.Connection) -> str | None:
    """The DBAPI placeholder for this connection's driver, or None when it is not one we handle."""
    return _MARKERS.get(conn.dialect.paramstyle)


def table_name(conn: sa.Connection, table: sa.Table) -> str:
    return str(conn.dialect.identifier_preparer.format_table(table))


def _cursor(conn: sa.Connection) -> Any:
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _wrapped(conn: sa.Connection, statement: str, params: Any, exc: Exception) -> sa.exc.StatementError:
    base = conn.dialect.loaded_dbapi.Error
    return sa.exc.DBAPIError.instance(statement, params, exc, base, dialect=conn.dialect)


def executemany(conn: sa.Connection, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one ``executemany`` of ``statement`` over ``rows`` on the connection's cursor."""
    cursor = _cursor(conn)
    try:
        cursor.executemany(statement, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, statement, rows, exc) from exc
    finally:
        cursor.close()


def fetchall(conn: sa.Connection, statement: str, params: Sequence[Any]) -> list[Any]:
    """Run one query on the connection's cursor and return all its rows."""
    cursor = _cursor(conn)
    try:
        cursor.execute(statement, params)
        rows: list[Any] = cursor.fetchall()
        return rows
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, statement, params, exc) from exc
    finally:
        cursor.close()


def _values(placeholder: str, columns: int, rows: int) -> str:
    row = "(" + ", ".join([placeholder] * columns) + ")"
    return ", ".join([row] * rows)


Insert = tuple[sa.Table, Sequence[str], Sequence[Sequence[Any]]]  # table, column names, rows


def insert_many(conn: sa.Connection, inserts: Sequence[Insert]) -> None:
    """Insert rows into one or more tables, in as few round trips as the database allows.

    ``inserts`` holds (table, column names, rows). The caller checked :func:`marker`.
    """
    placeholder = marker(conn)
    assert placeholder is not None
    work = [(table, columns, rows) for table, columns, rows in inserts if rows]
    parameters = sum(len(columns) * len(rows) for _, columns, rows in work)
    if conn.dialect.name != "postgresql" or parameters > MAX_PARAMETERS:
        for table, columns, rows in work:
            statement = (f"INSERT INTO {table_name(conn, table)} ({', '.join(columns)}) "
                         f"VALUES ({', '.join([placeholder] * len(columns))})")
            batch = max(1, MAX_PARAMETERS // len(columns))
            for start in range(0, len(rows), batch):
                executemany(conn, statement, rows[start : start + batch])
        return
    parts = [f"INSERT INTO {table_name(conn, table)} ({', '.join(columns)}) "
             f"VALUES {_values(placeholder, len(columns), len(rows))}" for table, columns, rows in work]
    if not parts:
        return
    # One statement: every insert but the last in a data-modifying WITH clause.
    statement = "".join(f"{'WITH' if i == 0 else ','} w{i} AS ({part}) " for i, part in enumerate(parts[:-1]))
    statement += parts[-1]
    params = [value for _, _, rows in work for row in rows for value in row]
    cursor = _cursor(conn)
    try:
        cursor.execute(statement, params)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, statement, params, exc) from exc
    finally:
        cursor.close()
