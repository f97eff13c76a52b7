"""Sealed bids in an OCDS export: invisible before the opening, plaintext after, a silent bidder withdrawn.

Four bidders seal their bids with the bidder tool; three release their keys in the opening
hall, the fourth never does (Order 20 Art. 31: treated as withdrawn). The export must show no
bid before the opening, the decrypted content and documents after it, and the silent bid as
withdrawn with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jianzheng.adapters.ocds.export import document, dumps, export_processes, validate_release
from jianzheng.bidder.client import BidderClient, compile_bid, seal_bid
from jianzheng.web.app import create_app
from tests.support.sealed import enrol_sealing_bidder, move_to_deadline, write_escrow
from tests.support.tender import PASSWORD, TenderWorld, announce, build_world, register_lot

CANARY = "CANARY-OCDS-封标-51e0"


@pytest.fixture
def sealed_lot(tmp_path: Path) -> Iterator[tuple[TenderWorld, str]]:
    write_escrow(tmp_path, ("交易中心", "监督部门", "公证处"))
    world = build_world(tmp_path, token_days=60)
    lot_id = register_lot(world)
    announce(world, lot_id)
    with TestClient(create_app(world.services)) as http:
        keys, envelopes, clients = {}, {}, {}
        for i in range(1, 5):
            name = f"bidder{i}"
            clients[name], keys[name] = enrol_sealing_bidder(world, http, lot_id, name)
            compiled = compile_bid({"price_fen": 900_000_000 + i * 1_000_000, "duration_days": 300,
                                    "quality": "合格", "technical_proposal": f"第{i}家施工组织设计 {CANARY}",
                                    "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3",
                                             "unit_price_fen": 45_000 + i}]},
                                   fingerprint={"machine_code": f"M{i}", "tool": "test"})
            envelopes[name], _ = seal_bid(compiled, lot_id, world.parties[name], keys[name], clients[name].config())
            clients[name].submit(lot_id, envelopes[name])
        move_to_deadline(world, lot_id)
        staff = BidderClient(http)
        staff.login("staff", PASSWORD)
        staff._call("POST", f"/lots/{lot_id}/hall/start")
        for name in ("bidder1", "bidder2", "bidder3"):
            clients[name].sign_in(lot_id)
            clients[name].release_key(lot_id, envelopes[name], keys[name])
        world.clock.advance(timedelta(minutes=31))
        staff._call("POST", f"/lots/{lot_id}/hall/open")
    yield world, lot_id
    world.services.engine.dispose()


def test_sealed_bids_in_the_export(sealed_lot: tuple[TenderWorld, str]) -> None:
    world, lot_id = sealed_lot
    process, = export_processes(world.services.store, world.services.blobs, "ocds-jzh000", [lot_id])
    opening = next(r for r in process.releases if "bids" in r)
    for release in process.releases[:process.releases.index(opening)]:
        assert CANARY not in dumps(document(release)) and "bids" not in release
    compiled = json.loads(dumps(document(process.compiled)))
    bids = {b["tenderers"][0]["id"]: b for b in compiled["bids"]["details"]}
    assert len(bids) == 4
    for i in (1, 2, 3):
        bid = bids[world.parties[f"bidder{i}"]]
        assert bid["status"] == "pending" and bid["value"]["amount"] == 9_000_000 + i * 10_000
        assert bid["content"]["technicalProposal"] == f"第{i}家施工组织设计 {CANARY}"
        assert bid["fingerprint"]["machineCode"] == f"M{i}"
    silent = bids[world.parties["bidder4"]]
    assert silent["status"] == "withdrawn" and "treated as withdrawn" in silent["statusDetails"]
    assert "value" not in silent and CANARY not in json.dumps(silent, ensure_ascii=False)
    assert compiled["tender"]["numberOfTenderers"] == 4
    assert all(validate_release(document(r)) == [] for r in (*process.releases, process.compiled))
