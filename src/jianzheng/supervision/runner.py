"""Run indicators over the analytic frames: the batch over all history, or one event in real time.

The runner validates the frames, resolves every indicator's settings (defaults plus the
operator's overrides) before running anything, so a bad setting fails fast and nothing is
half-done, then runs each indicator and returns the alerts de-duplicated by id. It never
writes: storing alerts as witnessed events is the caller's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from jianzheng.supervision.alert import Alert, dedupe
from jianzheng.supervision.context import Context
from jianzheng.supervision.frames import LOT_FRAMES, Frames, validate_frames
from jianzheng.supervision.registry import IndicatorSpec, RegistryError, all_indicators
from jianzheng.supervision.settings import (
    GLOBAL_KEY,
    GlobalSettings,
    IndicatorSettings,
    SettingsError,
    build_settings,
)

# progress(indicator code, indicators done, indicators in the run)
Progress = Callable[[str, int, int], None]
Overrides = Mapping[str, Mapping[str, Any]]


def _select(codes: Iterable[str] | None, keep: Callable[[IndicatorSpec], bool]) -> list[IndicatorSpec]:
    specs = all_indicators()
    if codes is None:
        return [s for s in specs.values() if s.enabled_by_default and keep(s)]
    chosen: list[IndicatorSpec] = []
    for code in codes:
        if code not in specs:
            raise RegistryError(
                f"未知指标代码 {code}；已注册：{', '.join(specs)}。"
                f" / Unknown indicator code {code}; registered: {', '.join(specs)}."
            )
        if keep(specs[code]):
            chosen.append(specs[code])
    return chosen


def resolve_settings(
    specs: Iterable[IndicatorSpec], overrides: Overrides | None
) -> tuple[GlobalSettings, dict[str, IndicatorSettings]]:
    """Defaults plus overrides for the global section and each indicator; unknown keys refused."""
    overrides = overrides or {}
    known = set(all_indicators()) | {GLOBAL_KEY}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise SettingsError(
            f"设置中有未知指标代码：{', '.join(unknown)}。"
            f" / Settings name unknown indicator codes: {', '.join(unknown)}."
        )
    global_settings = build_settings(GLOBAL_KEY, GlobalSettings, overrides.get(GLOBAL_KEY))
    resolved = {s.code: build_settings(s.code, s.settings, overrides.get(s.code)) for s in specs}
    return global_settings, resolved


def _run(
    specs: list[IndicatorSpec],
    frames: Frames | Mapping[str, pl.DataFrame],
    overrides: Overrides | None,
    progress: Progress | None,
    reference: Frames | None = None,
) -> list[Alert]:
    checked = validate_frames(frames)
    global_settings, resolved = resolve_settings(specs, overrides)
    context = Context(checked, global_settings, reference=reference)
    alerts: list[Alert] = []
    for done, spec in enumerate(specs):
        if progress is not None:
            progress(spec.code, done, len(specs))
        alerts.extend(spec.run(context, resolved[spec.code]))
    if progress is not None:
        progress("", len(specs), len(specs))
    return dedupe(alerts)


def run_batch(
    frames: Frames | Mapping[str, pl.DataFrame],
    settings_overrides: Overrides | None = None,
    indicators: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[Alert]:
    """Run the batch indicators (all enabled ones, or the codes given) over all history."""
    specs = _select(indicators, lambda s: s.batch)
    return _run(specs, frames, settings_overrides, progress)


def _restrict(frames: Frames, lot_ids: Iterable[str]) -> Frames:
    """The lot frames of the given lots only; the registries (parties, persons, shareholders) stay whole."""
    ids = pl.Series("lot_id", list(lot_ids), dtype=pl.String).to_frame()
    restricted = {name: getattr(frames, name).join(ids, on="lot_id", how="semi") for name in LOT_FRAMES}
    return replace(frames, **restricted)


def run_realtime(
    event_type: str,
    frames: Frames | Mapping[str, pl.DataFrame],
    settings_overrides: Overrides | None = None,
    lot_ids: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[Alert]:
    """Run the indicators that react to ``event_type``, optionally on the given lots only.

    Real-time indicators judge one lot at a time, so restricting the frames to the lots
    the event touched gives the same alerts as the batch gives for those lots; the
    unrestricted frames stay available as the context's ``reference`` for statistics over
    all history.
    """
    specs = _select(indicators, lambda s: event_type in s.realtime_events)
    checked = validate_frames(frames)
    full = checked
    if lot_ids is not None:
        checked = _restrict(checked, lot_ids)
    # Indicators that compare a lot with the rest of history (how common a sentence or a
    # fingerprint is) read the unrestricted frames as their reference.
    return _run(specs, checked, settings_overrides, progress, reference=full)
