"""A complete sealed opening through the API with the bidder tool: five bidders, one never
decrypts, one is opened through the escrow; the canary; the refusals; the deadline boundary."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jianzheng.adapters.keyring import load_platform_verifiers
from jianzheng.bidder.client import BidderClient, compile_bid, seal_bid, verify_receipt
from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.sealing.envelope import unwrap_share
from jianzheng.sealing.keys import KeyPair, generate
from jianzheng.web.app import create_app
from tests.support.tender import PASSWORD, TenderWorld, announce, basic_account, build_world, register_lot

CANARY = "CANARY-封标-9d41c7"
CUSTODIANS = ("交易中心", "监督部门", "公证处")


@dataclass
class Hall:
    world: TenderWorld
    http: TestClient
    lot_id: str
    custodians: dict[str, KeyPair]

    def client(self, username: str) -> BidderClient:
        bidder = BidderClient(self.http)
        bidder.login(username, PASSWORD)
        return bidder

    def to_deadline(self, offset: timedelta = timedelta(0)) -> None:
        lot = self.world.services.queries.lot(self.world.actors["staff"], self.lot_id)
        deadline = datetime.fromisoformat(str(lot["bid_deadline"]).replace("Z", "+00:00"))
        self.world.clock.set(deadline + offset)


@pytest.fixture
def hall(tmp_path: Path, database_url: str) -> Iterator[Hall]:
    custodians = {name: generate() for name in CUSTODIANS}
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "escrow.json").write_text(json.dumps({"threshold": 2, "custodians": [
        {"name": n, "public": k.public.to_json()} for n, k in custodians.items()]}, ensure_ascii=False))
    world = build_world(tmp_path, database_url, token_days=60)  # the clock jumps to the deadline
    lot_id = register_lot(world)
    announce(world, lot_id)
    for i in range(1, 6):
        actor = world.actors[f"bidder{i}"]
        world.platform.lot_command(actor, lot_id, c.RegisterBidder())
        world.platform.lot_command(actor, lot_id, c.PayDeposit(
            10_000_000, basic_account(world, world.parties[f"bidder{i}"]), "中国建设银行"))
    with TestClient(create_app(world.services)) as http:
        yield Hall(world, http, lot_id, custodians)


def content(i: int) -> dict[str, object]:
    return {"price_fen": 900_000_000 + i * 1_000_000, "duration_days": 300, "quality": "合格",
            "technical_proposal": f"第{i}家的施工组织设计 {CANARY}",
            "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3", "unit_price_fen": 45_000 + i}]}


def everything_stored(world: TenderWorld, data_dir: Path) -> bytes:
    """Every byte the platform holds: all table text, the database files, the blob store."""
    chunks = []
    with world.services.engine.connect() as conn:
        from jianzheng.adapters.sql.metadata import metadata

        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                chunks.append(repr(tuple(row)).encode())
    for path in data_dir.rglob("*"):
        if path.is_file():
            chunks.append(path.read_bytes())
    return b"\n".join(chunks)


def test_complete_sealed_opening_with_escrow_and_a_silent_bidder(hall: Hall, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world = hall.world
    clients, keys, envelopes, receipts = {}, {}, {}, {}
    for i in range(1, 6):
        name = f"bidder{i}"
        clients[name] = hall.client(name)
        keys[name] = generate("sm2" if i % 2 else "x25519-ed25519")
        clients[name].register_key(keys[name])
        config = clients[name].config()
        compiled = compile_bid(content(i), fingerprint={"machine_code": f"M{i}", "tool": "test"})
        envelope, _ = seal_bid(compiled, hall.lot_id, world.parties[name], keys[name], config,
                               cipher="SM4-GCM" if i % 2 else "AES-256-GCM")
        envelopes[name] = envelope
        receipts[name] = clients[name].submit(hall.lot_id, envelope)
    verifiers = load_platform_verifiers(tmp_path)
    for receipt in receipts.values():
        assert verify_receipt(receipt, verifiers) >= receipt["leaf_index"] + 1

    # Before the opening nobody on the platform side can read a bid: the canary is nowhere.
    assert CANARY.encode() not in everything_stored(world, tmp_path)
    assert CANARY not in caplog.text

    with pytest.raises(Refusal, match="deadline"):
        clients["bidder1"].release_key(hall.lot_id, envelopes["bidder1"], keys["bidder1"])
    hall.to_deadline()
    staff = BidderClient(hall.http)
    staff.login("staff", PASSWORD)
    staff._call("POST", f"/lots/{hall.lot_id}/hall/start")
    for name in ("bidder1", "bidder2", "bidder3"):
        clients[name].sign_in(hall.lot_id)
        clients[name].release_key(hall.lot_id, envelopes[name], keys[name])
    # bidder4's key is lost through no fault of its own: the custodians open its bid.
    bid4 = receipts["bidder4"]["bid_id"]
    staff._call("POST", f"/lots/{hall.lot_id}/hall/escrow-requests",
                json={"bid_id": bid4, "reason": "投标人的密钥介质在平台升级中损坏"})
    for name in CUSTODIANS[:2]:
        share = unwrap_share(envelopes["bidder4"], name, hall.custodians[name])
        staff._call("POST", f"/lots/{hall.lot_id}/hall/escrow-shares", json={
            "bid_id": bid4, "custodian": name, "x": share.x,
            "share_b64": base64.b64encode(share.value).decode()})
    state = clients["bidder1"].hall(hall.lot_id)
    decryption = {b["bidder_id"]: b["decryption"] for b in state["bidders"]}
    assert decryption[world.parties["bidder4"]] == "decrypted"
    assert decryption[world.parties["bidder5"]] == "pending"  # bidder5 never shows up
    with pytest.raises(Refusal, match="still open"):
        staff._call("POST", f"/lots/{hall.lot_id}/hall/open")
    world.clock.advance(timedelta(minutes=31))
    opened = staff._call("POST", f"/lots/{hall.lot_id}/hall/open")["events"]
    types = [e["type"] for e in opened]
    assert types.count("lot.bid_decryption_failed") == 1 and "lot.opened" in types
    failed = next(e for e in opened if e["type"] == "lot.bid_decryption_failed")
    assert failed["payload"]["bidder_id"] == world.parties["bidder5"]
    assert failed["payload"]["treated_as"] == "withdrawn"
    published = next(e for e in opened if e["type"] == "lot.opened")["payload"]["bids"]
    assert {b["bidder_id"]: b["price_fen"] for b in published} == {
        world.parties[f"bidder{i}"]: 900_000_000 + i * 1_000_000 for i in range(1, 5)}
    record = next(e for e in opened if e["type"] == "lot.opening_record_published")["payload"]["document"]
    html = world.services.blobs.get(record["sha256"]).decode()
    assert "开标记录表" in html and "9,010,000.00" in html and "9,050,000.00" not in html
    assert html.count("未解密，视为撤回") == 1 and "托管解密" in html
    # After the opening the content is readable, as it must be.
    assert CANARY.encode() in everything_stored(world, tmp_path)


def test_refusals_store_nothing(hall: Hall, tmp_path: Path) -> None:
    world = hall.world
    bidder = hall.client("bidder1")
    keys = generate()
    compiled = compile_bid(content(1), fingerprint={"tool": "test"})
    config = bidder.config()
    envelope, _ = seal_bid(compiled, hall.lot_id, world.parties["bidder1"], keys, config)
    with pytest.raises(Refusal, match="Register your bid key"):
        bidder.submit(hall.lot_id, envelope)
    bidder.register_key(keys)
    blobs_before = sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file())
    with pytest.raises(Refusal, match="unencrypted"):
        bidder.submit(hall.lot_id, content(1))
    other = generate()
    forged, _ = seal_bid(compiled, hall.lot_id, world.parties["bidder1"], other, config)
    with pytest.raises(Refusal, match="not registered"):
        bidder.submit(hall.lot_id, forged)
    wrong_lot, _ = seal_bid(compiled, "L-OTHER", world.parties["bidder1"], keys, config)
    with pytest.raises(Refusal, match="another lot"):
        bidder.submit(hall.lot_id, wrong_lot)
    no_escrow, _ = seal_bid(compiled, hall.lot_id, world.parties["bidder1"], keys, {"escrow": None})
    with pytest.raises(Refusal, match="Escrow shares must go to"):
        bidder.submit(hall.lot_id, no_escrow)
    body = bytearray(base64.b64decode(envelope["ciphertext"]))
    body[0] ^= 1
    tampered = dict(envelope, ciphertext=base64.b64encode(bytes(body)).decode())
    with pytest.raises(Refusal, match="signature does not verify"):
        bidder.submit(hall.lot_id, tampered)
    assert sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()) == blobs_before
    with world.services.store.read() as session:
        assert session.rows("bids", {"lot_id": hall.lot_id}) == []


def test_deadline_boundary_to_the_millisecond(hall: Hall) -> None:
    bidder = hall.client("bidder2")
    keys = generate()
    bidder.register_key(keys)
    envelope, _ = seal_bid(compile_bid(content(2), fingerprint={"tool": "t"}), hall.lot_id,
                           hall.world.parties["bidder2"], keys, bidder.config())
    hall.to_deadline(-timedelta(milliseconds=1))
    assert bidder.submit(hall.lot_id, envelope)["bid_id"]
    hall.to_deadline()
    with pytest.raises(Refusal, match="deadline has passed") as refused:
        bidder.submit(hall.lot_id, envelope)
    assert refused.value.status == 409


def test_an_envelope_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    procedures = tmp_path / "procedures"
    procedures.mkdir()
    packaged = Path(c.__file__).with_name("procedures") / "construction-open.toml"
    (procedures / "construction-open.toml").write_text(
        packaged.read_text(encoding="utf-8").replace("max_envelope_mb = 50", "max_envelope_mb = 1"), encoding="utf-8")
    world = build_world(tmp_path / "data", None, procedures_dir=procedures)
    lot_id = register_lot(world)
    announce(world, lot_id)
    actor = world.actors["bidder1"]
    world.platform.lot_command(actor, lot_id, c.RegisterBidder())
    keys = generate()
    world.services.sealed.register_key(actor, keys.public.to_json())
    big = compile_bid({"price_fen": 1, "technical_proposal": "x" * (1_200_000)}, fingerprint={"tool": "t"})
    envelope, _ = seal_bid(big, lot_id, world.parties["bidder1"], keys, world.services.sealed.config())
    with pytest.raises(Refusal, match="exceeds 1 MB") as refused:
        world.services.sealed.submit(actor, lot_id, json.dumps(envelope).encode())
    assert refused.value.status == 413
    with world.services.store.read() as session:
        assert session.rows("bids", {"lot_id": lot_id}) == []


def test_the_hall_feed_streams_its_state(hall: Hall) -> None:
    hall.to_deadline()
    hall.world.services.sealed.start_hall(hall.world.actors["staff"], hall.lot_id)
    with hall.http.stream("GET", f"/api/v1/lots/{hall.lot_id}/hall/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == "event: hall"
        assert next(lines).startswith("id: ")
        state = json.loads(next(lines).removeprefix("data: "))
    assert state["hall_started_at"] and state["release_until"] and len(state["bidders"]) == 0
    missing = hall.http.get("/api/v1/lots/NOPE/hall/stream")
    assert missing.status_code == 404 and "NOPE" in missing.json()["error"]["message_en"]


def test_a_sealed_opening_verifies(hall: Hall, tmp_path: Path) -> None:
    """Every digest a sealed bid's events cite is a stored file, before and after the opening."""
    from jianzheng.adapters.sql.verify import VerifyOptions, load_keys, verify

    world = hall.world
    keys_found = load_keys(tmp_path)
    options = VerifyOptions(platform_keys=keys_found.platform, witness_keys=keys_found.witnesses,
                            blobs=world.services.blobs, workers=0)
    clients, keys, envelopes = {}, {}, {}
    for i in range(1, 4):
        name = f"bidder{i}"
        clients[name] = hall.client(name)
        keys[name] = generate()
        clients[name].register_key(keys[name])
        envelopes[name], _ = seal_bid(compile_bid(content(i), fingerprint={"tool": "t"}), hall.lot_id,
                                      world.parties[name], keys[name], clients[name].config())
        clients[name].submit(hall.lot_id, envelopes[name])
    before = verify(world.services.engine, options)
    assert before.ok, [(d.kind, d.en) for d in before.discrepancies]
    hall.to_deadline()
    world.services.sealed.start_hall(world.actors["staff"], hall.lot_id)
    for name in clients:
        clients[name].release_key(hall.lot_id, envelopes[name], keys[name])
    world.services.sealed.open(world.actors["staff"], hall.lot_id)
    after = verify(world.services.engine, options)
    assert after.ok, [(d.kind, d.en) for d in after.discrepancies]
