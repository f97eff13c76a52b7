"""Platform lots in every state OCDS export cares about, driven through the services.

One world holds: a lot taken from registration to contract and refunded deposits (with a
clarification that moves the deadline, a rejected bid and bid files carrying compiling
fingerprints), a failed lot (too few bids) that is re-tendered, a cancelled lot and a lot
still in bidding, whose sealed bids must not appear anywhere in an export.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from jianzheng.domain import commands as c
from jianzheng.services.platform import Upload
from tests.support.tender import TenderWorld, announce, basic_account, build_world, register_lot

PRICES = {"bidder1": 960_000_000, "bidder2": 985_432_100, "bidder3": 990_000_001, "bidder4": 1_001_000_000}


def fingerprint(bidder: str) -> dict[str, str]:
    # bidder2 and bidder3 compiled their bids on the same machine (Regs 40 item 1).
    machine = "M-SHARED" if bidder in ("bidder2", "bidder3") else f"M-{bidder}"
    return {"machine_code": machine, "mac": f"00:1A:2B:3C:4D:{bidder[-1]}0", "cpu_id": f"CPU-{bidder}",
            "disk_serial": f"DISK-{bidder}", "author": f"{bidder} 编制员", "tool": "新点投标工具 9.1"}


def bid(world: TenderWorld, lot_id: str, bidder: str, price_fen: int, ip: str = "10.0.0.1") -> None:
    p = world.platform
    actor = world.actors[bidder]
    p.lot_command(actor, lot_id, c.RegisterBidder())
    p.lot_command(actor, lot_id, c.PayDeposit(10_000_000, basic_account(world, world.parties[bidder]), "中国建设银行"))
    p.submit_bid(actor, lot_id, {
        "price_fen": price_fen, "project_manager_id": world.persons[f"pm{bidder[-1]}"], "duration_days": 300,
        "quality": "合格", "technical_proposal": f"{bidder} 的施工组织设计：土方开挖、路基、路面。",
        "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3", "quantity_milli": 1_000_000,
                 "unit_price_fen": price_fen // 2000}]},
        [Upload("投标文件.pdf", f"bid of {bidder} for {lot_id}".encode(), "application/pdf")],
        source_ip=ip, fingerprint=fingerprint(bidder))


def committee(world: TenderWorld, lot_id: str) -> None:
    members = tuple(c.CommitteeMember(world.persons[f"expert{i}"], "expert", chair=(i == 1)) for i in range(1, 6))
    world.platform.lot_command(world.actors["staff"], lot_id, c.FormCommittee(members))


def score_and_report(world: TenderWorld, lot_id: str, reject: str | None = None) -> None:
    p = world.platform
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    if reject:
        target = next(b for b in bids if b["bidder_id"] == world.parties[reject] and b["status"] == "opened")
        p.lot_command(world.actors["expert1"], lot_id, c.RejectBid(target["bid_id"], "报价低于成本 / below cost"))
    bids = world.services.queries.bids(world.actors["staff"], lot_id)
    for i in range(1, 6):
        for b in bids:
            if b["status"] != "opened":
                continue
            bonus = 500 if b["bidder_id"] == world.parties["bidder2"] else 0
            p.lot_command(world.actors[f"expert{i}"], lot_id, c.SubmitScores(
                b["bid_id"], {"technical": 3000 + bonus + i * 10, "commercial": 1500, "price": 3500}))
    p.lot_command(world.actors["expert1"], lot_id, c.ReportEvaluation())


def build_ocds_world(data_dir: Path, database_url: str | None = None) -> tuple[TenderWorld, dict[str, str]]:
    world = build_world(data_dir, database_url)
    p = world.platform
    lots = {"contracted": register_lot(world), "failed": register_lot(world, 600_000_000),
            "cancelled": register_lot(world, 800_000_000), "bidding": register_lot(world, 500_000_000)}
    for key in lots:
        announce(world, lots[key])
    clarification = p.store_document(Upload("澄清1.pdf", b"%PDF clarification one", "application/pdf"))
    world.clock.advance(timedelta(days=10))
    p.lot_command(world.actors["agency"], lots["contracted"], c.IssueClarification(
        "第1号澄清：工期调整为300日历天", True, clarification))
    for i, (bidder, price) in enumerate(PRICES.items(), 1):
        bid(world, lots["contracted"], bidder, price, ip="10.0.0.9" if bidder in ("bidder3", "bidder4") else
            f"10.0.1.{i}")
        if i <= 2:
            bid(world, lots["failed"], bidder, price // 3)
    bid(world, lots["bidding"], "bidder1", 480_000_000)
    p.lot_command(world.actors["agency"], lots["cancelled"], c.CancelLot("项目资金未落实 / funding withdrawn"))
    world.clock.advance(timedelta(days=20))
    p.open_bids(world.actors["agency"], lots["contracted"])
    p.open_bids(world.actors["agency"], lots["failed"])
    p.lot_command(world.actors["agency"], lots["failed"], c.Retender("投标人不足三家 / fewer than three bids"))
    committee(world, lots["contracted"])
    score_and_report(world, lots["contracted"], reject="bidder4")
    world.clock.advance(timedelta(days=1))
    p.lot_command(world.actors["agency"], lots["contracted"],
                  c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    notice = p.store_document(Upload("中标通知书.pdf", b"%PDF award notice", "application/pdf"))
    p.lot_command(world.actors["tenderer"], lots["contracted"], c.Award(world.parties["bidder2"], notice=notice))
    world.clock.advance(timedelta(days=5))
    contract = p.store_document(Upload("合同.pdf", b"%PDF contract", "application/pdf"))
    p.lot_command(world.actors["tenderer"], lots["contracted"], c.SignContract(PRICES["bidder2"], 50_000_000, contract))
    world.clock.advance(timedelta(days=2))
    for deposit in world.services.queries.deposits(world.actors["staff"], lots["contracted"]):
        p.lot_command(world.actors["agency"], lots["contracted"], c.RefundDeposit(deposit["deposit_id"], 1234))
    return world, lots
