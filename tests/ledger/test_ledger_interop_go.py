"""Interoperability with an independent implementation: Go's golang.org/x/mod/sumdb.

``interop/main.go`` uses ``sumdb/note`` (the reference signed-note implementation) and
``sumdb/tlog`` (the Go checksum database's RFC 6962 tree) to: open our Ed25519-signed
checkpoint (with SM2 and cosignature lines it must ignore as unknown), recompute the root
from the raw leaves, check our inclusion and consistency proofs with CheckRecord and
CheckTree, and sign a note with our signer key string for us to verify.

Needs the Debian packages ``golang-go`` and ``golang-golang-x-mod-dev`` (sources under
/usr/share/gocode); built in GOPATH mode, offline. Skips locally without ``go``, fails in CI.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ledger_testing import ORIGIN, skip_or_fail

from jianzheng.ledger.checkpoint import Checkpoint, sign_checkpoint
from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import signer_key, verifier_key
from jianzheng.ledger.merkle import append, root
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.note import merge_signatures, open_note
from jianzheng.ledger.proofs import consistency_proof, inclusion_proof
from jianzheng.ledger.signers import Ed25519Signer, SM2Signer

GOCODE = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "interop" / "main.go"


@pytest.fixture(scope="module")
def interop_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        skip_or_fail("Go toolchain absent: apt-get install golang-go golang-golang-x-mod-dev")
    if not (GOCODE / "src/golang.org/x/mod/sumdb/note").is_dir():
        skip_or_fail("golang.org/x/mod sources absent: apt-get install golang-golang-x-mod-dev")
    work = tmp_path_factory.mktemp("go")
    shutil.copy(SOURCE, work / "main.go")
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: use the Debian-packaged sources, no proxy
        "GOPATH": str(GOCODE),
        "GOCACHE": str(work / "cache"),
        "GOPROXY": "off",
        "GOFLAGS": "",
    }
    subprocess.run([go, "build", "-o", str(work / "interop"), "main.go"], cwd=work, env=env, check=True)
    return work / "interop"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("size", [1, 2, 7, 8, 9, 255, 1000])
def test_go_sumdb_accepts_our_tree_proofs_and_checkpoint(
    interop_binary: Path, ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer, size: int
) -> None:
    leaves = [f'{{"seq":{i},"type":"lot.opened"}}'.encode() for i in range(size)]
    store = MemoryNodeStore()
    append(store, 0, [leaf_hash(x) for x in leaves])
    tree_root = root(store, size)
    witness = CosignatureSigner("witness.example/notary")
    note = sign_checkpoint(Checkpoint(ORIGIN, size, tree_root), [ed25519_signer, sm2_signer])
    note = merge_signatures(note, [witness.cosign(note)])
    indexes = sorted({0, size // 2, size - 1})
    olds = sorted({1, size // 3 or 1, size - 1 or 1, size})
    text_for_go = f"{ORIGIN}\n{size}\n{b64(tree_root)}\n"
    go_key = Ed25519Signer("go.example/signer")
    request = {
        "verifier_key": verifier_key(ed25519_signer),
        "signer_key": signer_key(go_key),
        "checkpoint": note.decode(),
        "leaves": [b64(x) for x in leaves],
        "size": size,
        "root": b64(tree_root),
        "inclusion": [{"index": i, "proof": [b64(h) for h in inclusion_proof(store, i, size)]} for i in indexes],
        "consistency": [
            {
                "old_size": m,
                "old_root": b64(root(store, m)),
                "proof": [b64(h) for h in consistency_proof(store, m, size)],
            }
            for m in olds
        ],
        "text_to_sign": text_for_go,
    }
    done = subprocess.run([str(interop_binary)], input=json.dumps(request), capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["note_error"] == ""
    assert report["verified"] == [ORIGIN]
    assert report["unverified"] == 2  # our SM2 line and the cosignature: unknown to Go
    assert report["note_text"] == text_for_go
    assert report["go_root"] == b64(tree_root)
    assert report["inclusion_ok"] == [True] * len(indexes)
    assert report["consistency_ok"] == [True] * len(olds)
    # Go signed with our signer key string; we verify Go's note with our verifier.
    assert open_note(report["go_signed_note"], [go_key.verifier()]).text == text_for_go


def test_go_rejects_a_tampered_checkpoint_and_proof(interop_binary: Path, ed25519_signer: Ed25519Signer) -> None:
    leaves = [bytes([i]) for i in range(20)]
    store = MemoryNodeStore()
    append(store, 0, [leaf_hash(x) for x in leaves])
    tree_root = root(store, 20)
    note = sign_checkpoint(Checkpoint(ORIGIN, 20, tree_root), [ed25519_signer]).decode()
    bad_proof = [b64(h) for h in inclusion_proof(store, 3, 20)]
    bad_proof[1] = b64(b"\x00" * 32)
    request = {
        "verifier_key": verifier_key(ed25519_signer),
        "signer_key": "",
        "checkpoint": note.replace("\n20\n", "\n21\n"),
        "leaves": [b64(x) for x in leaves],
        "size": 20,
        "root": b64(tree_root),
        "inclusion": [{"index": 3, "proof": bad_proof}],
        "consistency": [
            {
                "old_size": 7,
                "old_root": b64(root(store, 8)),
                "proof": [b64(h) for h in consistency_proof(store, 7, 20)],
            }
        ],
        "text_to_sign": "",
    }
    done = subprocess.run([str(interop_binary)], input=json.dumps(request), capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert "invalid signature" in report["note_error"]
    assert report["inclusion_ok"] == [False]
    assert report["consistency_ok"] == [False]
