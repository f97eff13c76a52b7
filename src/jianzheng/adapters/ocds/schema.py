"""The OCDS 1.1 release schema jianzheng reads and writes, with its two extensions merged in.

The schema is the official OCDS 1.1.5 release schema (``standard/``, Apache-2.0, from the
standard's repository at tag ``1__1__5``), patched (JSON Merge Patch, RFC 7386) first with
the OCP's bids extension (``standard/bids/``) and then with jianzheng's own extension for
what Chinese supervision needs (``extension/``, documented in docs/ocds.md). The importer
walks every release against this schema, the exporter validates against it, so "which
fields does jianzheng understand" has one answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STANDARD = HERE / "standard"
EXTENSION = HERE / "extension"

OCDS_VERSION = "1.1"
# Where the extensions' extension.json files are published; a package lists them.
BIDS_EXTENSION_URL = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json"
JIANZHENG_EXTENSION_URI = "urn:jianzheng:ocds-extension:chinese-supervision:1.0"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def release_schema() -> dict[str, Any]:
    """The merged release schema (core 1.1.5 + bids extension + jianzheng extension)."""
    core = _load(STANDARD / "release-schema.json")
    with_bids = merge_patch(core, _load(STANDARD / "bids" / "release-schema.json"))
    merged: dict[str, Any] = merge_patch(with_bids, _load(EXTENSION / "release-schema.json"))
    return merged


@cache
def package_schema(kind: str) -> dict[str, Any]:
    """The release or record package schema, with its releases checked against the merged schema."""
    schema = _load(STANDARD / f"{kind}-package-schema.json")
    return schema


def extension_metadata() -> dict[str, Any]:
    """jianzheng's extension.json (name, description, compatibility, schemas)."""
    return _load(EXTENSION / "extension.json")


@dataclass(frozen=True, eq=False)
class Node:
    """One schema location, with its ``$ref`` resolved and its types as a set."""

    schema: Mapping[str, Any]
    types: frozenset[str]
    properties: Mapping[str, Any] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern[str], Any], ...] = ()

    @property
    def free_form(self) -> bool:
        """An object whose content the schema leaves open (e.g. ``Organization.details``)."""
        return "object" in self.types and not self.properties and not self.patterns

    @cached_property
    def enum(self) -> list[Any] | None:
        value = self.schema.get("enum")
        return value if isinstance(value, list) else None

    @cached_property
    def enum_set(self) -> frozenset[Any] | None:
        return frozenset(self.enum) if self.enum is not None else None

    @cached_property
    def allowed(self) -> frozenset[str]:
        """The JSON types a non-null value may have (empty: any)."""
        return self.types - {"null"}

    @cached_property
    def min_length(self) -> int | None:
        value = self.schema.get("minLength")
        return value if isinstance(value, int) else None

    @cached_property
    def date_time(self) -> bool:
        return self.schema.get("format") == "date-time"

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        value = self.schema.get("pattern")
        return re.compile(value) if isinstance(value, str) else None

    @cached_property
    def unique_items(self) -> bool:
        return bool(self.schema.get("uniqueItems"))

    @property
    def items(self) -> Any:
        return self.schema.get("items", {})

    @property
    def required(self) -> list[str]:
        value = self.schema.get("required")
        return value if isinstance(value, list) else []

    @property
    def whole_list_merge(self) -> bool:
        return bool(self.schema.get("wholeListMerge"))

    def child(self, key: str) -> Any | None:
        """The schema of property ``key`` (declared or matching a pattern), or None when unknown."""
        if key in self.properties:
            return self.properties[key]
        for pattern, schema in self.patterns:
            if pattern.search(key):
                return schema
        return None


@cache
def _patterns(key: str) -> re.Pattern[str]:
    return re.compile(key)


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    root = release_schema()
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            raise ValueError(f"unsupported $ref {ref!r} in the OCDS schema")
        target = root["definitions"][ref.removeprefix("#/definitions/")]
        # A property may add a title next to its $ref; the definition carries the rest.
        schema = {**target, **{k: v for k, v in schema.items() if k not in ("$ref", "title", "description")}}
        seen += 1
        if seen > 20:
            raise ValueError("cyclic $ref in the OCDS schema")
    return schema


_NODES: dict[int, Node] = {}


def node(schema: Mapping[str, Any]) -> Node:
    """The resolved node for a schema fragment (cached by identity: the schema is never mutated)."""
    key = id(schema)
    found = _NODES.get(key)
    if found is not None:
        return found
    resolved = _resolve(schema)
    raw_types = resolved.get("type")
    if isinstance(raw_types, str):
        types = frozenset({raw_types})
    elif isinstance(raw_types, list):
        types = frozenset(str(t) for t in raw_types)
    elif "properties" in resolved:
        types = frozenset({"object"})
    else:
        types = frozenset()  # no constraint
    properties = resolved.get("properties")
    patterns = resolved.get("patternProperties")
    built = Node(
        schema=resolved,
        types=types,
        properties=properties if isinstance(properties, dict) else {},
        patterns=tuple((_patterns(k), v) for k, v in patterns.items()) if isinstance(patterns, dict) else (),
    )
    _NODES[key] = built
    return built


def root() -> Node:
    """The node of a whole release."""
    return node(release_schema())
