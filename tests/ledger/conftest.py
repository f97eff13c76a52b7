"""Shared fixtures of the ledger tests: the platform's and a witness's keys."""

from __future__ import annotations

import pytest
from ledger_testing import ORIGIN

from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.signers import Ed25519Signer, SM2Signer


@pytest.fixture(scope="session")
def ed25519_signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN)


@pytest.fixture(scope="session")
def sm2_signer() -> SM2Signer:
    return SM2Signer(ORIGIN)


@pytest.fixture(scope="session")
def witness_signer() -> CosignatureSigner:
    return CosignatureSigner("witness.example/bureau", clock=lambda: 1_700_000_000)
