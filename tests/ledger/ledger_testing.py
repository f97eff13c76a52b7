"""Helpers shared by the ledger tests (a plain module: conftest is not importable reliably).

A test that needs something absent (PostgreSQL, the Go toolchain) skips with the reason
on a developer's machine, but fails when ``CI`` is set: CI must exercise everything.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ORIGIN = "jianzheng.example/ledger"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; fail in CI (environment variable CI set)."""
    if os.environ.get("CI"):
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)
