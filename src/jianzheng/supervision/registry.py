"""The indicator registry: indicators register themselves with the `indicator` decorator.

Built-in indicators are the modules of `jianzheng.supervision.indicators`, found with
pkgutil and imported; outside packs register the same way and are loaded through the
``jianzheng.indicators`` entry-point group (each entry point names a module to import).
There is no hand-kept list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Literal

from jianzheng.supervision.alert import Alert
from jianzheng.supervision.context import Context
from jianzheng.supervision.settings import IndicatorSettings

ENTRY_POINT_GROUP = "jianzheng.indicators"

Frame = Literal[
    "lots",
    "bids",
    "awards",
    "parties",
    "bid_details",
    "bid_staff",
    "boq_lines",
    "deposits",
    "persons",
    "shareholders",
    "tender_texts",
    "rule_warnings",
]
Compute = Callable[[Context, Any], list[Alert]]


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator declares about itself."""

    code: str
    name_zh: str
    name_en: str
    basis: str
    reads: tuple[Frame, ...]
    settings: type[IndicatorSettings]
    compute: Compute
    realtime_events: frozenset[str] = frozenset()
    batch: bool = True
    enabled_by_default: bool = True
    module: str = ""

    def run(self, context: Context, settings: IndicatorSettings) -> list[Alert]:
        return self.compute(context, settings)


class RegistryError(ValueError):
    """Two indicators claim the same code, or a code is unknown."""


_REGISTRY: dict[str, IndicatorSpec] = {}
_DISCOVERED = False


def indicator(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    basis: str,
    reads: Iterable[Frame],
    settings: type[IndicatorSettings],
    realtime_events: Iterable[str] = (),
    batch: bool = True,
    enabled_by_default: bool = True,
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the indicator ``code``."""

    def register(compute: Compute) -> Compute:
        spec = IndicatorSpec(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            basis=basis,
            reads=tuple(reads),
            settings=settings,
            compute=compute,
            realtime_events=frozenset(realtime_events),
            batch=batch,
            enabled_by_default=enabled_by_default,
            module=compute.__module__,
        )
        existing = _REGISTRY.get(code)
        if existing is not None and existing.module != spec.module:
            raise RegistryError(
                f"指标代码 {code} 已由 {existing.module} 注册。"
                f" / Indicator code {code} is already registered by {existing.module}."
            )
        _REGISTRY[code] = spec
        return compute

    return register


def discover() -> None:
    """Import the built-in indicator modules and the entry-point packs (once)."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    package = importlib.import_module("jianzheng.supervision.indicators")
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        importlib.import_module(entry.value.split(":")[0])
    _DISCOVERED = True


def all_indicators() -> dict[str, IndicatorSpec]:
    """Every registered indicator by code, sorted by code."""
    discover()
    return dict(sorted(_REGISTRY.items()))


def get(code: str) -> IndicatorSpec:
    specs = all_indicators()
    if code not in specs:
        raise RegistryError(
            f"未知指标代码 {code}；已注册：{', '.join(specs)}。"
            f" / Unknown indicator code {code}; registered: {', '.join(specs)}."
        )
    return specs[code]
