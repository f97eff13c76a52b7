"""Compile a contracting process's releases into its compiled release (OCDS merge routine).

The rules of the standard's merging specification, for releases in payload form:

* releases are applied in date order (ties keep their given order);
* ``id``, ``date`` and ``tag`` of a release are omitted when merged (``omitWhenMerged``);
  the compiled release takes the ocid, the latest date, ``tag: ["compiled"]`` and an id
  made of the ocid and that date;
* an object merges key by key; ``null`` removes the key;
* an array whose items are all objects with an ``id`` merges item by item on that id,
  unless the schema marks it ``wholeListMerge``; any other array replaces the old one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from jianzheng.adapters.ocds import schema as s
from jianzheng.adapters.ocds.normalize import is_decimal

OMITTED = ("id", "date", "tag")
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)


def _date(release: Mapping[str, Any]) -> str:
    value = release.get("date")
    return value if isinstance(value, str) else ""


def _instant(release: Mapping[str, Any]) -> datetime:
    """The release date as an instant; releases without a usable date sort first."""
    try:
        parsed = datetime.fromisoformat(_date(release).replace("Z", "+00:00"))
    except ValueError:
        return EARLIEST
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _identity(item: Any) -> str | None:
    if isinstance(item, dict) and "id" in item and item["id"] is not None:
        return json.dumps(item["id"], sort_keys=True, default=str)
    return None


def _merge_object(target: dict[str, Any], source: Mapping[str, Any], fragment: Mapping[str, Any] | None) -> None:
    n = s.node(fragment) if fragment is not None else None
    for key, value in source.items():
        child = n.child(key) if n is not None else None
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and not is_decimal(value):
            existing = target.get(key)
            merged = existing if isinstance(existing, dict) and not is_decimal(existing) else {}
            _merge_object(merged, value, child)
            target[key] = merged
        elif isinstance(value, list):
            target[key] = _merge_array(target.get(key), value, child)
        else:
            target[key] = value


def _merge_array(existing: Any, value: list[Any], fragment: Mapping[str, Any] | None) -> list[Any]:
    n = s.node(fragment) if fragment is not None else None
    keys = [_identity(item) for item in value]
    if not value or any(k is None for k in keys) or (n is not None and n.whole_list_merge):
        return copy.deepcopy(value)
    items_schema = n.items if n is not None else None
    merged: list[Any] = []
    index: dict[str, int] = {}
    for item in existing if isinstance(existing, list) else []:
        key = _identity(item)
        if key is not None:
            index[key] = len(merged)
        merged.append(item)
    for key, item in zip(keys, value, strict=True):
        assert key is not None
        if key in index:
            target = merged[index[key]]
            base = copy.deepcopy(target) if isinstance(target, dict) else {}
            _merge_object(base, item, items_schema)
            merged[index[key]] = base
        else:
            fresh: dict[str, Any] = {}
            _merge_object(fresh, item, items_schema)
            index[key] = len(merged)
            merged.append(fresh)
    return merged


def ordered(releases: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Releases in the order the merge applies them: by date, stable."""
    return sorted(releases, key=_instant)


def compile_releases(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release of one contracting process (releases in payload form)."""
    items = ordered(releases)
    if not items:
        raise ValueError("no releases to compile")
    compiled: dict[str, Any] = {}
    root = s.release_schema()
    for release in items:
        _merge_object(compiled, {k: v for k, v in release.items() if k not in OMITTED},
                      root)
    ocid = str(items[0].get("ocid", ""))
    latest = _date(items[-1])
    result: dict[str, Any] = {"ocid": ocid, "id": f"{ocid}-{latest}" if latest else ocid}
    if latest:
        result["date"] = latest
    result["tag"] = ["compiled"]
    result.update({k: v for k, v in compiled.items() if k not in ("ocid",)})
    return result
