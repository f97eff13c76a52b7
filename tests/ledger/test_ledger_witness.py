"""Checkpoints, cosignatures, tlog-proof files and the witness refusing bad histories."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from ledger_testing import ORIGIN

from jianzheng.ledger.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from jianzheng.ledger.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
    verify_cosignature,
)
from jianzheng.ledger.errors import (
    NoteFormatError,
    NoteVerificationError,
    ProofError,
    ProofFormatError,
)
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.merkle import append
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.note import merge_signatures, parse_note
from jianzheng.ledger.proof_format import TlogProof, parse_tlog_proof, verify_tlog_proof
from jianzheng.ledger.proofs import consistency_proof, inclusion_proof
from jianzheng.ledger.signers import Ed25519Signer, Signer, SM2Signer, Verifier
from jianzheng.ledger.witness import (
    CheckpointSignatureError,
    ConsistencyProofError,
    FileWitnessState,
    OldSizeMismatchError,
    SizeRegressionError,
    UnknownOriginError,
    Witness,
    WitnessedLog,
)


def events(n: int, start: int = 0) -> list[bytes]:
    return [f'{{"seq":{i},"type":"bid.submitted"}}'.encode() for i in range(start, start + n)]


class Platform:
    """A log as the platform runs it: entries, a node store, and its two signing keys."""

    def __init__(self, ed: Ed25519Signer, sm2: SM2Signer, entries: list[bytes]) -> None:
        self.signers: list[Signer] = [ed, sm2]
        self.entries = list(entries)
        self.store = MemoryNodeStore()
        self.size, self.root, _ = append(self.store, 0, [leaf_hash(e) for e in entries])

    def grow(self, entries: list[bytes]) -> None:
        self.entries += entries
        self.size, self.root, _ = append(self.store, self.size, [leaf_hash(e) for e in entries])

    def checkpoint(self, origin: str = ORIGIN) -> bytes:
        return sign_checkpoint(Checkpoint(origin, self.size, self.root), self.signers)


def test_checkpoint_round_trip_and_refusals(ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer) -> None:
    cp = Checkpoint(ORIGIN, 20852163, b"\x07" * 32, ("ext one",))
    assert parse_checkpoint(cp.to_text()) == cp
    data = sign_checkpoint(cp, [ed25519_signer, sm2_signer])
    opened, report = open_checkpoint(data, [ed25519_signer.verifier(), sm2_signer.verifier()])
    assert opened == cp and len(report.verified) == 2
    root64 = base64.b64encode(b"\x07" * 32).decode()
    for text, needle in [
        (f"{ORIGIN}\n0012\n{root64}\n", "leading zeroes"),
        (f"{ORIGIN}\n-1\n{root64}\n", "decimal"),
        (f"{ORIGIN}\n12\n", "three lines"),
        (f"{ORIGIN}\n12\n{base64.b64encode(b'x' * 31).decode()}\n", "32 bytes"),
        (f"{ORIGIN}\n12\n{root64}\n\nmore\n", "extension"),
        (f"{ORIGIN}\n12\nnot base64!\n", "base64"),
    ]:
        with pytest.raises(NoteFormatError) as info:
            parse_checkpoint(text)
        assert needle in info.value.en


def test_cosignature_message_and_round_trip(witness_signer: CosignatureSigner) -> None:
    text = Checkpoint(ORIGIN, 5, b"\x01" * 32).to_text()
    assert cosigned_message(text, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + text.encode()
    signature = witness_signer.sign(text.encode())
    assert len(signature) == 72 and signature[:8] == (1_700_000_000).to_bytes(8, "big")
    verifier = CosignatureVerifier(witness_signer.name, witness_signer.public_key)
    assert verifier.verify(text.encode(), signature)
    # The timestamp is signed: changing it breaks the signature.
    assert not verifier.verify(text.encode(), (1_700_000_001).to_bytes(8, "big") + signature[8:])
    assert not verifier.verify(text.replace("\n5\n", "\n6\n").encode(), signature)
    # A plain Ed25519 key with the same material has another key ID (type 0x04 vs 0x01).
    assert witness_signer.key_id != Ed25519Signer(witness_signer.name, witness_signer.private_key).key_id


def make_witness(tmp_path: Path, ed: Ed25519Signer, sm2: SM2Signer, signer: CosignatureSigner) -> Witness:
    log = WitnessedLog(ORIGIN, (ed.verifier(), sm2.verifier()))
    return Witness(signer, [log], FileWitnessState(tmp_path / "witness"))


def test_witness_cosigns_honest_growth_and_persists(
    tmp_path: Path,
    ed25519_signer: Ed25519Signer,
    sm2_signer: SM2Signer,
    witness_signer: CosignatureSigner,
) -> None:
    platform = Platform(ed25519_signer, sm2_signer, events(10))
    witness = make_witness(tmp_path, ed25519_signer, sm2_signer, witness_signer)
    first = platform.checkpoint()
    line = witness.add_checkpoint(first, 0, [])
    cosigned = merge_signatures(first, [line])
    assert verify_cosignature(cosigned, witness_signer.verifier()) == 1_700_000_000
    platform.grow(events(7, start=10))
    second = platform.checkpoint()
    witness.add_checkpoint(second, 10, consistency_proof(platform.store, 10, 17))
    # Same checkpoint again: consistent with itself, cosigned again.
    witness.add_checkpoint(second, 17, [])
    # A fresh Witness object on the same directory sees the persisted state.
    reopened = make_witness(tmp_path, ed25519_signer, sm2_signer, witness_signer)
    assert reopened.held(ORIGIN).size == 17 and reopened.held(ORIGIN).root_hash == platform.root
    state_file = tmp_path / "witness" / FileWitnessState.FILE_NAME
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert json.loads(state_file.read_text())["logs"][ORIGIN]["size"] == 17


def _refuses(witness: Witness, note: bytes, old: int, proof: list[bytes], error: type[Exception]) -> str:
    before = witness.held(ORIGIN)
    with pytest.raises(error) as info:
        witness.add_checkpoint(note, old, proof)
    assert witness.held(ORIGIN) == before  # nothing written
    return str(info.value)


def test_witness_refuses_changed_dropped_and_forked_history(
    tmp_path: Path,
    ed25519_signer: Ed25519Signer,
    sm2_signer: SM2Signer,
    witness_signer: CosignatureSigner,
) -> None:
    honest = events(12)
    platform = Platform(ed25519_signer, sm2_signer, honest)
    witness = make_witness(tmp_path, ed25519_signer, sm2_signer, witness_signer)
    witness.add_checkpoint(platform.checkpoint(), 0, [])

    # A changed event: the operator rewrites event 3 and then appends.
    changed = list(honest)
    changed[3] = b'{"seq":3,"type":"bid.withdrawn"}'
    rewritten = Platform(ed25519_signer, sm2_signer, changed + events(4, start=12))
    message = _refuses(
        witness,
        rewritten.checkpoint(),
        12,
        consistency_proof(rewritten.store, 12, 16),
        ConsistencyProofError,
    )
    assert "一致性证明未通过" in message and "history rewritten" in message

    # A dropped event: event 5 removed, later ones shift down, more appended to keep growing.
    dropped = Platform(ed25519_signer, sm2_signer, honest[:5] + honest[6:] + events(5, start=12))
    _refuses(
        witness,
        dropped.checkpoint(),
        12,
        consistency_proof(dropped.store, 12, 16),
        ConsistencyProofError,
    )

    # A fork at the same size: a different root for size 12.
    fork = Platform(ed25519_signer, sm2_signer, honest[:11] + [b'{"seq":11,"type":"forged"}'])
    _refuses(witness, fork.checkpoint(), 12, [], ConsistencyProofError)

    # The honest platform's proof replayed with the rewritten tree's checkpoint also fails.
    platform.grow(events(4, start=12))
    _refuses(
        witness,
        rewritten.checkpoint(),
        12,
        consistency_proof(platform.store, 12, 16),
        ConsistencyProofError,
    )
    # And the honest continuation is still accepted afterwards.
    witness.add_checkpoint(platform.checkpoint(), 12, consistency_proof(platform.store, 12, 16))


def test_witness_refuses_bad_signatures_origins_and_sizes(
    tmp_path: Path,
    ed25519_signer: Ed25519Signer,
    sm2_signer: SM2Signer,
    witness_signer: CosignatureSigner,
) -> None:
    platform = Platform(ed25519_signer, sm2_signer, events(8))
    witness = make_witness(tmp_path, ed25519_signer, sm2_signer, witness_signer)
    witness.add_checkpoint(platform.checkpoint(), 0, [])

    impostor = sign_checkpoint(Checkpoint(ORIGIN, 8, platform.root), [Ed25519Signer(ORIGIN), sm2_signer])
    assert "平台签名未通过验证" in _refuses(witness, impostor, 8, [], CheckpointSignatureError)
    only_ed = sign_checkpoint(Checkpoint(ORIGIN, 8, platform.root), [ed25519_signer])
    _refuses(witness, only_ed, 8, [], CheckpointSignatureError)
    tampered = platform.checkpoint().replace(b"\n8\n", b"\n9\n")
    _refuses(witness, tampered, 8, [], CheckpointSignatureError)
    _refuses(witness, b"not a note", 8, [], CheckpointSignatureError)

    with pytest.raises(UnknownOriginError, match="does not witness"):
        witness.add_checkpoint(platform.checkpoint("other.example/log"), 0, [])

    smaller = Platform(ed25519_signer, sm2_signer, events(5))
    _refuses(witness, smaller.checkpoint(), 8, [], SizeRegressionError)

    platform.grow(events(2, start=8))
    with pytest.raises(OldSizeMismatchError) as info:
        witness.add_checkpoint(platform.checkpoint(), 5, consistency_proof(platform.store, 5, 10))
    assert info.value.held_size == 8


def test_tlog_proof_round_trip_and_verification(
    ed25519_signer: Ed25519Signer, sm2_signer: SM2Signer, witness_signer: CosignatureSigner
) -> None:
    platform = Platform(ed25519_signer, sm2_signer, events(109))
    note = platform.checkpoint()
    cosigned = merge_signatures(note, [witness_signer.cosign(note)]).decode()
    proof = TlogProof(73, tuple(inclusion_proof(platform.store, 73, 109)), cosigned, extra=b"lot-7")
    text = proof.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra bG90LTc=\nindex 73\n")
    parsed = parse_tlog_proof(text)
    assert parsed == proof
    log_keys: list[Verifier] = [ed25519_signer.verifier(), sm2_signer.verifier()]
    cp = verify_tlog_proof(parsed, leaf_hash(platform.entries[73]), log_keys, [witness_signer.verifier()])
    assert cp.size == 109
    with pytest.raises(ProofError, match="entry 73"):
        verify_tlog_proof(parsed, leaf_hash(b"another event"), log_keys)
    with pytest.raises(NoteVerificationError, match="witness"):
        verify_tlog_proof(parsed, leaf_hash(platform.entries[73]), log_keys, [CosignatureSigner("w2").verifier()])
    no_extra = TlogProof(0, tuple(inclusion_proof(platform.store, 0, 109)), cosigned)
    assert parse_tlog_proof(no_extra.to_text()).extra is None
    for bad, needle in [
        (text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), "first line"),
        (text.replace("index 73", "index 073"), "invalid index"),
        (text.replace("index 73\n", ""), "index line"),
        ("c2sp.org/tlog-proof@v1\nindex 1\n", "empty line"),
        (text.replace("extra bG90LTc=", "extra bG90LTc"), "extra data"),
        ("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\n" + cosigned, "32 bytes"),
    ]:
        with pytest.raises((ProofFormatError, NoteFormatError)) as info:
            parse_tlog_proof(bad)
        assert needle in str(info.value)
    assert parse_note(parsed.checkpoint).text == Checkpoint(ORIGIN, 109, platform.root).to_text()
