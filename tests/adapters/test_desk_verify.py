"""`verify` covers the desk's read tables: lifting a sanction or closing an alert by editing the
database, instead of through a witnessed event, is found and named (table, key, field)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql.verify.runner import VerifyOptions, verify
from jianzheng.domain import credit as cr
from jianzheng.supervision.alert import Alert
from tests.support.tender import build_world


@pytest.mark.parametrize("replay", ["memory", "sql"])
def test_tampering_with_desk_tables_is_found(tmp_path: Path, replay: str) -> None:
    data = tmp_path / "data"
    world = build_world(data, bidders=2, experts=1)
    desk, sup = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    [alert_id] = desk.raise_alerts([Alert("R018", "medium", "lot", "L1", ("L1",), (), "单一投标", "Single bid", (),
                                          value=0.25)])
    desk.acknowledge(sup, alert_id)
    desk.comment(sup, alert_id, "核查中")
    record = desk.record_credit(sup, cr.RecordCredit("party", world.parties["bidder1"], "串通投标", "bid_ban",
                                                     "实施条例第六十七条", "公管局", now, now + timedelta(days=365)))
    desk.watch(sup, "bidder", world.parties["bidder2"], "陪标", now + timedelta(days=30))
    keys = tuple(p.read_text(encoding="utf-8").strip() for p in (data / "keys").glob("*.vkey"))
    assert keys
    options = VerifyOptions(platform_keys=keys, replay=replay)
    clean = verify(world.services.engine, options)
    assert clean.ok, [(d.kind, d.en) for d in clean.discrepancies]
    record_id = record[0].payload["record_id"]
    with world.services.engine.begin() as conn:
        conn.execute(sa.text("UPDATE credit_records SET period_to = '2026-03-03T00:00:00.000Z' WHERE record_id = :r"),
                     {"r": record_id})
        conn.execute(sa.text("UPDATE alerts SET status = 'dismissed' WHERE alert_id = :a"), {"a": alert_id})
    found = verify(world.services.engine, options)
    assert not found.ok
    named = {(d.table, d.key, d.field) for d in found.discrepancies}
    assert any(t == "credit_records" and record_id in str(k) and f == "period_to" for t, k, f in named), named
    assert any(t == "alerts" and alert_id in str(k) and f == "status" for t, k, f in named), named
    world.services.engine.dispose()
