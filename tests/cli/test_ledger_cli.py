"""`jianzheng ledger`: what it prints is what an outside verifier needs, and it checks out.

The checkpoint printed verifies with the keys printed; the leaves hash to the checkpoint's
root; the inclusion and consistency proofs verify with RFC 9162's algorithms against the
printed checkpoints. Bad sizes and indexes are bilingual errors (exit 2).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.cli.main import app
from jianzheng.ledger.checkpoint import open_checkpoint
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.merkle import append as merkle_append
from jianzheng.ledger.merkle import root
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.proofs import verify_consistency, verify_inclusion
from tests.support.tender import TenderWorld, announce, build_world, register_lot

runner = CliRunner()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[tuple[TenderWorld, str]]:
    world = build_world(tmp_path / "data")
    world.services.cosigner.background = False
    lot = register_lot(world)
    announce(world, lot)
    yield world, str(world.services.settings.data_dir)
    world.services.engine.dispose()


def run(data: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", data, *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_checkpoint_verifies_with_the_printed_keys(ledger: tuple[TenderWorld, str]) -> None:
    world, data = ledger
    code, keys, _ = run(data, "ledger", "keys")
    assert code == 0
    verifiers = [parse_verifier_key(k) for k in keys.split()]
    assert len(verifiers) == 2
    code, note, _ = run(data, "ledger", "checkpoint")
    assert code == 0
    checkpoint, report = open_checkpoint(note, verifiers)
    assert len(report.verified) == 2
    with world.services.store.read() as session:
        latest = session.latest_checkpoint()
    assert latest is not None and checkpoint.size == latest.tree_size and checkpoint.root_hash == latest.root_hash
    assert note == latest.cosigned_note()


def test_leaves_rebuild_the_checkpoint_root(ledger: tuple[TenderWorld, str]) -> None:
    world, data = ledger
    _, note, _ = run(data, "ledger", "checkpoint")
    size = int(note.split("\n")[1])
    code, out, _ = run(data, "ledger", "leaves", "--start", "0", "--end", str(size))
    assert code == 0
    entries = [base64.b64decode(line, validate=True) for line in out.split()]
    assert len(entries) == size
    assert json.loads(entries[0])["seq"] == 1 and json.loads(entries[-1])["seq"] == size
    store = MemoryNodeStore()
    merkle_append(store, 0, [leaf_hash(e) for e in entries])
    assert base64.b64encode(root(store, size)).decode() == note.split("\n")[2]
    code, out, _ = run(data, "ledger", "leaves", "--start", "3", "--end", "5")
    assert [base64.b64decode(x) for x in out.split()] == entries[3:5]
    code, everything, _ = run(data, "ledger", "leaves")  # default: to the tree size
    assert len(everything.split()) >= size


def test_proofs_verify_against_printed_checkpoints(ledger: tuple[TenderWorld, str]) -> None:
    world, data = ledger
    code, out, _ = run(data, "ledger", "checkpoints", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    made = sorted(listed["checkpoints"], key=lambda c: c["tree_size"])
    assert listed["total"] == len(made) >= 3
    old, new = made[-3], made[-1]
    entries = [base64.b64decode(x) for x in run(data, "ledger", "leaves", "--end", str(new["tree_size"]))[1].split()]
    for index in (0, old["tree_size"] - 1, new["tree_size"] - 1):
        code, out, _ = run(data, "ledger", "proof", "inclusion", str(index), "--size", str(new["tree_size"]))
        assert code == 0
        proof = [base64.b64decode(x) for x in out.split()]
        assert verify_inclusion(leaf_hash(entries[index]), index, new["tree_size"], proof,
                                base64.b64decode(new["root_hash"]))
        assert not verify_inclusion(leaf_hash(entries[index] + b" "), index, new["tree_size"], proof,
                                    base64.b64decode(new["root_hash"]))
    # Without --size the proof is against the latest checkpoint.
    code, out, _ = run(data, "ledger", "proof", "inclusion", "0")
    assert verify_inclusion(leaf_hash(entries[0]), 0, new["tree_size"], [base64.b64decode(x) for x in out.split()],
                            base64.b64decode(new["root_hash"]))
    code, out, _ = run(data, "ledger", "proof", "consistency", str(old["tree_size"]), str(new["tree_size"]))
    assert code == 0
    proof = [base64.b64decode(x) for x in out.split()]
    assert proof and verify_consistency(old["tree_size"], new["tree_size"], base64.b64decode(old["root_hash"]),
                                        base64.b64decode(new["root_hash"]), proof)
    for c in made:
        assert c["reason"] in ("stage", "time", "events") and c["created_at"].endswith("Z")
        assert c["note"].startswith(world.services.settings.ledger_origin + "\n")
    code, table, _ = run(data, "ledger", "checkpoints", "--limit", "2")
    assert code == 0 and str(new["tree_size"]) in table and "stage" in table


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("ledger", "leaves", "--start", "5", "--end", "2"), "叶子范围", "Leaf range"),
    (("ledger", "leaves", "--start", "0", "--end", "100000"), "叶子范围", "Leaf range"),
    (("ledger", "leaves", "--start", "-1"), "叶子范围", "Leaf range"),
    (("ledger", "proof", "inclusion", "0", "--size", "100000"), "树大小 100000 超出范围", "outside"),
    (("ledger", "proof", "inclusion", "50", "--size", "10"), "叶子序号 50", "Leaf index 50"),
    (("ledger", "proof", "inclusion", "--size", "10", "--", "-1"), "叶子序号 -1", "Leaf index -1"),
    (("ledger", "proof", "consistency", "10", "5"), "旧树大小 10", "old size 10"),
    (("ledger", "proof", "consistency", "1", "100000"), "超出范围", "outside"),
    (("ledger", "checkpoints", "--limit", "0"), "limit", "limit"),
    (("ledger", "checkpoints", "--format", "xml"), "输出格式", "--format"),
    (("ledger", "witness", "add", "w.example/w", "http://x", "/nonexistent.vkey"), "找不到公钥文件", "not found"),
    (("ledger", "witness", "remove", "nobody"), "未登记此见证方", "No witness named"),
])
def test_out_of_range_arguments_are_bilingual_errors(ledger: tuple[TenderWorld, str], args: tuple[str, ...],
                                                     zh: str, en: str) -> None:
    _, data = ledger
    code, _, err = run(data, *args)
    assert code == 2, err
    assert zh in err and en in err and "Traceback" not in err


def test_a_fresh_data_directory_prints_its_first_checkpoint(tmp_path: Path) -> None:
    data = str(tmp_path / "fresh")
    assert run(data, "init", "--password", "admin-pass-1")[0] == 0
    # The administrator's creation is the first event, and the first event is always checkpointed.
    code, note, err = run(data, "ledger", "checkpoint")
    assert code == 0, err
    verifiers = [parse_verifier_key(k) for k in run(data, "ledger", "keys")[1].split()]
    checkpoint, _ = open_checkpoint(note, verifiers)
    assert checkpoint.size == 1
    code, out, _ = run(data, "ledger", "checkpoints", "--format", "json")
    assert [c["tree_size"] for c in json.loads(out)["checkpoints"]] == [1]
    assert run(data, "ledger", "proof", "consistency", "0", "1")[1] == ""  # from the empty tree: no hashes
