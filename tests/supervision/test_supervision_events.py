"""The real-time triggers are the platform's own event types, and the triggers fire on a real tender."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from jianzheng.adapters.sql import projections
from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.domain import decisions, registry
from jianzheng.services import platform
from jianzheng.supervision import all_indicators, events, run_realtime
from tests.support.tender import TenderWorld, announce, bid_with, open_lot, register_lot

DOMAIN = Path(inspect.getfile(decisions)).parent


def emitted_types() -> set[str]:
    """Every event type a decision, the registry or the platform service can emit (read from their source)."""
    sources = [p.read_text(encoding="utf-8") for p in DOMAIN.glob("*.py")]
    sources += [Path(inspect.getfile(m)).read_text(encoding="utf-8") for m in (registry, platform)]
    found: set[str] = set()
    for text in sources:
        found |= set(re.findall(r'event\(state, "([a-z_.]+)"', text))
        found |= set(re.findall(r'EventDraft\(\s*"([a-z_.]+)"', text))
    return found


def test_every_event_name_is_one_the_platform_records() -> None:
    known = emitted_types() | set(projections._PROJECTORS)
    assert set(events.ALL) <= known, sorted(set(events.ALL) - known)
    assert len(set(events.ALL)) == len(events.ALL)


def test_every_indicator_trigger_is_a_real_event_type() -> None:
    for spec in all_indicators().values():
        assert spec.realtime_events <= set(events.ALL), (spec.code, sorted(spec.realtime_events - set(events.ALL)))


def test_triggers_fire_on_a_real_tender(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    machine = {"machine_code": "PC-9", "mac": "AA-BB-CC-00-11-22"}
    for i in (1, 2, 3):
        bid_with(world, lot, f"bidder{i}", 900_000_000 + i * 13_579_100, fingerprint=machine, source_ip="10.1.1.1")
    frames = load_frames(world.services.engine, world.services.blobs).frames
    live = run_realtime(events.LOT_BID_SUBMITTED, frames, lot_ids=[lot])
    assert {a.indicator for a in live} == {"REGS40-1"}
    open_lot(world, lot)
    frames = load_frames(world.services.engine, world.services.blobs).frames
    opened = {a.indicator for a in run_realtime(events.LOT_OPENED, frames, lot_ids=[lot])}
    assert "REGS40-1" in opened
    assert run_realtime(events.LOT_CONTRACT_SIGNED, frames, lot_ids=[lot]) == []
