"""Sealing and opening bids: both key suites, both ciphers, escrow, and every refusal."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from jianzheng.sealing import escrow
from jianzheng.sealing.envelope import (
    Custodian,
    check_envelope,
    envelope_bytes,
    open_envelope,
    parse_envelope,
    seal,
    unwrap_content_key,
    unwrap_share,
)
from jianzheng.sealing.errors import SealingError
from jianzheng.sealing.keys import generate, load_key_pair, load_public_keys, public_path, save_key_pair
from jianzheng.sealing.package import BidPackage, PackedDocument, parse_package

CANARY = "CANARY-7f3a-报价机密"


def package() -> bytes:
    return BidPackage({"price_fen": 123_456_00, "technical_proposal": CANARY},
                      (PackedDocument("技术标.pdf", b"%PDF-1.7 " + CANARY.encode()),), {"author": "张三"}).to_bytes()


@pytest.mark.parametrize(("suite", "cipher"), [("sm2", "SM4-GCM"), ("sm2", "AES-256-GCM"),
                                               ("x25519-ed25519", "SM4-GCM"), ("x25519-ed25519", "AES-256-GCM")])
def test_seal_check_unwrap_open(suite: str, cipher: str) -> None:
    keys = generate(suite)
    plain = package()
    envelope, key = seal(plain, "L1", "P1", keys, cipher=cipher, fingerprint={"mac": "ab"})
    stored = envelope_bytes(envelope)
    assert CANARY.encode() not in stored and CANARY.encode("utf-8") not in json.dumps(envelope).encode()
    assert check_envelope(parse_envelope(stored), "L1", "P1", keys.public) == keys.public
    assert unwrap_content_key(envelope, keys) == key
    opened = open_envelope(envelope, key)
    assert opened == plain
    assert parse_package(opened).content["technical_proposal"] == CANARY


def test_refusals_name_the_problem() -> None:
    keys = generate()
    envelope, key = seal(package(), "L1", "P1", keys)
    with pytest.raises(SealingError, match="unencrypted"):
        parse_envelope(package().replace(b"{", b"", 1))
    with pytest.raises(SealingError, match="Not a sealed bid envelope"):
        check_envelope({"content": {"price_fen": 1}}, "L1", "P1")
    with pytest.raises(SealingError, match="another lot"):
        check_envelope(envelope, "L2", "P1")
    with pytest.raises(SealingError, match="has not registered"):
        check_envelope(envelope, "L1", "P1", generate().public)
    altered = copy.deepcopy(envelope)
    altered["commitment"]["sm3"] = "0" * 64
    with pytest.raises(SealingError, match="signature does not verify"):
        check_envelope(altered, "L1", "P1")
    with pytest.raises(SealingError, match="wrong key"):
        open_envelope(envelope, bytes(16))
    with pytest.raises(SealingError, match="wrong length"):
        open_envelope(envelope, bytes(32))
    with pytest.raises(SealingError, match="wrong key or damaged"):
        unwrap_content_key(envelope, generate())


def test_escrow_k_of_n_opens_without_the_bidder_and_needs_k() -> None:
    bidder = generate()
    holders = {name: generate() for name in ("交易中心", "监督部门", "公证处")}
    custodians = [Custodian(n, k.public) for n, k in holders.items()]
    envelope, key = seal(package(), "L1", "P1", bidder, cipher="AES-256-GCM", custodians=custodians, threshold=2)
    check_envelope(envelope, "L1", "P1", bidder.public, custodians, 2)
    shares = [unwrap_share(envelope, n, k) for n, k in holders.items()]
    recovered = escrow.combine(shares[1:], 2, envelope["escrow"]["key_check_sm3"])
    assert recovered == key and open_envelope(envelope, recovered) == package()
    with pytest.raises(SealingError, match="Not enough"):
        escrow.combine(shares[:1], 2, envelope["escrow"]["key_check_sm3"])
    forged = [escrow.Share(shares[0].x, bytes(len(shares[0].value))), shares[1]]
    with pytest.raises(SealingError, match="check value"):
        escrow.combine(forged, 2, envelope["escrow"]["key_check_sm3"])
    with pytest.raises(SealingError, match="Escrow shares must go to"):
        check_envelope(envelope, "L1", "P1", bidder.public, custodians[::-1], 2)


def test_key_files_are_owner_only(tmp_path: Path) -> None:
    pair = generate()
    path = tmp_path / "bidder.json"
    save_key_pair(path, pair)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_key_pair(path) == pair
    assert load_public_keys(public_path(path)) == pair.public
    with pytest.raises(SealingError, match="refusing to overwrite"):
        save_key_pair(path, generate())
    path.chmod(0o644)
    with pytest.raises(SealingError, match="too open"):
        load_key_pair(path)
