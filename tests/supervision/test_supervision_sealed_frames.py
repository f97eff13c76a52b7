"""Sealed bids (封标) in the supervision frames: fingerprints before the opening, contents only after it.

Three bidders seal their bids with the bidder tool; two were compiled on one machine and
carry the same proposal. Before the deadline the platform holds envelopes only: the frames
show the fingerprints (REGS40-1 can already fire) and no content. After the keys are
released and the bids opened, the decrypted proposals are in the frames and REGS40-4 finds
the copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jianzheng.adapters.sql.supervision_frames import load_frames
from jianzheng.bidder.client import BidderClient, compile_bid, seal_bid
from jianzheng.sealing.keys import KeyPair
from jianzheng.supervision import run_batch
from jianzheng.web.app import create_app
from tests.support.sealed import enrol_sealing_bidder, move_to_deadline
from tests.support.tender import PASSWORD, TenderWorld, announce, build_world, register_lot

COPIED = ("一、施工部署：全线划分为三个作业段，东段先行，西段随后，采用流水作业。\n"
          "二、路基施工：分层填筑，每层松铺厚度三十公分，重型压路机碾压六遍，压实度检测合格后进入下一层。\n"
          "三、安全措施：设专职安全员两名，基坑周边搭设防护栏杆，夜间设置警示灯带。")

Sealed = dict[str, tuple[dict[str, Any], KeyPair]]


@pytest.fixture
def sealed(tmp_path: Path) -> Iterator[tuple[TenderWorld, str, dict[str, BidderClient], Sealed]]:
    world = build_world(tmp_path, bidders=3, experts=1, token_days=60)
    lot_id = register_lot(world)
    announce(world, lot_id)
    with TestClient(create_app(world.services)) as http:
        clients: dict[str, BidderClient] = {}
        sealed_bids: Sealed = {}
        for i in (1, 2, 3):
            name = f"bidder{i}"
            clients[name], keys = enrol_sealing_bidder(world, http, lot_id, name)
            proposal = COPIED if i < 3 else "本公司自行编制的施工组织设计，按招标文件要求组织施工。"
            compiled = compile_bid({"price_fen": 900_000_000 + i * 7_654_321, "duration_days": 300,
                                    "quality": "合格", "technical_proposal": f"bidder{i}有限公司\n{proposal}"},
                                   fingerprint={"machine_code": "PC-SHARED" if i < 3 else f"PC-{i}", "tool": "t"})
            envelope, _ = seal_bid(compiled, lot_id, world.parties[name], keys, clients[name].config())
            clients[name].submit(lot_id, envelope)
            sealed_bids[name] = (envelope, keys)
        yield world, lot_id, clients, sealed_bids
    world.services.engine.dispose()


def test_sealed_bids_show_fingerprints_before_and_contents_after_the_opening(
    sealed: tuple[TenderWorld, str, dict[str, BidderClient], Sealed],
) -> None:
    world, lot_id, clients, sealed_bids = sealed
    before = load_frames(world.services.engine, world.services.blobs)
    assert before.notes == []
    assert before.frames.bid_details["technical_proposal"].null_count() == 3
    machines = sorted(before.frames.bid_details["machine_code"].to_list())
    assert machines == ["PC-3", "PC-SHARED", "PC-SHARED"]
    [preparer] = run_batch(before.frames, indicators=["REGS40-1"])
    assert set(preparer.party_ids) == {world.parties["bidder1"], world.parties["bidder2"]}
    assert run_batch(before.frames, indicators=["REGS40-4"]) == []

    move_to_deadline(world, lot_id)
    with TestClient(create_app(world.services)) as http:
        staff = BidderClient(http)
        staff.login("staff", PASSWORD)
        staff._call("POST", f"/lots/{lot_id}/hall/start")
        for name, client in clients.items():
            client.http = http
            client.login(name, PASSWORD)
            client.sign_in(lot_id)
            envelope, keys = sealed_bids[name]
            client.release_key(lot_id, envelope, keys)
        world.clock.advance(timedelta(minutes=31))
        staff._call("POST", f"/lots/{lot_id}/hall/open")
    after = load_frames(world.services.engine, world.services.blobs)
    assert after.notes == []
    proposals = after.frames.bid_details["technical_proposal"].to_list()
    assert all(p is not None for p in proposals) and sum(COPIED in p for p in proposals) == 2
    [copy] = [a for a in run_batch(after.frames, indicators=["REGS40-4"])
              if any(e.fact == "similar_proposals" for e in a.evidence)]
    assert set(copy.party_ids) == {world.parties["bidder1"], world.parties["bidder2"]}
