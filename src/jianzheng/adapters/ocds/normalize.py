"""Check an OCDS release against the schema, keep what it defines, report everything else.

`normalize_release` walks a release (parsed with `parse_float=Decimal`, so no amount is
rounded on the way in) against the merged schema (`jianzheng.adapters.ocds.schema`):

* a field the schema defines, with a value of the right JSON type, is kept;
* a field the schema does not define (``description_xx`` language variants are defined,
  through the schema's pattern properties) is dropped and reported as ``unknown``;
* a value of the wrong type, a value outside a closed codelist, an empty string where the
  schema needs one character, a date that is not RFC 3339, a digest that does not match its
  pattern, a repeated item in an array whose items must be unique: dropped and reported
  (``type``, ``codelist``, ``empty``, ``format``, ``pattern``, ``duplicate``);
* a few values are converted, not dropped, and reported as ``converted``: the legacy bid
  statuses (``qualified`` and Prozorro's ``active`` → ``valid``, ``not-qualified`` →
  ``disqualified``), a codelist value in the wrong letter case (``mdl`` → ``MDL``), and an
  integer where the schema wants a string (a postal code published as a number);
* a required field that is absent is reported as ``missing`` (nothing is invented).

The result is the *payload form* that goes into a witnessed event: the ledger refuses
floating point numbers (ledger/canonical.py), so a number that is not a safe integer is
kept exactly as ``{"$decimal": "12.345"}``. `to_document` turns the payload form back into
plain JSON values (Decimal for those numbers) for export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jianzheng.adapters.ocds import schema as s

MAX_SAFE_INTEGER = 2**53 - 1
DECIMAL_KEY = "$decimal"

# Reasons a field is reported; the first group is dropped, the second kept.
DROPPED = ("unknown", "type", "codelist", "empty", "format", "pattern", "duplicate")
KEPT = ("converted", "missing")
REASONS: dict[str, tuple[str, str]] = {
    "unknown": ("OCDS 1.1 及所用扩展中没有此字段", "not a field of OCDS 1.1 or the extensions used"),
    "type": ("值的类型与标准不符", "the value has the wrong type"),
    "codelist": ("值不在封闭代码表中", "the value is not in the closed codelist"),
    "empty": ("空字符串", "an empty string where a value is required"),
    "format": ("不是 RFC 3339 日期时间", "not an RFC 3339 date-time"),
    "pattern": ("格式不符", "does not match the required pattern"),
    "duplicate": ("数组中的重复项（标准要求各项不同）", "a repeated item in an array whose items must differ"),
    "converted": ("旧值或写法已转换", "a legacy value or spelling was converted"),
    "missing": ("缺少标准要求的字段", "a field the standard requires is missing"),
}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)

# Values published before the bids extension's codelist settled (Armenia 2018 and Ukraine's
# Prozorro in the real-2018 sample), read as their current equivalents.
LEGACY_BID_STATUS = {"qualified": "valid", "not-qualified": "disqualified", "active": "valid"}

_DROP = object()


@dataclass(frozen=True)
class Finding:
    """One reported field: where (with array indices), why, and the value when it helps."""

    path: str
    reason: str
    detail: str = ""

    @property
    def pattern(self) -> str:
        """The path with array indices collapsed to ``[]``, the key the report counts by."""
        return "/".join("[]" if part.isdigit() else part for part in self.path.split("/"))

    @property
    def dropped(self) -> bool:
        return self.reason in DROPPED


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def number(value: Any) -> Any:
    """A JSON number in payload form: a safe integer, else an exact decimal string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else {DECIMAL_KEY: str(value)}
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) <= MAX_SAFE_INTEGER:
            return int(value)
        return {DECIMAL_KEY: format(value.normalize(), "f")}
    raise TypeError(f"not a number: {value!r}")


def is_decimal(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(DECIMAL_KEY), str)


def decimal_of(value: Any) -> Decimal | None:
    """The exact value of a payload-form number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if is_decimal(value):
        return Decimal(value[DECIMAL_KEY])
    return None


_KINDS = {str: "string", dict: "object", list: "array", bool: "boolean", int: "integer", type(None): "null"}


def _kind(value: Any) -> str:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, float | Decimal):
        return "integer" if value == int(value) else "number"
    return type(value).__name__


def _free(value: Any) -> Any:
    """A value under a free-form object, kept whole in payload form."""
    if isinstance(value, dict):
        return {str(k): _free(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_free(v) for v in value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return number(value)
    return value


class _Walker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def report(self, path: str, reason: str, detail: Any = "") -> None:
        text = detail if isinstance(detail, str) else repr(detail)
        self.findings.append(Finding(path, reason, text[:80]))

    def value(self, value: Any, fragment: Mapping[str, Any], path: str) -> Any:
        n = s.node(fragment)
        kind = _kind(value)
        if value is None:
            if not n.types or "null" in n.types:
                return None
            self.report(path, "type", "null")
            return _DROP
        allowed = n.allowed
        if allowed and not (kind in allowed or (kind == "integer" and "number" in allowed)):
            if kind == "integer" and "string" in allowed:
                self.report(path, "converted", f"{value} → \"{value}\"")
                value, kind = str(int(value)), "string"
            else:
                self.report(path, "type", f"{kind}, expected {'/'.join(sorted(allowed))}")
                return _DROP
        if kind == "object":
            return self.object(value, n, path)
        if kind == "array":
            kept = []
            seen: set[str] = set()
            unique = n.unique_items
            for index, item in enumerate(value):
                result = self.value(item, n.items, f"{path}/{index}")
                if result is _DROP:
                    continue
                if unique:
                    key = json.dumps(result, sort_keys=True)
                    if key in seen:
                        self.report(f"{path}/{index}", "duplicate")
                        continue
                    seen.add(key)
                kept.append(result)
            return kept
        if kind == "string":
            return self.string(value, n, path)
        if kind in ("integer", "number"):
            return number(value)
        return value

    def object(self, value: dict[str, Any], n: s.Node, path: str) -> Any:
        if n.free_form:
            return _free(value)
        result: dict[str, Any] = {}
        for key, item in value.items():
            child = n.child(key)
            if child is None:
                self.report(_join(path, key), "unknown")
                continue
            kept = self.value(item, child, _join(path, key))
            if kept is not _DROP:
                result[key] = kept
        for key in n.required:
            if key not in result:
                self.report(_join(path, key), "missing")
        return result

    def string(self, value: str, n: s.Node, path: str) -> Any:
        enum = n.enum_set
        if enum is not None and value not in enum:
            converted = _convert(path, value, n.enum or [])
            if converted is None:
                self.report(path, "codelist", value)
                return _DROP
            self.report(path, "converted", f"{value} → {converted}")
            value = converted
        if n.min_length is not None and len(value) < n.min_length:
            self.report(path, "empty")
            return _DROP
        if n.date_time and not RFC3339.match(value):
            self.report(path, "format", value)
            return _DROP
        pattern = n.pattern
        if pattern is not None and not pattern.search(value):
            self.report(path, "pattern", value)
            return _DROP
        return value


def _convert(path: str, value: str, enum: list[Any]) -> str | None:
    if path.startswith("bids/details/") and path.endswith("/status") and value in LEGACY_BID_STATUS:
        return LEGACY_BID_STATUS[value]
    folded = [e for e in enum if isinstance(e, str) and e.casefold() == value.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def normalize_release(release: Mapping[str, Any]) -> tuple[dict[str, Any], list[Finding]]:
    """The release in payload form, restricted to the schema, and what was reported."""
    walker = _Walker()
    result = walker.object(dict(release), s.root(), "")
    assert isinstance(result, dict)
    return result, walker.findings


def to_document(value: Any) -> Any:
    """Payload form back to plain JSON values: exact decimals become `Decimal`."""
    if is_decimal(value):
        return Decimal(value[DECIMAL_KEY])
    if isinstance(value, dict):
        return {k: to_document(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_document(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    """`json.dumps` default: a Decimal is written as a JSON number (an integer when whole)."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
