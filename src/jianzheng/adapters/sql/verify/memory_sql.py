"""An in-memory stand-in for the small part of SQLAlchemy Core the projections use.

`verify` replays every event through the projections into empty read tables. Through
SQLAlchemy each statement is built, cache-keyed, compiled and executed, which costs a few
hundred microseconds per event: a million events would take many minutes. So the replay
runs the very same projector functions (cloned with other globals, see
:mod:`jianzheng.adapters.sql.verify.replay`; the live module is untouched) with ``sa`` and
``t`` bound to the light equivalents defined here: statements are small objects and each
table is a dict from primary key to row.

Where the projections rely on SQL semantics this module follows them: an omitted column
takes its Python or server default; ``col == None`` means IS NULL, as in SQLAlchemy, while
any other comparison with NULL is never true; ``SET a = a + 1``
reads the old row; a duplicate primary key, a duplicate value of a unique column or a
NULL in a NOT NULL column is refused as the database would refuse it. A construct it does
not know raises :class:`Unsupported`; the caller then replays everything with SQLAlchemy
on an in-memory SQLite database instead, so an unknown construct costs time, never
correctness.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

Key = tuple[Any, ...]


class Unsupported(Exception):
    """The projections used a construct this stand-in does not implement."""


class ConstraintViolation(Exception):
    """The database would refuse this write (duplicate key, NULL in a NOT NULL column)."""


class Column:
    """A column of a :class:`MemoryTable`; comparisons build :class:`Condition` objects."""

    __slots__ = ("table", "name", "position")

    def __init__(self, table: MemoryTable, name: str, position: int) -> None:
        self.table = table
        self.name = name
        self.position = position

    def __eq__(self, other: object) -> Condition:  # type: ignore[override]
        # As in SQLAlchemy, comparing with None means IS NULL (not "= NULL", which is never true).
        return Condition(self, "=", other) if other is not None else Condition(self, "is", None)

    def __ne__(self, other: object) -> Condition:  # type: ignore[override]
        return Condition(self, "!=", other) if other is not None else Condition(self, "is not", None)

    def __lt__(self, other: object) -> Condition:
        return Condition(self, "<", other)

    def __le__(self, other: object) -> Condition:
        return Condition(self, "<=", other)

    def __gt__(self, other: object) -> Condition:
        return Condition(self, ">", other)

    def __ge__(self, other: object) -> Condition:
        return Condition(self, ">=", other)

    def __hash__(self) -> int:
        return id(self)

    def in_(self, values: Iterable[Any]) -> Condition:
        return Condition(self, "in", tuple(values))

    def is_(self, value: Any) -> Condition:
        return Condition(self, "is", value)

    def is_not(self, value: Any) -> Condition:
        return Condition(self, "is not", value)

    def __add__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "+", other)

    def __sub__(self, other: Any) -> Arithmetic:
        return Arithmetic(self, "-", other)


class Arithmetic:
    """``column + n`` or ``column - n`` in an UPDATE's SET clause."""

    __slots__ = ("column", "op", "operand")

    def __init__(self, column: Column, op: str, operand: Any) -> None:
        if isinstance(operand, Column | Arithmetic | Condition):
            raise Unsupported("arithmetic between columns")
        self.column = column
        self.op = op
        self.operand = operand

    def evaluate(self, row: list[Any]) -> Any:
        value = row[self.column.position]
        if value is None or self.operand is None:
            return None  # SQL: NULL + n is NULL
        return value + self.operand if self.op == "+" else value - self.operand


class Condition:
    """One comparison of a WHERE clause."""

    __slots__ = ("column", "op", "value")

    def __init__(self, column: Column, op: str, value: Any) -> None:
        if type(value) in _EXPRESSIONS:
            raise Unsupported("comparison between columns")
        self.column = column
        self.op = op
        self.value = value

    def __bool__(self) -> bool:
        raise Unsupported("a condition used as a Python truth value")

    def holds(self, row: list[Any]) -> bool:
        value = row[self.column.position]
        op, wanted = self.op, self.value
        if op == "is":
            return value is wanted if wanted is None else value == wanted
        if op == "is not":
            return value is not wanted if wanted is None else value != wanted
        if value is None:
            return False  # SQL three-valued logic: a comparison with NULL is never true
        if op == "in":
            return value in wanted
        if wanted is None:
            return False
        try:
            if op == "=":
                return bool(value == wanted)
            if op == "!=":
                return bool(value != wanted)
            if op == "<":
                return bool(value < wanted)
            if op == "<=":
                return bool(value <= wanted)
            if op == ">":
                return bool(value > wanted)
            return bool(value >= wanted)
        except TypeError as exc:
            raise Unsupported(f"comparison of {type(value).__name__} with {type(wanted).__name__}") from exc


def _conditions(items: tuple[Any, ...]) -> tuple[Condition, ...]:
    if len(items) == 1 and type(items[0]) is Condition or all(type(item) is Condition for item in items):
        return items
    out: list[Condition] = []
    for item in items:
        if isinstance(item, And):
            out.extend(item.conditions)
        elif isinstance(item, Condition):
            out.append(item)
        else:
            raise Unsupported(f"WHERE clause of type {type(item).__name__}")
    return tuple(out)


class And:
    """``sa.and_(...)``: conditions that must all hold."""

    __slots__ = ("conditions",)

    def __init__(self, *conditions: Any) -> None:
        self.conditions = _conditions(conditions)


_EXPRESSIONS = frozenset({Column, Arithmetic, Condition})


def _default_of(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is not None:
        if not getattr(default, "is_scalar", False):
            raise Unsupported(f"non-constant default of {column.table.name}.{column.name}")
        return getattr(default, "arg", None)
    server = column.server_default
    if server is not None:
        arg = getattr(server, "arg", None)
        if isinstance(arg, str):
            return arg
        text = getattr(arg, "text", None)
        if isinstance(text, str) and text.startswith("'") and text.endswith("'"):
            return text[1:-1].replace("''", "'")
        raise Unsupported(f"server default of {column.table.name}.{column.name}")
    return None


class MemoryTable:
    """Rows of one table keyed by primary key, with lazily built indexes for other lookups."""

    def __init__(self, table: sa.Table) -> None:
        for constraint in table.constraints:
            if isinstance(constraint, sa.CheckConstraint | sa.ForeignKeyConstraint):
                raise Unsupported(f"{type(constraint).__name__} on {table.name}")
        self.name = table.name
        self.names = [c.name for c in table.columns]
        self.position = {name: i for i, name in enumerate(self.names)}
        self.c = SimpleNamespace(**{name: Column(self, name, i) for i, name in enumerate(self.names)})
        self.columns = [getattr(self.c, name) for name in self.names]
        self.primary_key = tuple(self.position[c.name] for c in table.primary_key.columns)
        if not self.primary_key:
            raise Unsupported(f"table {table.name} has no primary key")
        self.defaults = [_default_of(c) for c in table.columns]
        self.not_null = tuple(i for i, c in enumerate(table.columns) if not c.nullable)
        uniques: list[tuple[int, ...]] = [(self.position[c.name],) for c in table.columns
                                          if c.unique and not c.primary_key]
        uniques += [tuple(self.position[c.name] for c in u.columns) for u in table.constraints
                    if isinstance(u, sa.UniqueConstraint)]
        # columns -> {their values: primary key of the row holding them}
        self.uniques: dict[tuple[int, ...], dict[tuple[Any, ...], Key]] = {u: {} for u in dict.fromkeys(uniques)}
        self.rows: dict[Key, list[Any]] = {}
        self.indexes: dict[int, dict[Any, set[Key]]] = {}
        self.single_key = self.primary_key[0] if len(self.primary_key) == 1 else None
        self.key_positions = frozenset(self.primary_key)
        self.unique_positions = frozenset(p for columns in self.uniques for p in columns)
        self.not_null_set = frozenset(self.not_null)
        self._plans: dict[tuple[str, ...], tuple[tuple[int, ...], bool, int]] = {}

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"table attribute {name!r}")

    # -- indexes ---------------------------------------------------------------------------

    def _index(self, position: int) -> dict[Any, set[Key]]:
        index = self.indexes.get(position)
        if index is None:
            index = {}
            for key, row in self.rows.items():
                index.setdefault(row[position], set()).add(key)
            self.indexes[position] = index
        return index

    def _unindex(self, key: Key, row: list[Any]) -> None:
        for position, index in self.indexes.items():
            bucket = index.get(row[position])
            if bucket is not None:
                bucket.discard(key)
                if not bucket:
                    del index[row[position]]
        for columns, seen in self.uniques.items():
            values = tuple(row[i] for i in columns)
            if None not in values and seen.get(values) == key:
                del seen[values]

    def _reindex(self, key: Key, row: list[Any]) -> None:
        for position, index in self.indexes.items():
            index.setdefault(row[position], set()).add(key)

    def _check(self, key: Key, row: list[Any]) -> None:
        for position in self.not_null:
            if row[position] is None:
                raise ConstraintViolation(f"NOT NULL constraint failed: {self.name}.{self.names[position]}")
        for columns, seen in self.uniques.items():
            values = tuple(row[i] for i in columns)
            if None not in values and seen.get(values, key) != key:
                names = ", ".join(self.names[i] for i in columns)
                raise ConstraintViolation(f"UNIQUE constraint failed: {self.name}.{names}")

    def _claim(self, key: Key, row: list[Any]) -> None:
        for columns, seen in self.uniques.items():
            values = tuple(row[i] for i in columns)
            if None not in values:
                seen[values] = key

    # -- statements --------------------------------------------------------------------------

    def insert(self, values: dict[str, Any]) -> None:
        row = self.defaults.copy()
        position = self.position
        for name, value in values.items():
            where = position.get(name)
            if where is None:
                raise Unsupported(f"unknown column {self.name}.{name}")
            if type(value) in _EXPRESSIONS:
                raise Unsupported("an expression as an inserted value")
            row[where] = value
        key = tuple([row[i] for i in self.primary_key])
        if None in key:
            raise Unsupported(f"generated primary key of {self.name}")
        if key in self.rows:
            raise ConstraintViolation(f"UNIQUE constraint failed: primary key of {self.name} {key!r}")
        self._check(key, row)
        self.rows[key] = row
        if self.uniques:
            self._claim(key, row)
        if self.indexes:
            self._reindex(key, row)

    def matching(self, conditions: tuple[Condition, ...]) -> list[Key]:
        """Primary keys of the rows where every condition holds."""
        rows = self.rows
        if len(conditions) == 1:
            condition = conditions[0]
            if condition.column.table is not self:
                raise Unsupported("a condition on another table")
            if condition.op == "=" and condition.column.position == self.single_key:
                key = (condition.value,)
                try:
                    return [key] if key in rows and condition.value is not None else []
                except TypeError:  # an unhashable value cannot be equal to a stored key
                    return []
        for condition in conditions:
            if condition.column.table is not self:
                raise Unsupported("a condition on another table")
        equal = {c.column.position: c.value for c in conditions if c.op == "="}
        candidates: Iterable[Key]
        if all(p in equal for p in self.primary_key):
            key = tuple(equal[p] for p in self.primary_key)
            try:
                candidates = (key,) if key in rows else ()
            except TypeError:
                candidates = ()
        elif equal:
            position, value = next(iter(equal.items()))
            try:
                candidates = list(self._index(position).get(value, ()))
            except TypeError:
                candidates = list(rows)
        else:
            candidates = list(rows)
        return [k for k in candidates if all(c.holds(rows[k]) for c in conditions)]

    def _plan(self, names: tuple[str, ...]) -> tuple[tuple[int, ...], bool]:
        """The positions an UPDATE of these columns writes, and whether no key, unique or index depends on them."""
        plan = self._plans.get(names)
        if plan is None or plan[2] != len(self.indexes):
            positions = []
            for name in names:
                where = self.position.get(name)
                if where is None:
                    raise Unsupported(f"unknown column {self.name}.{name}")
                positions.append(where)
            touched = set(positions)
            simple = not (touched & self.key_positions) and not (touched & self.unique_positions) and not any(
                p in self.indexes for p in touched)
            plan = self._plans[names] = (tuple(positions), simple, len(self.indexes))
        return plan[0], plan[1]

    def update(self, conditions: tuple[Condition, ...], values: dict[str, Any]) -> int:
        positions, simple = self._plan(tuple(values))
        assignments = list(zip(positions, values.values(), strict=True))
        computed = False
        for _, value in assignments:
            kind = type(value)
            if kind is Column or kind is Condition:
                raise Unsupported("a column or condition as an assigned value")
            if kind is Arithmetic:
                computed = True
        keys = self.matching(conditions)
        if not keys:
            return 0
        rows = self.rows
        for key in keys:
            old = rows[key]
            if simple and not computed:
                # The common case: plain values into columns no key or index depends on.
                for where, value in assignments:
                    if value is None and where in self.not_null_set:
                        raise ConstraintViolation(
                            f"NOT NULL constraint failed: {self.name}.{self.names[where]}")
                for where, value in assignments:
                    old[where] = value
                continue
            new = list(old)
            for where, value in assignments:
                # Every expression reads the row as it was before this UPDATE (SQL semantics).
                new[where] = value.evaluate(old) if type(value) is Arithmetic else value
            new_key = tuple(new[i] for i in self.primary_key)
            if new_key != key and new_key in rows:
                raise ConstraintViolation(f"UNIQUE constraint failed: primary key of {self.name} {new_key!r}")
            self._unindex(key, old)
            try:
                self._check(new_key, new)
            except ConstraintViolation:
                self._claim(key, old)
                self._reindex(key, old)
                raise
            if new_key != key:
                del rows[key]
            rows[new_key] = new
            self._claim(new_key, new)
            self._reindex(new_key, new)
        return len(keys)

    def delete(self, conditions: tuple[Condition, ...]) -> int:
        keys = self.matching(conditions)
        for key in keys:
            row = self.rows.pop(key)
            self._unindex(key, row)
        return len(keys)


class Insert:
    __slots__ = ("table", "values_")

    def __init__(self, table: MemoryTable, values: dict[str, Any] | None = None) -> None:
        if type(table) is not MemoryTable:
            raise Unsupported("INSERT into something other than a table")
        self.table = table
        self.values_ = values or {}

    def values(self, *args: dict[str, Any], **kwargs: Any) -> Insert:
        if args:
            if len(args) > 1 or not isinstance(args[0], dict):
                raise Unsupported("multi-row VALUES")
            kwargs = {**args[0], **kwargs}
        return Insert(self.table, {**self.values_, **kwargs} if self.values_ else kwargs)

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Insert.{name}")


class Update:
    __slots__ = ("table", "conditions", "values_")

    def __init__(self, table: MemoryTable, conditions: tuple[Condition, ...] = (),
                 values: dict[str, Any] | None = None) -> None:
        if type(table) is not MemoryTable:
            raise Unsupported("UPDATE of something other than a table")
        self.table = table
        self.conditions = conditions
        self.values_ = values or {}

    def where(self, *conditions: Any) -> Update:
        return Update(self.table, self.conditions + _conditions(conditions), self.values_)

    def values(self, *args: dict[str, Any], **kwargs: Any) -> Update:
        if args:
            if len(args) > 1 or not isinstance(args[0], dict):
                raise Unsupported("positional UPDATE values")
            kwargs = {**args[0], **kwargs}
        return Update(self.table, self.conditions, {**self.values_, **kwargs} if self.values_ else kwargs)

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Update.{name}")


class Delete:
    __slots__ = ("table", "conditions")

    def __init__(self, table: MemoryTable, conditions: tuple[Condition, ...] = ()) -> None:
        if type(table) is not MemoryTable:
            raise Unsupported("DELETE from something other than a table")
        self.table = table
        self.conditions = conditions

    def where(self, *conditions: Any) -> Delete:
        return Delete(self.table, self.conditions + _conditions(conditions))

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Delete.{name}")


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(names: tuple[str, ...]) -> Any:
    found = _ROW_TYPES.get(names)
    if found is None:
        found = _ROW_TYPES[names] = namedtuple("Row", names, rename=True)
    return found


class Select:
    __slots__ = ("table", "selected", "conditions")

    def __init__(self, *columns: Any, conditions: tuple[Condition, ...] = ()) -> None:
        selected: list[Column] = []
        for item in columns:
            if isinstance(item, MemoryTable):
                selected.extend(item.columns)
            elif isinstance(item, Column):
                selected.append(item)
            else:
                raise Unsupported(f"SELECT of {type(item).__name__}")
        tables = {id(c.table) for c in selected}
        if len(tables) != 1:
            raise Unsupported("SELECT over several tables")
        self.table = selected[0].table
        self.selected = tuple(selected)
        self.conditions = conditions

    def where(self, *conditions: Any) -> Select:
        return Select(*self.selected, conditions=self.conditions + _conditions(conditions))

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Select.{name}")

    def run(self) -> Result:
        table = self.table
        make = _row_type(tuple(c.name for c in self.selected))
        positions = [c.position for c in self.selected]
        rows = [make(*(table.rows[k][p] for p in positions)) for k in table.matching(self.conditions)]
        return Result(rows, len(rows))


class Result:
    """What ``Connection.execute`` returns: rows of a SELECT, or a row count."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    fetchall = all

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise sa.exc.NoResultFound("expected one row") if not self._rows else sa.exc.MultipleResultsFound(
                "expected one row")
        return self._rows[0]

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise sa.exc.MultipleResultsFound("expected at most one row")
        return self._rows[0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Result.{name}")


_ZERO = Result([], 0)  # shared results of writes: nothing reads rows from them
_ONE = Result([], 1)


class MemoryConnection:
    """Executes the stand-in statements on the tables it was given."""

    def __init__(self, tables: dict[str, MemoryTable]) -> None:
        self.tables = tables

    def execute(self, statement: Any, parameters: Any = None) -> Result:
        kind = type(statement)
        if kind is Update and parameters is None:
            count = statement.table.update(statement.conditions, statement.values_)
            return _ONE if count == 1 else _ZERO if count == 0 else Result([], count)
        if kind is Insert:
            if parameters is None:
                statement.table.insert(statement.values_)
                return _ONE
            if statement.values_:
                raise Unsupported("INSERT with both VALUES and parameters")
            rows = [parameters] if isinstance(parameters, dict) else list(parameters)
            if any(row.keys() != rows[0].keys() for row in rows):
                # SQLAlchemy compiles one statement from the first row; let it judge the others.
                raise Unsupported("rows with different columns in one INSERT")
            for row in rows:
                statement.table.insert(row)
            return Result([], len(rows))
        if parameters is not None:
            raise Unsupported("parameters for a statement other than INSERT")
        if kind is Delete:
            return Result([], statement.table.delete(statement.conditions))
        if kind is Select:
            result: Result = statement.run()
            return result
        raise Unsupported(f"executing {kind.__name__}")

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"Connection.{name}")


class _SqlNamespace:
    """Stands in for the ``sqlalchemy`` module inside the cloned projections."""

    insert = Insert
    update = Update
    delete = Delete
    select = Select
    and_ = And

    def __getattr__(self, name: str) -> Any:
        raise Unsupported(f"sqlalchemy.{name}")


SQL = _SqlNamespace()


class TablesNamespace:
    """Stands in for ``jianzheng.adapters.sql.tables``: each Table becomes a MemoryTable."""

    def __init__(self, module: Any, tables: dict[str, MemoryTable]) -> None:
        self._module = module
        self._tables = tables

    def table(self, real: sa.Table) -> MemoryTable:
        """The stand-in of a real table (made on first use)."""
        table = self._tables.get(real.name)
        if table is None:
            table = self._tables[real.name] = MemoryTable(real)
        return table

    def __getattr__(self, name: str) -> Any:
        # Called only for names not yet set on the instance: the first lookup sets it, so
        # later lookups are plain attribute reads.
        value = getattr(self._module, name)
        if isinstance(value, sa.Table):
            value = self.table(value)
        elif isinstance(value, tuple | list) and any(isinstance(v, sa.Table) for v in value):
            raise Unsupported(f"the table collection {name}")
        setattr(self, name, value)
        return value
