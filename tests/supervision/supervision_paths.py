"""Paths to the shared reference data used by the supervision tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CARDINAL = SHARED_DATA / "ocds" / "cardinal-conformance"
CARTELS = SHARED_DATA / "cartels"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def require(path: Path) -> Path:
    """Skip the calling test with a clear message when shared reference data is absent."""
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (it lives outside the repository)")
    return path
