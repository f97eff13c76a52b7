"""The ledger API under /api/v1/ledger: checkpoints, leaves, proofs and keys that verify, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient

from jianzheng.bootstrap import Settings, bootstrap
from jianzheng.domain.roles import Role
from jianzheng.ledger.checkpoint import open_checkpoint
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.proofs import verify_consistency, verify_inclusion
from jianzheng.web.app import create_app
from tests.conftest import Api
from tests.support.tender import announce, register_lot
from tests.support.witnesses import WITNESS_NAME, attach_witness


def b64d(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def test_checkpoint_keys_leaves_and_proofs_verify(api: Api, tmp_path: Path) -> None:
    world = api.world
    home = attach_witness(world, tmp_path / "witness")
    lot = register_lot(world)
    announce(world, lot)
    world.account("notary", Role.WITNESS)

    keys = api.ok(None, "GET", "/ledger/keys")
    assert keys["origin"] == world.services.settings.ledger_origin
    verifiers = [parse_verifier_key(k) for k in keys["keys"]] + [parse_verifier_key(home.verifier_key())]

    response = api.get(None, "/ledger/checkpoint")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    checkpoint, report = open_checkpoint(response.text, verifiers)
    assert sorted(s.name for s in report.verified) == sorted([keys["origin"]] * 2 + [WITNESS_NAME])

    listed = api.ok(None, "GET", "/ledger/checkpoints?limit=3")
    assert listed["total"] >= 3 and len(listed["items"]) == 3
    newest, older = listed["items"][0], listed["items"][2]
    assert newest["tree_size"] == checkpoint.size and newest["note"] == response.text
    assert [c["witness"] for c in newest["cosigners"]] == [WITNESS_NAME]

    leaves = api.ok("notary", "GET", f"/ledger/leaves?start=0&end={checkpoint.size}")
    entries = [b64d(x) for x in leaves["leaves"]]
    assert len(entries) == checkpoint.size

    for index in (0, checkpoint.size // 2, checkpoint.size - 1):
        proof = api.ok(None, "GET", f"/ledger/proof/inclusion?index={index}")
        assert proof["tree_size"] == checkpoint.size and b64d(proof["root_hash"]) == checkpoint.root_hash
        assert proof["checkpoint"] == response.text
        assert verify_inclusion(leaf_hash(entries[index]), index, checkpoint.size, [b64d(h) for h in proof["proof"]],
                                checkpoint.root_hash)
    at_older = api.ok(None, "GET", f"/ledger/proof/inclusion?index=0&size={older['tree_size']}")
    assert verify_inclusion(leaf_hash(entries[0]), 0, older["tree_size"], [b64d(h) for h in at_older["proof"]],
                            b64d(older["root_hash"]))

    consistency = api.ok(None, "GET", f"/ledger/proof/consistency?old={older['tree_size']}&new={checkpoint.size}")
    assert verify_consistency(older["tree_size"], checkpoint.size, b64d(older["root_hash"]), checkpoint.root_hash,
                              [b64d(h) for h in consistency["proof"]])
    assert b64d(consistency["old_root_hash"]) == b64d(older["root_hash"])


def test_leaves_are_for_oversight_and_witnesses_only(api: Api) -> None:
    world = api.world
    world.account("notary", Role.WITNESS)
    for who in ("staff", "supervisor", "notary"):
        assert len(api.ok(who, "GET", "/ledger/leaves?start=0&end=3")["leaves"]) == 3
    outsiders: tuple[str | None, ...] = (None, "public", "bidder1", "tenderer", "expert1")
    for outsider in outsiders:
        response = api.get(outsider, "/ledger/leaves?start=0&end=3")
        assert response.status_code == 403, outsider
        assert response.json()["error"]["code"] == "forbidden"


def test_bad_ranges_answer_422_in_the_common_error_shape(api: Api) -> None:
    api.sign_in("staff")  # signing in is an event too: do it before taking the size
    with api.world.services.store.read() as session:
        size = session.tree_size()
    cases = [
        ("/ledger/leaves?start=5&end=2", "range", "Leaf range [5, 2)"),
        (f"/ledger/leaves?start=0&end={size + 1}", "range", "is invalid"),
        ("/ledger/leaves?start=0&end=20000", "end", "At most 10000"),
        ("/ledger/leaves?start=-1&end=2", "start", ""),
        (f"/ledger/proof/inclusion?index={size}&size={size}", "index", f"Leaf index {size}"),
        (f"/ledger/proof/inclusion?index=0&size={size + 5}", "size", "outside"),
        (f"/ledger/proof/consistency?old={size}&new=1", "old_size", "old size"),
        (f"/ledger/proof/consistency?old=0&new={size + 1}", "new_size", "outside"),
        ("/ledger/proof/consistency?old=x&new=1", "old", "integer"),
        ("/ledger/checkpoints?limit=0", "limit", ""),
    ]
    for path, field, needle in cases:
        response = api.get("staff", path)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["field"] == field, (path, error)
        assert needle in error["message_en"] and error["message_zh"], (path, error)


def test_no_checkpoint_yet_is_a_404(tmp_path: Path) -> None:
    services = bootstrap(Settings(data_dir=tmp_path / "empty"))  # type: ignore[call-arg]
    try:
        with TestClient(create_app(services)) as client:
            response = client.get("/api/v1/ledger/checkpoint")
            assert response.status_code == 404
            error = response.json()["error"]
            assert error["code"] == "not_found" and "检查点" in error["message_zh"]
            assert client.get("/api/v1/ledger/checkpoints").json() == {"total": 0, "items": []}
            assert client.get("/api/v1/ledger/proof/inclusion?index=0").status_code == 404
    finally:
        services.engine.dispose()
