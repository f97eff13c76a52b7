"""Shared fixtures of the ledger tests: keys, and services that may be absent.

A test that needs something absent (PostgreSQL, the Go toolchain) skips with the reason
on a developer's machine, but fails when ``CI`` is set: CI must exercise everything.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.signers import Ed25519Signer, SM2Signer

ORIGIN = "jianzheng.example/ledger"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; fail in CI (environment variable CI set)."""
    if os.environ.get("CI"):
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ed25519_signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN)


@pytest.fixture(scope="session")
def sm2_signer() -> SM2Signer:
    return SM2Signer(ORIGIN)


@pytest.fixture(scope="session")
def witness_signer() -> CosignatureSigner:
    return CosignatureSigner("witness.example/bureau", clock=lambda: 1_700_000_000)
