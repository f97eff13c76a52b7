"""Indicator settings: defaults declared by each indicator, overrides from the operator.

Every indicator declares a frozen pydantic model with a default and a description per
field. Operators override them by indicator code; the key ``global`` holds settings that
apply to all indicators (`GlobalSettings`). A bad override is refused with a message that
names the indicator, the field and the reason, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

GLOBAL_KEY = "global"


class IndicatorSettings(BaseModel):
    """Base class of every indicator's settings: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class GlobalSettings(IndicatorSettings):
    """Settings shared by all indicators."""

    excluded_stages: tuple[str, ...] = Field(
        default=("cancelled",),
        description="Lots in these stages are skipped by every indicator "
        "(a cancelled tender says nothing about its bidders).",
    )
    excluded_procurement_method_details: tuple[str, ...] = Field(
        default=(),
        description="Lots whose procurement_method_details is one of these are skipped "
        "by every indicator (Cardinal's [exclusions] procurement_method_details).",
    )
    no_price_comparison_procurement_method_details: tuple[str, ...] = Field(
        default=(),
        description="Procedures whose prices must not be compared (e.g. the price is fixed "
        "by the tenderer, or the winner is drawn by lot); price indicators skip them.",
    )
    price_comparison_procurement_method_details: tuple[str, ...] = Field(
        default=(),
        description="If not empty, price indicators only read lots whose procurement_method_details is one of these.",
    )


class SettingsError(ValueError):
    """An override does not fit the indicator's settings."""


S = TypeVar("S", bound=IndicatorSettings)


def build_settings(code: str, model: type[S], override: Mapping[str, Any] | None) -> S:
    """Return ``model`` with ``override`` applied, or raise `SettingsError`."""
    try:
        return model.model_validate(dict(override or {}))
    except ValidationError as error:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors())
        raise SettingsError(
            f"指标 {code} 的设置无效：{reasons}。 / Invalid settings for indicator {code}: {reasons}."
        ) from error


def describe(model: type[IndicatorSettings]) -> list[tuple[str, Any, str]]:
    """(name, default, description) for every field, in declaration order (used by the docs)."""
    rows: list[tuple[str, Any, str]] = []
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        rows.append((name, default, info.description or ""))
    return rows
