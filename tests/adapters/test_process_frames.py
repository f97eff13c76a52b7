"""The process warnings over frames loaded from the database, end to end, on SQLite and PostgreSQL.

A tender is driven to its contract; one deposit came from another account (a rule warning,
raised by the desk at once) and the deposits are then kept past the refund period. The
frames loaded from the read tables carry the contract, the procedure's periods, the refunds
and the rule warnings; the batch finds the late refund, and recording the batch's alerts
does not duplicate the PROC-RULE alert the desk already raised.
"""

from __future__ import annotations

from datetime import timedelta

from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.domain import commands as c
from jianzheng.supervision import run_batch
from tests.support.tender import TenderWorld, announce, bid, bid_with, evaluate, open_lot, register_lot


def contracted_lot(world: TenderWorld) -> str:
    p, a = world.platform, world.actors
    lot = register_lot(world)
    announce(world, lot)
    bid(world, lot, "bidder1", 950_000_000)
    bid(world, lot, "bidder2", 960_000_000)
    bid_with(world, lot, "bidder3", 970_000_000, paying_account="6222888800001111")  # not its basic account
    open_lot(world, lot)
    evaluate(world, lot)
    p.lot_command(a["agency"], lot, c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    p.lot_command(a["tenderer"], lot, c.Award(world.parties["bidder1"]))
    world.clock.advance(timedelta(days=10))
    p.lot_command(a["tenderer"], lot, c.SignContract(950_000_000, 50_000_000))
    return lot


def test_late_refunds_and_rule_warnings_from_the_database(world: TenderWorld) -> None:
    lot = contracted_lot(world)
    deposits = world.services.queries.deposits(world.actors["staff"], lot)
    world.clock.advance(timedelta(days=2))
    world.platform.lot_command(world.actors["staff"], lot, c.RefundDeposit(deposits[0]["deposit_id"]))
    world.clock.advance(timedelta(days=8))  # 10 days after the contract: the other two are late

    frames = load_frames(world.services.engine, world.services.blobs).frames
    row = frames.lots.filter(frames.lots["lot_id"] == lot).row(0, named=True)
    assert row["contract_within_days"] == 30 and row["deposit_refund_within_days"] == 5
    assert row["contract_signed_at"] is not None and row["contract_seq"] and row["awarded_seq"]
    refunded = frames.deposits.filter(frames.deposits["refunded_at"].is_not_null())
    assert refunded["deposit_id"].to_list() == [deposits[0]["deposit_id"]] and refunded["refund_seq"][0]
    assert frames.rule_warnings["rule"].to_list() == ["regs26.basic-account"]

    # "Now" for the batch is the last recorded activity, so judge as of the clock explicitly.
    settings = {"PROC-LATE-REFUND": {"as_of": world.clock.now().isoformat()}}
    found = run_batch(frames, settings, indicators=["PROC-RULE", "PROC-LATE-REFUND", "PROC-LATE-CONTRACT"])
    late = [a for a in found if a.indicator == "PROC-LATE-REFUND"]
    assert len(late) == 1 and late[0].lot_ids == (lot,)
    held = next(e.value for e in late[0].evidence if e.fact == "deposits")
    assert isinstance(held, list)
    assert sorted(d["deposit_id"] for d in held) == sorted(d["deposit_id"] for d in deposits[1:])  # type: ignore[index]
    assert {d["days_late"] for d in held} == {5}  # type: ignore[index]
    assert not [a for a in found if a.indicator == "PROC-LATE-CONTRACT"]

    desk = world.services.desk
    raised_before = desk.alerts(world.actors["supervisor"], {"indicator": ["PROC-RULE"]})[0]
    assert raised_before == 1  # raised by the desk when the warning was appended
    new = desk.raise_alerts(found)
    assert new == [late[0].id]  # the batch's PROC-RULE alert is the one already recorded
