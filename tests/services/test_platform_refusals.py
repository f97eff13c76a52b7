"""Service-level refusals on real SQLite: the refusal itself reaches the caller, nothing is written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.domain.roles import Role
from tests.support.tender import PASSWORD, announce, bid, build_world, register_lot


def _total(world: object) -> int:
    total, _ = world.services.queries.log(world.actors["staff"], {}, limit=1)  # type: ignore[attr-defined]
    return int(total)


def test_duplicate_username_is_a_refusal_not_a_database_error(tmp_path: Path) -> None:
    world = build_world(tmp_path, bidders=1, experts=1)
    before = _total(world)
    with pytest.raises(Refusal) as caught:
        world.platform.create_user(world.actors["staff"], "Staff", PASSWORD, Role.PUBLIC, "重名")
    assert caught.value.code == "user.exists" and caught.value.field == "username"
    assert _total(world) == before


def test_refusal_inside_a_read_passes_through_unchanged(tmp_path: Path) -> None:
    world = build_world(tmp_path, bidders=1, experts=1)
    with pytest.raises(Refusal) as caught:
        world.services.queries.lot(world.actors["staff"], "NO-SUCH-LOT")
    assert caught.value.code == "not_found" and caught.value.status == 404


def test_late_bid_is_refused_at_the_service_and_nothing_is_written(tmp_path: Path) -> None:
    world = build_world(tmp_path, bidders=3, experts=1)
    lot = register_lot(world)
    announce(world, lot)
    bid(world, lot, "bidder1", 950_000_000)
    world.platform.lot_command(world.actors["bidder2"], lot, c.RegisterBidder())
    world.clock.advance(timedelta(days=21))
    before = _total(world)
    with pytest.raises(Refusal) as caught:
        world.platform.submit_bid(world.actors["bidder2"], lot, {"price_fen": 900_000_000})
    assert caught.value.code == "rule.order20.late-bid"
    assert caught.value.article is not None and "Order 20" in caught.value.article
    assert _total(world) == before
    events = world.platform.open_bids(world.actors["agency"], lot)
    assert events[0].type == "lot.failed"  # one bid: Law 28 / Regs 44
    assert world.services.queries.lot(world.actors["staff"], lot)["stage"] == "failed"
