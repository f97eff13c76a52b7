"""Replaying the ledger into empty read tables, with the platform's own projections.

Two replayers produce the same tables:

* :class:`MemoryReplay` runs the functions of :mod:`jianzheng.adapters.sql.projections`
  — cloned, with ``sa`` and ``t`` bound to :mod:`.memory_sql` — on in-memory tables. It
  is the fast path: no SQL is built or executed. The projections module itself is not
  touched, so live appends in the same process are unaffected.
* :class:`SqlReplay` runs ``projections.apply`` itself through SQLAlchemy on a fresh
  in-memory SQLite database with the same table definitions (the projections are
  dialect-neutral), each event in a savepoint so a failing event is named and the replay
  goes on. It is exact and slow, and is used when the fast path meets a construct it does
  not implement or any error: then the answer is SQLAlchemy's, not the stand-in's.

Both expose the replayed rows per table as :class:`ReplayedTable`.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from jianzheng.adapters.sql import projections
from jianzheng.adapters.sql import tables as table_module
from jianzheng.adapters.sql.metadata import metadata
from jianzheng.adapters.sql.verify.memory_sql import SQL, MemoryConnection, MemoryTable, TablesNamespace, Unsupported
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.events import WitnessedEvent

# The instant form every event carries (format_instant): a fast path may keep it as text.
_CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@dataclass(frozen=True)
class ReplayedTable:
    """The rows a replay produced for one table, in the table's column order."""

    name: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class ReplayFailure:
    seq: int
    type: str
    error: str


def event_of(document: dict[str, Any]) -> WitnessedEvent:
    """The witnessed event a ledger entry describes (the entry, not the table's columns, is the truth)."""
    return WitnessedEvent(
        seq=document["seq"], time=parse_instant(document["time"]), actor=document["actor"], role=document["role"],
        source_ip=document["source_ip"], command_id=document["command_id"], type=document["type"],
        stream=document["stream"], payload=document["payload"], origin=document.get("origin", "platform"))


class ReplayEvent:
    """What the cloned projectors receive: a WitnessedEvent's attributes, cheaper to make.

    ``time`` is the entry's instant text (the clones' ``format_instant`` passes text
    through); anything else a projector might ask of a WitnessedEvent raises
    AttributeError, and the replay falls back to SQL.
    """

    __slots__ = ("seq", "time", "actor", "role", "source_ip", "command_id", "type", "stream", "payload", "origin")

    def __init__(self, document: dict[str, Any]) -> None:
        text = document["time"]
        if not (type(text) is str and _CANONICAL_TIME.fullmatch(text)):
            text = format_instant(parse_instant(text))
        self.time = text
        self.seq = document["seq"]
        self.actor = document["actor"]
        self.role = document["role"]
        self.source_ip = document["source_ip"]
        self.command_id = document["command_id"]
        self.type = document["type"]
        self.stream = document["stream"]
        self.payload = document["payload"]
        self.origin = document.get("origin", "platform")


def _instant_text(value: Any) -> str:
    return value if isinstance(value, str) else format_instant(value)


_SQL_FUNCTIONS = {id(sa.insert): SQL.insert, id(sa.update): SQL.update, id(sa.delete): SQL.delete,
                  id(sa.select): SQL.select, id(sa.and_): SQL.and_}


def _clone_apply(tables: TablesNamespace) -> Callable[[Any, WitnessedEvent], None]:
    """``projections.apply`` and every projector, cloned with globals that point at the stand-ins.

    Projectors may live in other modules that register into ``projections._PROJECTORS``
    (e.g. ``projections_sealed``); each module's functions are cloned with a copy of that
    module's globals in which SQLAlchemy, the tables, ``format_instant`` and the functions
    of every cloned module are replaced.
    """
    registry = getattr(projections, "_PROJECTORS", None)
    apply = getattr(projections, "apply", None)
    if not isinstance(registry, dict) or not isinstance(apply, types.FunctionType):
        raise Unsupported("the projections module no longer has _PROJECTORS and apply")
    sources: dict[int, dict[str, Any]] = {id(vars(projections)): vars(projections)}
    for function in registry.values():
        if not isinstance(function, types.FunctionType):
            raise Unsupported(f"projector {function!r} is not a plain function")
        sources[id(function.__globals__)] = function.__globals__
    namespaces = {key: dict(source) for key, source in sources.items()}
    clones: dict[int, types.FunctionType] = {}

    def clone(function: types.FunctionType) -> types.FunctionType:
        found = clones.get(id(function))
        if found is None:
            found = types.FunctionType(function.__code__, namespaces[id(function.__globals__)], function.__name__,
                                       function.__defaults__, function.__closure__)
            found.__kwdefaults__ = function.__kwdefaults__
            clones[id(function)] = found
        return found

    for key, source in sources.items():
        namespace = namespaces[key]
        for name, value in source.items():
            if value is sa:
                namespace[name] = SQL
            elif value is table_module:
                namespace[name] = tables
            elif value is format_instant:
                namespace[name] = _instant_text
            elif id(value) in _SQL_FUNCTIONS:
                namespace[name] = _SQL_FUNCTIONS[id(value)]
            elif isinstance(value, sa.Table):
                namespace[name] = tables.table(value)
            elif isinstance(value, types.FunctionType) and id(value.__globals__) in sources:
                namespace[name] = clone(value)
    namespaces[id(vars(projections))]["_PROJECTORS"] = {kind: clone(f) for kind, f in registry.items()}
    return clone(apply)


class MemoryReplay:
    """The fast replayer (see the module docstring); any exception means: replay with SQL."""

    def __init__(self) -> None:
        self.tables: dict[str, MemoryTable] = {t.name: MemoryTable(t) for t in table_module.REPLAYED_TABLES}
        self._apply = _clone_apply(TablesNamespace(table_module, self.tables))
        self._connection = MemoryConnection(self.tables)

    def apply(self, document: dict[str, Any]) -> None:
        """Replay one event, given as its parsed ledger entry."""
        self._apply(self._connection, ReplayEvent(document))  # type: ignore[arg-type]

    def results(self) -> Iterator[ReplayedTable]:
        for table in table_module.REPLAYED_TABLES:
            memory = self.tables[table.name]
            yield ReplayedTable(table.name, tuple(memory.names), list(memory.rows.values()))


class SqlReplay:
    """The exact replayer: ``projections.apply`` through SQLAlchemy into in-memory SQLite."""

    def __init__(self) -> None:
        self.engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        metadata.create_all(self.engine, tables=list(table_module.REPLAYED_TABLES))
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.failures: list[ReplayFailure] = []

    def apply(self, document: dict[str, Any]) -> None:
        """Replay one event, given as its parsed ledger entry; a failure is recorded, not raised."""
        savepoint = self.connection.begin_nested()
        try:
            projections.apply(self.connection, event_of(document))
        except Exception as exc:  # a tampered event may break its projector: name it, go on
            savepoint.rollback()
            self.failures.append(ReplayFailure(document.get("seq", 0), str(document.get("type")),
                                               f"{type(exc).__name__}: {exc}"[:300]))
        else:
            savepoint.commit()

    def results(self) -> Iterator[ReplayedTable]:
        for table in table_module.REPLAYED_TABLES:
            rows = [tuple(r) for r in self.connection.execute(sa.select(table))]
            yield ReplayedTable(table.name, tuple(c.name for c in table.columns), rows)

    def close(self) -> None:
        self.transaction.rollback()
        self.connection.close()
        self.engine.dispose()
