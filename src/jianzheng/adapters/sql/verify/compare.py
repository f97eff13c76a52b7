"""Comparing the live read tables with the replayed ones, row by row and column by column.

Values are compared in a form that does not depend on the database or on how a value
travelled: booleans as ``True``/``False`` (SQLite stores 0/1), integers as ``int``, text as
``str``, JSON as data whose key order does not matter but whose types do (``{"a": 1, "b":
2}`` equals ``{"b": 2, "a": 1}``, ``true`` never equals ``1``), floats as ``float``. Each live table is read once
with one streaming SELECT; its rows are matched to the replayed rows by primary key in a
hash table, so neither side needs a particular order or collation. Live rows come straight
from the driver (SQLAlchemy's row processing would cost more than the comparison); JSON
text is decoded here and SQLite's 0/1 booleans are read as booleans.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql.verify.replay import ReplayedTable
from jianzheng.adapters.sql.verify.report import Discrepancy, Report, shown

Normalizer = Callable[[Any], Any]
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=repr).encode


def _boolean(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return value


def _integer(value: Any) -> Any:
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def _float(value: Any) -> Any:
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, bool | int):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return value


def _json(value: Any) -> Any:
    try:
        return _JSON(value)
    except (TypeError, ValueError):
        return repr(value)


def _same_types(a: Any, b: Any) -> bool:
    """For JSON values already equal in Python: are they the same JSON (``true`` is not ``1``)?"""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        return all(_same_types(value, b[key]) for key, value in a.items())
    if kind is list:
        return all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return True


def normalizer(column_type: sa.types.TypeEngine[Any]) -> Normalizer:
    """How values of a column are brought to one comparable form."""
    if isinstance(column_type, sa.JSON):
        return _json
    if isinstance(column_type, sa.Boolean):
        return _boolean
    if isinstance(column_type, sa.Integer):
        return _integer
    if isinstance(column_type, sa.Float | sa.Numeric):
        return _float
    if isinstance(column_type, sa.String):
        return _text
    return lambda value: value


def _key_text(names: tuple[str, ...], key: tuple[Any, ...]) -> str:
    return ", ".join(f"{n}={v}" for n, v in zip(names, key, strict=True))


def compare_table(table: sa.Table, live_rows: Iterable[Any], replayed: ReplayedTable, report: Report,
                  json_as_text: bool = False) -> int:
    """Compare one table; report each differing field, extra and missing row. Returns live rows read.

    ``live_rows`` are the driver's tuples in column order; ``json_as_text`` says JSON columns
    arrive as text (SQLite) rather than decoded (PostgreSQL). Most rows are equal as Python
    values, which is checked first in one comparison; JSON columns are then checked for the
    same types throughout, because Python's equality takes ``True`` for ``1``. Rows that
    differ are compared column by column in normal form.
    """
    names = tuple(c.name for c in table.columns)
    if replayed.columns != names:
        raise ValueError(f"replayed columns of {table.name} do not match the table")
    normalizers = [normalizer(c.type) for c in table.columns]
    json_columns = [i for i, c in enumerate(table.columns) if isinstance(c.type, sa.JSON)]
    boolean_columns = [i for i, c in enumerate(table.columns) if isinstance(c.type, sa.Boolean)]
    key_positions = [names.index(c.name) for c in table.primary_key.columns]
    key_names = tuple(names[p] for p in key_positions)
    key_normalizers = [(normalizers[p], p) for p in key_positions]

    def normal_key(row: Any) -> tuple[Any, ...]:
        return tuple([f(row[p]) for f, p in key_normalizers])

    expected: dict[tuple[Any, ...], list[Any]] = {
        tuple([row[p] for p in key_positions]): list(row) for row in replayed.rows}
    by_normal_key: dict[tuple[Any, ...], tuple[Any, ...]] | None = None
    count = 0
    for row in live_rows:
        count += 1
        live = list(row)
        for i in json_columns:
            if json_as_text and isinstance(live[i], str):
                # Text that is not JSON at all stays as stored: it differs from any replayed value.
                with contextlib.suppress(ValueError):
                    live[i] = json.loads(live[i])
        for i in boolean_columns:
            live[i] = _boolean(live[i])
        key = tuple([live[p] for p in key_positions])
        raw = expected.pop(key, None)
        if raw is None:
            # The same key in another form (an integer stored as text, say)?
            if by_normal_key is None:
                by_normal_key = {normal_key(r): k for k, r in expected.items()}
            found_key = by_normal_key.pop(normal_key(live), None)
            raw = expected.pop(found_key, None) if found_key is not None else None
        if raw is None:
            text = _key_text(key_names, key)
            report.add(Discrepancy(
                "table.extra_row", f"表 {table.name} 多出一行（{text}）：账本重放中没有这一行",
                f"table {table.name} has an extra row ({text}) that replaying the ledger does not produce",
                table=table.name, key=text, live={n: _shown_value(live[i]) for i, n in enumerate(names)}))
            continue
        if live == raw:
            differing = [i for i in json_columns if not _same_types(live[i], raw[i])]
        else:
            differing = [i for i, f in enumerate(normalizers) if f(live[i]) != f(raw[i])]
        if not differing:
            continue
        text = _key_text(key_names, key)
        for i in differing:
            name = names[i]
            report.add(Discrepancy(
                "table.field",
                f"表 {table.name}（{text}）字段 {name}：实时值 {shown(live[i])}，重放值 {shown(raw[i])}",
                f"table {table.name} ({text}) field {name}: live {shown(live[i])}, replayed {shown(raw[i])}",
                table=table.name, key=text, field=name, live=_shown_value(live[i]), replayed=_shown_value(raw[i])))
    for key, raw in expected.items():
        text = _key_text(key_names, key)
        report.add(Discrepancy(
            "table.missing_row", f"表 {table.name} 缺少一行（{text}）：账本重放得到这一行，实时表中没有",
            f"table {table.name} is missing a row ({text}) that replaying the ledger produces",
            table=table.name, key=text, replayed={n: _shown_value(raw[i]) for i, n in enumerate(names)}))
    return count


def _shown_value(value: Any) -> Any:
    """A value as JSON carries it in the report (bytes as hex, anything else JSON can hold)."""
    if isinstance(value, bytes):
        return value.hex()
    return value
