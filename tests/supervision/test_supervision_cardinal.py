"""The OCP red flags against Cardinal's own fixtures (input JSON Lines plus expected output).

Each fixture's settings are encoded in its file name (``R003-threshold-10``); all fixtures
run with the global settings Cardinal's test suite uses (``EXC`` procedures excluded,
``NPC`` procedures not price-compared). Our population fences refuse small samples by
default; the fixtures are tiny, so the minimum sample sizes are set to 1 here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from supervision_paths import CARDINAL

from jianzheng.adapters.ocds.frames import frames_from_file
from jianzheng.supervision import Alert, run_batch

IMPLEMENTED = {"R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R058"}

# Cardinal's setting names → ours (see docs/indicators/<code>.md).
RENAMED = {
    ("R003", "threshold"): "threshold_days",
    ("R003", "procurement_method_details"): "procurement_method_details_thresholds",
}

SMALL_SAMPLES: dict[str, dict[str, Any]] = {
    "R024": {"min_lots": 1},
    "R058": {"min_lots": 1},
    "R025": {"min_bidders": 1},
    "R038": {"min_organizations": 1, "minimum_lots": 1},
}

GLOBAL = {
    "excluded_procurement_method_details": ["EXC"],
    "no_price_comparison_procurement_method_details": ["NPC"],
}

# Which parties of a lot alert Cardinal also reports under "Tenderer", with which value.
TENDERER_ROLES: dict[str, tuple[tuple[str, ...], float]] = {
    "R024": (("winner", "second_lowest"), 0.0),
    "R058": (("winner",), 0.0),
    "R028": (("same_price",), 1.0),
    "R030": (("winner",), 1.0),
    "R035": (("winner",), 0.0),
}

GROUPS = {"bidder": "Tenderer", "tenderer": "Buyer", "agency": "ProcuringEntity"}


def fixture_names() -> list[str]:
    folder = CARDINAL / "fixtures"
    if not folder.exists():
        return []
    return sorted(p.stem for p in folder.glob("*.jsonl"))


def parse_settings(name: str) -> tuple[str, dict[str, Any]]:
    """Cardinal encodes one setting in the file name: CODE[-field-value[-key-value...]]."""
    code, *parts = name.replace("+", "|").split("-")
    if len(parts) < 2:
        return code, {}
    field = RENAMED.get((code, parts[0]), parts[0])
    if len(parts) == 2:
        value: Any = int(parts[1]) if parts[1].isdigit() else parts[1]
        if field == "procurement_methods":
            value = value.split("|")
        return code, {field: value}
    pairs = parts[1:]
    return code, {field: {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)}}


def as_cardinal(alerts: list[Alert]) -> dict[str, dict[str, dict[str, float]]]:
    result: dict[str, dict[str, dict[str, float]]] = {}
    for alert in alerts:
        assert alert.value is not None
        if alert.subject == "lot":
            result.setdefault("OCID", {}).setdefault(alert.subject_id, {})[alert.indicator] = alert.value
            roles, value = TENDERER_ROLES.get(alert.indicator, ((), 0.0))
            for party in alert.parties:
                if party.role in roles:
                    group = result.setdefault("Tenderer", {})
                    group.setdefault(party.party_id, {})[alert.indicator] = value
        else:
            group = result.setdefault(GROUPS[alert.subject], {})
            group.setdefault(alert.subject_id, {})[alert.indicator] = alert.value
    return result


@pytest.mark.parametrize("name", fixture_names() or ["(absent)"])
def test_cardinal_fixture(name: str) -> None:
    folder = CARDINAL / "fixtures"
    if not folder.exists():
        pytest.skip(f"Cardinal fixtures not found at {folder} (shared reference data is absent)")
    code, settings = parse_settings(name)
    if code not in IMPLEMENTED:
        pytest.skip(f"{code} is not implemented (see docs/indicators/index.md)")
    frames = frames_from_file(folder / f"{name}.jsonl")
    overrides = {"global": GLOBAL, code: {**SMALL_SAMPLES.get(code, {}), **settings}}
    alerts = run_batch(frames, overrides, indicators=[code])
    expected_text = Path(folder / f"{name}.expected").read_text().strip()
    expected = json.loads(expected_text) if expected_text else {}
    got = as_cardinal(alerts)
    assert _approx_equal(got, expected), (got, expected)


def _approx_equal(got: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(_approx_equal(got[k], expected[k]) for k in expected)
        )
    return bool(got == pytest.approx(expected))
