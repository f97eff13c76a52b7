"""`jianzheng bidder` and `jianzheng escrow` against a real server on loopback: keygen, register,
compile, seal, submit, verify the receipt offline, sign in, release the key; and bad input."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from jianzheng.bidder.client import BidderClient
from jianzheng.cli.main import app
from jianzheng.domain import commands as c
from jianzheng.sealing.keys import generate
from jianzheng.web.app import create_app
from tests.support.tender import PASSWORD, TenderWorld, announce, basic_account, build_world, register_lot

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TenderWorld, str, str, dict[str, object]]]:
    custodian = generate()
    (tmp_path / "escrow.json").write_text(json.dumps(
        {"threshold": 1, "custodians": [{"name": "公证处", "public": custodian.public.to_json()}]}))
    world = build_world(tmp_path, None, token_days=60)
    lot_id = register_lot(world)
    announce(world, lot_id)
    actor = world.actors["bidder1"]
    world.platform.lot_command(actor, lot_id, c.RegisterBidder())
    world.platform.lot_command(actor, lot_id, c.PayDeposit(10_000_000, basic_account(world, world.parties["bidder1"]),
                                                           "银行"))
    port = free_port()
    config = uvicorn.Config(create_app(world.services), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    token = BidderClient.connect(url).login("bidder1", PASSWORD)
    yield world, url, token, {"lot": lot_id, "custodian": custodian}
    server.should_exit = True
    thread.join(timeout=10)


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_whole_bidder_journey_on_the_command_line(served: tuple[TenderWorld, str, str, dict[str, object]],
                                                      tmp_path: Path) -> None:
    world, url, token, extra = served
    lot = str(extra["lot"])
    key, work = tmp_path / "me" / "bidder.json", tmp_path / "me"
    common = ["--server", url, "--token", token]
    ok("bidder", "keygen", "--out", str(key))
    ok("bidder", "register-key", "--key", str(key), *common)
    (work / "content.json").write_text(json.dumps({"price_fen": 880_000_000, "technical_proposal": "方案"}))
    (work / "技术标.pdf").write_bytes(b"%PDF-1.4 /Author (Zhang San) /Creator (WPS) body")
    ok("bidder", "compile", str(work / "content.json"), str(work / "技术标.pdf"), "--out", str(work / "pkg.json"))
    fingerprint = json.loads((work / "pkg.fingerprint.json").read_text())
    assert fingerprint["machine_code"] and fingerprint["author"] == "Zhang San"
    ok("bidder", "seal", str(work / "pkg.json"), "--lot", lot, "--bidder-id", world.parties["bidder1"],
       "--key", str(key), "--server", url, "--out", str(work / "env.json"))
    ok("bidder", "submit", str(work / "env.json"), "--lot", lot, *common, "--out", str(work / "receipt.json"))
    vkeys = sorted(str(p) for p in (tmp_path / "keys").glob("*.vkey"))
    assert "回执有效" in ok("bidder", "verify-receipt", str(work / "receipt.json"),
                            *[x for v in vkeys for x in ("--platform-key", v)])
    receipt = json.loads((work / "receipt.json").read_text())
    receipt["bid_id"] = "BID-OTHER"
    (work / "forged.json").write_text(json.dumps(receipt))
    bad = runner.invoke(app, ["bidder", "verify-receipt", str(work / "forged.json"),
                              *[x for v in vkeys for x in ("--platform-key", v)]])
    assert bad.exit_code == 2 and "not this bid" in bad.output
    # The custodian can unwrap its share offline.
    custodian_key = tmp_path / "notary.json"
    from jianzheng.sealing.keys import save_key_pair

    save_key_pair(custodian_key, extra["custodian"])  # type: ignore[arg-type]
    share = json.loads(ok("escrow", "share", str(work / "env.json"), "--custodian", "公证处", "--key",
                          str(custodian_key)))
    assert share["x"] == 1 and share["share_b64"]
    # At the deadline: the hall opens, the bidder signs in and releases its key.
    lot_row = world.services.queries.lot(world.actors["staff"], lot)
    world.clock.set(datetime.fromisoformat(str(lot_row["bid_deadline"]).replace("Z", "+00:00")))
    world.services.sealed.start_hall(world.actors["staff"], lot)
    ok("bidder", "sign-in", "--lot", lot, *common)
    assert "解密成功" in ok("bidder", "release-key", str(work / "env.json"), "--lot", lot, "--key", str(key), *common)


def test_bad_input_is_refused_in_both_languages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bidder", "keygen", "--out", str(tmp_path / "k.json"), "--suite", "rsa"])
    assert result.exit_code == 2 and "未知的密钥套件" in result.output and "Unknown key suite" in result.output
    ok("bidder", "keygen", "--out", str(tmp_path / "k.json"))
    again = runner.invoke(app, ["bidder", "keygen", "--out", str(tmp_path / "k.json")])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    missing = runner.invoke(app, ["bidder", "compile", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "not found" in missing.output
    (tmp_path / "bad.json").write_text("{not json")
    broken = runner.invoke(app, ["escrow", "share", str(tmp_path / "bad.json"), "--custodian", "x", "--key",
                                 str(tmp_path / "k.json")])
    assert broken.exit_code == 2 and "not valid JSON" in broken.output
