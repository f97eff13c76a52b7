"""The late-step process warnings beyond their fixtures: options, the reference time, stable ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jianzheng.supervision import run_batch
from jianzheng.supervision.frames import frames_from_records

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(code: str, settings: dict[str, Any] | None = None, drop_as_of: bool = False) -> list[dict[str, Any]]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    chosen = dict(given["settings"].get(code, {}))
    if drop_as_of:
        chosen.pop("as_of")
    chosen.update(settings or {})
    alerts = run_batch(frames_from_records(given["frames"]), {code: chosen}, indicators=[code])
    return [a.to_json() for a in alerts]


def fact(alert: dict[str, Any], name: str) -> Any:
    return next(e["value"] for e in alert["evidence"] if e["fact"] == name)


def test_late_contract_can_include_contracts_signed_late() -> None:
    assert [a["subject_id"] for a in run("PROC-LATE-CONTRACT")] == ["L1"]
    both = run("PROC-LATE-CONTRACT", {"include_signed_late": True})
    assert [a["subject_id"] for a in both] == ["L1", "L3"]
    signed = both[1]
    assert fact(signed, "contract_signed_at") == "2026-02-20T02:00:00+00:00" and fact(signed, "days_late") == 16
    assert "晚于" in signed["explanation"]["zh"] and "signed 16 days after" in signed["explanation"]["en"]


def test_late_contract_period_setting_and_later_runs_keep_the_id() -> None:
    first = run("PROC-LATE-CONTRACT")[0]
    later = run("PROC-LATE-CONTRACT", {"as_of": "2026-03-20T04:00:00Z"})[0]
    assert fact(later, "days_late") == 44 and later["value"] == 44.0
    assert later["id"] == first["id"]  # one alert per award, however late it gets
    assert run("PROC-LATE-CONTRACT", {"contract_within_days": 60}) == [first]  # L1's own period is 30


def test_late_refund_options_and_default_reference_time() -> None:
    [flagged] = run("PROC-LATE-REFUND")
    assert [d["deposit_id"] for d in fact(flagged, "deposits")] == ["D2", "D3"]
    [with_late] = run("PROC-LATE-REFUND", {"include_refunded_late": True})
    held = {d["deposit_id"]: d for d in fact(with_late, "deposits")}
    assert set(held) == {"D2", "D3", "D5"} and held["D5"]["days_late"] == 4
    assert held["D5"]["refunded_at"] == "2026-02-19T02:00:00+00:00"
    assert with_late["id"] == flagged["id"]
    # Without as_of the batch judges as of the latest recorded instant: D5's refund on 2026-02-19.
    [default] = run("PROC-LATE-REFUND", drop_as_of=True)
    assert fact(default, "as_of") == "2026-02-19T02:00:00+00:00"
    assert [d["days_late"] for d in fact(default, "deposits")] == [4, 4]


def test_nothing_is_late_before_the_deadline() -> None:
    assert run("PROC-LATE-CONTRACT", {"as_of": "2026-02-04T15:00:00Z"}) == []  # 23:00 on the due date
    assert len(run("PROC-LATE-CONTRACT", {"as_of": "2026-02-04T16:00:00Z"})) == 1  # 00:00 the day after
    assert run("PROC-LATE-REFUND", {"as_of": "2026-02-15T04:00:00Z"}) == []


def test_rule_warnings_skip_lots_out_of_scope_unless_the_settings_keep_them() -> None:
    given = json.loads((FIXTURES / "PROC-RULE.input.json").read_text(encoding="utf-8"))
    frames = frames_from_records(given["frames"])
    assert [a.subject_id for a in run_batch(frames, {}, indicators=["PROC-RULE"])] == ["L1", "L1"]
    kept = run_batch(frames, {"global": {"excluded_stages": []}}, indicators=["PROC-RULE"])
    assert [(a.subject_id, a.severity) for a in kept] == [("L1", "high"), ("L2", "low"), ("L1", "medium")]
