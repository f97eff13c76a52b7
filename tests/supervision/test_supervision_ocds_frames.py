"""The OCDS adapter: compiled releases into frames, with clear errors for bad input."""

from __future__ import annotations

import json

import pytest
from supervision_paths import SHARED_DATA

from jianzheng.adapters.ocds.frames import OcdsInputError, frames_from_file, frames_from_lines
from jianzheng.supervision import run_batch, validate_frames


def release(**tender: object) -> dict[str, object]:
    return {
        "ocid": "ocds-1",
        "buyer": {"id": "B", "name": "买方"},
        "tender": {"procurementMethod": "open", "value": {"amount": 1000, "currency": "CNY"}, **tender},
        "bids": {
            "details": [
                {
                    "id": "1",
                    "status": "valid",
                    "tenderers": [{"id": "A"}, {"id": "Z"}],
                    "value": {"amount": 12.345, "currency": "CNY"},
                    "date": "2024-01-02T03:04:05+08:00",
                },
                {"id": "2", "status": "invited", "tenderers": [{"id": "I"}]},
                {
                    "id": "3",
                    "status": "disqualified",
                    "tenderers": [{"id": "D"}],
                    "value": {"amount": 10, "currency": "USD"},
                },
            ]
        },
        "awards": [
            {"status": "active", "suppliers": [{"id": "A"}, {"id": "Z"}]},
            {"status": "invalid", "suppliers": [{"id": "D"}]},
        ],
    }


def test_mapping_of_a_release() -> None:
    frames = validate_frames(frames_from_lines([json.dumps(release())]))
    lot = frames.lots.row(0, named=True)
    assert lot["lot_id"] == "ocds-1" and lot["tenderer_id"] == "B" and lot["currency"] == "CNY"
    assert lot["estimated_price_fen"] == 100_000
    bids = frames.bids.sort(["bid_id", "bidder_id"]).to_dicts()
    # The joint bid is one row per member sharing the bid id; the invitation is not a bid.
    assert [(b["bid_id"], b["bidder_id"]) for b in bids] == [("ocds-1/1", "A"), ("ocds-1/1", "Z"), ("ocds-1/3", "D")]
    assert bids[0]["price_fen"] == 1234  # 12.345 rounds half-even to 1234 fen
    assert bids[0]["submitted_at"].isoformat() == "2024-01-01T19:04:05+00:00"
    assert bids[2]["price_fen"] is None  # USD is not the main currency
    assert bids[0]["winner"] and not bids[2]["winner"]
    assert sorted(frames.awards["status"].to_list()) == ["active", "active", "pending"]


def test_bad_input_is_refused_with_the_line_number() -> None:
    with pytest.raises(OcdsInputError, match="Line 2 is not valid JSON"):
        frames_from_lines([json.dumps(release()), "{oops"])
    bad = release()
    bad["bids"] = {"details": [{"status": "accepted"}]}
    with pytest.raises(OcdsInputError, match="Line 1.*unknown status 'accepted'"):
        frames_from_lines([json.dumps(bad)])
    with pytest.raises(OcdsInputError, match="repeats ocid"):
        frames_from_lines([json.dumps(release()), json.dumps(release())])
    with pytest.raises(OcdsInputError, match="no string ocid"):
        frames_from_lines([json.dumps({"tender": {}})])


def test_real_published_data_converts_and_runs() -> None:
    path = SHARED_DATA / "ocds" / "real-2018" / "armenia.jsonl"
    if not path.exists():
        pytest.skip(f"real OCDS sample not found at {path} (shared reference data is absent)")
    frames = frames_from_file(path)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert frames.lots.height == len(lines)
    # The data README: Armenia has 22 processes with 36 bids.
    assert frames.bids["lot_id"].n_unique() == 22
    assert frames.bids["bid_id"].n_unique() == 36
    alerts = run_batch(frames)
    for alert in alerts:
        json.dumps(alert.to_json(), allow_nan=False)
