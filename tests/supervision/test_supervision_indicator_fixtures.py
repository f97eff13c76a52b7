"""One fixture per indicator: input frames plus settings, and the exact alerts expected.

Each ``fixtures/<CODE>.input.json`` holds frames as records and settings overrides; the
alerts the batch returns for that indicator must equal ``fixtures/<CODE>.expected.json``
(ids, evidence, event sequence numbers and explanations included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jianzheng.supervision import all_indicators, run_batch
from jianzheng.supervision.frames import frames_from_records

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load(code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    expected = json.loads((FIXTURES / f"{code}.expected.json").read_text(encoding="utf-8"))
    return given, expected


def run_fixture(code: str) -> list[dict[str, Any]]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    frames = frames_from_records(given["frames"])
    alerts = run_batch(frames, given["settings"], indicators=[code])
    return [alert.to_json() for alert in alerts]


@pytest.mark.parametrize("code", sorted(all_indicators()))
def test_indicator_fixture(code: str) -> None:
    assert (FIXTURES / f"{code}.input.json").exists(), f"{code} has no fixture input"
    _, expected = load(code)
    got = run_fixture(code)
    assert got == expected
    # A fixture must show the indicator firing; a silent fixture proves nothing.
    assert any(a["indicator"] == code for a in got)


@pytest.mark.parametrize("code", sorted(all_indicators()))
def test_alerts_are_json_and_stable(code: str) -> None:
    first = run_fixture(code)
    again = run_fixture(code)
    assert [a["id"] for a in first] == [a["id"] for a in again]
    text = json.dumps(first, allow_nan=False)
    assert json.loads(text) == first
