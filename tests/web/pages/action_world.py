"""A small trading center the action pages may change: a lot at its hall, alerts, credit records.

The shared page scenario (`scenario.py`) is only read by the page tests; the hall, alert and
credit actions write, so they get this world of their own, built through the services:

- `hall` and `spare_hall`: announced, three plain bids each (bidder1..3), the clock just past
  their deadline — their halls can be started, signed in to and opened (two, so that the
  browser tests can run the opening once at each screen size);
- `early`: announced after that, its deadline three weeks ahead — starting its hall is refused;
- a WATCHLIST alert: bidder4 is on the watch list and signs in (evidence cites the sign-in);
- two credit records on bidder5: one published, one not (only staff and supervisors see it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from jianzheng.domain import credit as cr
from tests.support.tender import PASSWORD, TenderWorld, announce, bid, build_world, register_lot

HALL_PRICES = {"bidder1": 950_000_000, "bidder2": 962_500_000, "bidder3": 978_000_000}


@dataclass
class ActionWorld:
    world: TenderWorld
    hall_lot: str
    spare_hall_lot: str
    early_lot: str
    alert_id: str
    credit_published: str
    credit_hidden: str


def deadline_of(world: TenderWorld, lot_id: str) -> datetime:
    lot = world.services.queries.lot(world.actors["staff"], lot_id)
    return datetime.fromisoformat(str(lot["bid_deadline"]).replace("Z", "+00:00"))


def build_action_world(data_dir: Path, database_url: str | None = None) -> ActionWorld:
    world = build_world(data_dir, database_url, token_days=60)
    hall_lot, spare_hall_lot = register_lot(world), register_lot(world, 800_000_000)
    for lot_id in (hall_lot, spare_hall_lot):
        announce(world, lot_id)
        for bidder, price in HALL_PRICES.items():
            bid(world, lot_id, bidder, price)
    world.clock.set(deadline_of(world, hall_lot) + timedelta(minutes=1))
    early_lot = register_lot(world, 500_000_000)
    announce(world, early_lot)
    desk, sup = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    desk.watch(sup, "bidder", world.parties["bidder4"], "多次陪标", now + timedelta(days=90))
    world.services.auth.login("bidder4", PASSWORD, "10.8.8.8")
    total, alerts = desk.alerts(sup, {"indicator": ["WATCHLIST"]})
    assert total >= 1
    ids = []
    for published in (True, False):
        events = desk.record_credit(sup, cr.RecordCredit(
            "party", world.parties["bidder5"], "串通投标" if published else "提供虚假材料", "bid_ban",
            "招标投标法实施条例第六十七条", "昆明市公共资源交易监督管理局", now - timedelta(days=1),
            now + timedelta(days=365), "昆公管罚〔2026〕12号", published))
        ids.append(str(events[0].payload["record_id"]))
    return ActionWorld(world, hall_lot, spare_hall_lot, early_lot, str(alerts[0]["alert_id"]), ids[0], ids[1])
