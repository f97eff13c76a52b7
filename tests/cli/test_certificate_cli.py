"""`jianzheng certificate issue | verify | render` on a real SQLite data directory (Typer's CliRunner)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.adapters.keyring import platform_key_paths
from jianzheng.cli.main import app
from jianzheng.ledger.canonical import canonical_bytes
from tests.support.tender import announce, bid_with, build_world, open_lot, register_lot

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@dataclass
class Setup:
    data: Path
    lot: str
    out: Path
    keys: list[str]  # --key FILE options for the platform's published keys
    document: bytes  # a bid document as stored

    @property
    def bundle(self) -> Path:
        return self.out / f"{self.lot}.certificate.json"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("certificate-cli")
    world = build_world(root / "data")
    lot = register_lot(world)
    announce(world, lot)
    for n, bidder in enumerate(("bidder1", "bidder2", "bidder3"), start=1):
        bid_with(world, lot, bidder, 950_000_000 + n, source_ip=f"198.51.100.{n}")
    open_lot(world, lot)
    with world.services.store.read() as session:
        submitted = next(e for e in session.lot_events(lot) if e.type == "lot.bid_submitted")
    document = world.services.blobs.get(submitted.payload["documents"][0]["sha256"])
    world.services.engine.dispose()
    keys = []
    for paths in platform_key_paths(root / "data").values():
        keys += ["--key", str(paths.verifier)]
    out = root / "out"
    code, stdout, stderr = run("--data-dir", str(root / "data"), "certificate", "issue", lot, "--output", str(out))
    assert code == 0, stderr
    assert lot in stdout
    yield Setup(root / "data", lot, out, keys, document)


def test_issue_writes_the_bundle_and_its_html_and_pdf(setup: Setup) -> None:
    names = sorted(p.name for p in setup.out.iterdir())
    assert names == [f"{setup.lot}.certificate.{ext}" for ext in ("html", "json", "pdf")]
    bundle = json.loads(setup.bundle.read_text(encoding="utf-8"))
    assert bundle["format"] == "jianzheng.witness-certificate" and bundle["lot_id"] == setup.lot
    assert (setup.out / f"{setup.lot}.certificate.pdf").read_bytes().startswith(b"%PDF-")
    assert "全过程时间线" in (setup.out / f"{setup.lot}.certificate.html").read_text(encoding="utf-8")


def test_verify_with_pinned_keys_and_a_document_exits_0(setup: Setup, tmp_path: Path) -> None:
    document = tmp_path / "投标文件.pdf"
    document.write_bytes(setup.document)
    code, out, err = run("certificate", "verify", str(setup.bundle), *setup.keys, "--document", str(document))
    assert code == 0, out + err
    assert "验证通过 / VERIFIED" in out
    assert "指定的公钥" in out and "pinned keys" in out
    assert "Ed25519" in out and "SM2-SM3" in out
    assert "SHA-256 与 SM3 均相符" in out


def test_verify_without_keys_says_trust_must_come_from_out_of_band(setup: Setup) -> None:
    code, out, _ = run("certificate", "verify", str(setup.bundle))
    assert code == 0
    assert "证书自带的公钥" in out and "out of band" in out


def test_verify_json_output(setup: Setup) -> None:
    code, out, _ = run("certificate", "verify", str(setup.bundle), *setup.keys, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] is True and report["trust"] == "pinned" and report["failures"] == []
    assert report["events_checked"] == report["events_verified"] > 0


def test_a_tampered_bundle_exits_1_naming_the_event(setup: Setup, tmp_path: Path) -> None:
    bundle = json.loads(setup.bundle.read_text(encoding="utf-8"))
    item = next(e for e in bundle["events"] if e["event"]["type"] == "lot.opened")
    event = json.loads(base64.b64decode(item["entry"]))
    event["payload"]["bids"][0]["price_fen"] = 1
    item["entry"] = base64.b64encode(canonical_bytes(event)).decode()
    item["event"] = event
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run("certificate", "verify", str(forged), *setup.keys)
    seq = item["seq"]
    assert code == 1
    assert f"事件 {seq}（叶序号 {seq - 1}）的包含证明" in out
    assert f"event seq {seq} (leaf index {seq - 1}): the inclusion proof does not lead" in out
    assert "验证未通过 / FAILED" in out


def test_a_document_that_does_not_match_exits_1(setup: Setup, tmp_path: Path) -> None:
    document = tmp_path / "changed.pdf"
    document.write_bytes(setup.document + b" ")
    code, out, _ = run("certificate", "verify", str(setup.bundle), *setup.keys, "--document", str(document))
    assert code == 1
    assert "不在证书中" in out and "is not in the certificate" in out


def test_a_wrong_pinned_key_exits_1(setup: Setup, tmp_path: Path) -> None:
    stranger = build_world(tmp_path / "stranger")
    stranger.services.engine.dispose()
    keys = [str(p.verifier) for p in platform_key_paths(tmp_path / "stranger").values()]
    code, out, _ = run("certificate", "verify", str(setup.bundle), "--key", keys[0], "--key", keys[1])
    assert code == 1
    assert "与指定的公钥不符" in out and "does not match any pinned key" in out


@pytest.mark.parametrize(("args", "message"), [
    (["missing.json"], "无法读取证书文件"),
    (["{bundle}", "--key", "no-such.vkey"], "无法读取 --key 指定的公钥文件"),
    (["{bundle}", "--key", "name+0011aabb+AAAA"], "平台公钥无效"),
    (["{bundle}", "--key", "{private}"], "这是签名私钥"),
    (["{bundle}", "--format", "xml"], "输出格式应为 table 或 json"),
])
def test_bad_input_exits_2_in_both_languages(setup: Setup, args: list[str], message: str) -> None:
    private = str(platform_key_paths(setup.data)["ed25519"].signer)
    filled = [a.format(bundle=setup.bundle, private=private) for a in args]
    code, out, err = run("certificate", "verify", *filled)
    assert code == 2, out + err
    assert message in err and "Error:" in err and "Traceback" not in err


def test_issue_refuses_an_unknown_lot_and_writes_nothing(setup: Setup, tmp_path: Path) -> None:
    code, _, err = run("--data-dir", str(setup.data), "certificate", "issue", "PRJNOPE-01", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "未找到标段：PRJNOPE-01" in err and "No lot with id 'PRJNOPE-01'" in err
    assert not (tmp_path / "x").exists()


def test_issue_one_format_only_and_refuse_an_unknown_one(setup: Setup, tmp_path: Path) -> None:
    code, _, err = run("--data-dir", str(setup.data), "certificate", "issue", setup.lot, "-o", str(tmp_path),
                       "--format", "pdf")
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir()] == [f"{setup.lot}.certificate.pdf"]
    code, _, err = run("--data-dir", str(setup.data), "certificate", "issue", setup.lot, "-o", str(tmp_path / "y"),
                       "--format", "docx")
    assert code == 2 and "--format" in err and not (tmp_path / "y").exists()


def test_render_shows_the_verification_on_the_page(setup: Setup, tmp_path: Path) -> None:
    code, out, err = run("certificate", "render", str(setup.bundle), "-o", str(tmp_path), *setup.keys)
    assert code == 0, err
    html = (tmp_path / f"{setup.lot}.certificate.html").read_text(encoding="utf-8")
    assert "验证通过" in html and "Verified" in html
    assert (tmp_path / f"{setup.lot}.certificate.pdf").read_bytes().startswith(b"%PDF-")


def test_registered_witnesses_keys_travel_with_the_certificate(tmp_path: Path) -> None:
    """A witness in the platform's registry: its key goes into the bundle and its cosignature can be required."""
    from jianzheng.adapters.witness_registry import FileWitnessRegistry
    from jianzheng.ledger.cosignature import CosignatureSigner
    from jianzheng.ledger.keys import save_verifier_key, verifier_key
    from jianzheng.services.ports import StoredCosignature
    from jianzheng.services.witnesses import RegisteredWitness

    world = build_world(tmp_path / "data")
    lot = register_lot(world)
    announce(world, lot)  # a stage change: the latest checkpoint covers every event so far
    witness = CosignatureSigner("bureau.example/witness", clock=lambda: 1_775_000_000)
    FileWitnessRegistry(tmp_path / "data").add(
        RegisteredWitness(witness.name, "http://127.0.0.1:9", verifier_key(witness)))
    with world.services.store.write() as session:
        latest = session.latest_checkpoint()
        assert latest is not None and latest.tree_size == session.tree_size()
        line = witness.cosign(latest.note)
        session.add_cosignature(latest.checkpoint_id, StoredCosignature(
            witness.name, line.key_id.hex(), line.line(), 1_775_000_000, "2026-03-02T01:00:00.000Z"))
    world.services.engine.dispose()
    code, _, err = run("--data-dir", str(tmp_path / "data"), "certificate", "issue", lot, "-o", str(tmp_path / "out"),
                       "--format", "json")
    assert code == 0, err
    bundle = tmp_path / "out" / f"{lot}.certificate.json"
    assert json.loads(bundle.read_text(encoding="utf-8"))["keys"]["witnesses"] == [verifier_key(witness)]
    save_verifier_key(tmp_path / "bureau.vkey", witness)
    keys = [a for p in platform_key_paths(tmp_path / "data").values() for a in ("--key", str(p.verifier))]
    code, out, _ = run("certificate", "verify", str(bundle), *keys, "--witness-key", str(tmp_path / "bureau.vkey"))
    assert code == 0, out
    assert "✓ 见证方副签 witness cosignature: bureau.example/witness" in out
