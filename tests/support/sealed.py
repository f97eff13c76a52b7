"""Sealed-bid set-up shared by tests: escrow custodians, a bidder enrolled with its own key.

A bidder that seals registers for the lot, pays its deposit, signs in through the HTTP API
with the bidder tool's client and registers a fresh public key; the tests then compile,
seal and submit what they need.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from jianzheng.bidder.client import BidderClient
from jianzheng.domain import commands as c
from jianzheng.sealing.keys import KeyPair, generate
from tests.support.tender import PASSWORD, TenderWorld, basic_account


def write_escrow(data_dir: Path, names: tuple[str, ...], threshold: int = 2) -> dict[str, KeyPair]:
    """Configure escrow custodians in ``data_dir/escrow.json``; returns each custodian's key pair."""
    custodians = {name: generate() for name in names}
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "escrow.json").write_text(json.dumps({"threshold": threshold, "custodians": [
        {"name": n, "public": k.public.to_json()} for n, k in custodians.items()]}, ensure_ascii=False))
    return custodians


def enrol_sealing_bidder(world: TenderWorld, http: TestClient, lot_id: str, name: str,
                         suite: str = "sm2") -> tuple[BidderClient, KeyPair]:
    """Register ``name`` for the lot with a deposit, log its client in and register a new key."""
    actor = world.actors[name]
    world.platform.lot_command(actor, lot_id, c.RegisterBidder())
    world.platform.lot_command(actor, lot_id, c.PayDeposit(
        10_000_000, basic_account(world, world.parties[name]), "中国建设银行"))
    client = BidderClient(http)
    client.login(name, PASSWORD)
    keys = generate(suite)
    client.register_key(keys)
    return client, keys


def move_to_deadline(world: TenderWorld, lot_id: str) -> None:
    """Set the simulated clock to the lot's bid deadline (the opening may start)."""
    lot = world.services.queries.lot(world.actors["staff"], lot_id)
    world.clock.set(datetime.fromisoformat(str(lot["bid_deadline"]).replace("Z", "+00:00")))
