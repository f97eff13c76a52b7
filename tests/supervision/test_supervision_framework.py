"""Framework behaviour: frame contract, settings, registry, runner, alerts, statistics, screens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jianzheng.supervision import (
    FrameSchemaError,
    SettingsError,
    all_indicators,
    run_batch,
    run_realtime,
)
from jianzheng.supervision.alert import Alert, AlertDataError, evidence
from jianzheng.supervision.forest import shipped_forest
from jianzheng.supervision.frames import Frames, frames_from_records
from jianzheng.supervision.indicators.screen_price import Settings as ScreenSettings
from jianzheng.supervision.registry import RegistryError
from jianzheng.supervision.screens import compute_screens
from jianzheng.supervision.stats import quantile, tukey_fences

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODELS = Path(__file__).resolve().parents[2] / "src" / "jianzheng" / "supervision" / "models"


def fixture_frames(code: str) -> tuple[dict[str, Any], Frames]:
    given_ = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    return given_["settings"], frames_from_records(given_["frames"])


def test_missing_column_is_named_in_both_languages() -> None:
    _, frames = fixture_frames("R030")
    broken = {
        "lots": frames.lots.drop("bid_deadline"),
        "bids": frames.bids,
        "awards": frames.awards,
        "parties": frames.parties,
    }
    with pytest.raises(FrameSchemaError, match="缺少列 bid_deadline.*missing column bid_deadline"):
        run_batch(broken)


def test_wrong_dtype_and_naive_datetime_are_refused() -> None:
    _, frames = fixture_frames("R030")
    lots = frames.lots
    parts = {"bids": frames.bids, "awards": frames.awards, "parties": frames.parties}
    with pytest.raises(FrameSchemaError, match="price_fen"):
        run_batch({**parts, "lots": lots, "bids": parts["bids"].with_columns(pl.col("price_fen").cast(pl.Float64))})
    with pytest.raises(FrameSchemaError, match="bid_deadline"):
        run_batch({**parts, "lots": lots.with_columns(pl.col("bid_deadline").dt.replace_time_zone(None))})


def test_null_key_is_refused() -> None:
    with pytest.raises(FrameSchemaError, match="stage"):
        frames_from_records({"lots": [{"lot_id": "L1", "source": "platform"}]})


def test_bad_settings_fail_before_anything_runs() -> None:
    overrides, frames = fixture_frames("R003")
    with pytest.raises(SettingsError, match="R003.*threshold_days"):
        run_batch(frames, {"R003": {"threshold_days": -1}})
    with pytest.raises(SettingsError, match="R003"):
        run_batch(frames, {"R003": {"no_such_setting": 1}})
    with pytest.raises(SettingsError, match="R999"):
        run_batch(frames, {"R999": {}})
    with pytest.raises(RegistryError, match="R999"):
        run_batch(frames, indicators=["R999"])


def test_registry_discovers_every_builtin_module() -> None:
    codes = set(all_indicators())
    assert {
        "R003",
        "R018",
        "R024",
        "R025",
        "R028",
        "R030",
        "R035",
        "R036",
        "R038",
        "R058",
        "SCREEN-PRICE",
        "SCREEN-MODEL",
    } <= codes
    package = Path(__file__).resolve().parents[2] / "src/jianzheng/supervision/indicators"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    assert {spec.module.rsplit(".", 1)[1] for spec in all_indicators().values()} == modules


def test_realtime_runs_only_reacting_indicators_and_only_given_lots() -> None:
    overrides, frames = fixture_frames("R030")
    alerts = run_realtime("lot.awarded", frames, overrides, lot_ids=["L1"])
    assert {a.indicator for a in alerts} <= {
        s.code for s in all_indicators().values() if "lot.awarded" in s.realtime_events
    }
    assert [a.subject_id for a in alerts if a.indicator == "R030"] == ["L1"]
    assert run_realtime("lot.awarded", frames, overrides, lot_ids=["L2"]) == []
    assert run_realtime("lot.contract_signed", frames, overrides) == []


def test_batch_and_realtime_agree_on_a_lot() -> None:
    overrides, frames = fixture_frames("R035")
    batch = [a for a in run_batch(frames, overrides, indicators=["R035"])]
    live = run_realtime("lot.awarded", frames, overrides, lot_ids=["L1"], indicators=["R035"])
    assert [a.id for a in batch] == [a.id for a in live]


def test_progress_reports_every_indicator() -> None:
    overrides, frames = fixture_frames("R003")
    seen: list[tuple[str, int, int]] = []
    run_batch(frames, overrides, indicators=["R003", "R018"], progress=lambda c, d, t: seen.append((c, d, t)))
    assert seen == [("R003", 0, 2), ("R018", 1, 2), ("", 2, 2)]


def test_alert_refuses_nan_and_has_content_based_id() -> None:
    with pytest.raises(AlertDataError):
        evidence("x", float("nan"))
    base = dict(
        indicator="X",
        severity="low",
        subject="lot",
        subject_id="L1",
        lot_ids=("L1",),
        parties=(),
        explanation_zh="中",
        explanation_en="en",
        evidence=(evidence("price_fen", 100, [3]), evidence("fence", 0.5)),
        key_facts=("price_fen",),
    )
    a = Alert(**base)
    b = Alert(**{**base, "evidence": (evidence("price_fen", 100, [3]), evidence("fence", 0.7))})
    c = Alert(**{**base, "evidence": (evidence("price_fen", 101, [3]),)})
    assert a.id == b.id != c.id
    with pytest.raises(AlertDataError):
        Alert(**{**base, "severity": "urgent"})
    json.dumps(a.to_json(), allow_nan=False)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), st.floats(0, 1))
@settings(max_examples=200, deadline=None)
def test_quantile_matches_numpy_median_unbiased(values: list[float], q: float) -> None:
    expected = float(np.quantile(np.asarray(values), q, method="median_unbiased"))
    assert quantile(values, q) == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_no_fence_from_a_handful_of_values() -> None:
    assert tukey_fences([1.0, 2.0, 3.0], min_sample=20) is None
    fences = tukey_fences(np.arange(20.0), min_sample=20)
    assert fences is not None and fences.lower < fences.q1 < fences.q3 < fences.upper


@given(st.lists(st.integers(1_000, 10_000_000), min_size=4, max_size=30))
@settings(max_examples=100, deadline=None)
def test_screens_match_the_published_formulas(prices: list[int]) -> None:
    b = np.sort(np.asarray(prices, dtype=np.float64))
    got = compute_screens(pl.DataFrame({"lot_id": ["L"] * len(b), "price": b})).row(0, named=True)
    n = len(b)
    s = b.std(ddof=1)
    assert got["n"] == n
    if s == 0:
        assert got["KURT"] is None and got["SKEW"] is None and got["RDNOR"] is None
        return
    assert got["CV"] == pytest.approx(s / b.mean())
    assert got["SPD"] == pytest.approx((b[-1] - b[0]) / b[0])
    assert got["DIFFP"] == pytest.approx((b[1] - b[0]) / b[0])
    assert got["RDNOR"] == pytest.approx((n - 1) * (b[1] - b[0]) / (b[-1] - b[0]))
    assert got["SKEW"] == pytest.approx(stats.skew(b, bias=False), rel=1e-6, abs=1e-9)
    assert got["KURT"] == pytest.approx(stats.kurtosis(b, bias=False), rel=1e-6, abs=1e-9)
    uniform = stats.uniform(loc=b[0], scale=b[-1] - b[0])
    assert got["KSTEST"] == pytest.approx(stats.kstest(b, uniform.cdf).statistic)
    losers = b[1:].std(ddof=1)
    if losers > 0:
        assert got["RD"] == pytest.approx((b[1] - b[0]) / losers)
    else:
        assert got["RD"] is None


def test_screens_with_too_few_bids_are_null_not_nan() -> None:
    got = compute_screens(pl.DataFrame({"lot_id": ["A", "B", "B"], "price": [5.0, 5.0, 5.0]}))
    rows = {r["lot_id"]: r for r in got.iter_rows(named=True)}
    assert rows["A"]["CV"] is None and rows["A"]["n"] == 1
    assert rows["B"]["CV"] == 0.0 and rows["B"]["RDNOR"] is None and rows["B"]["KSTEST"] is None


def test_screen_defaults_are_the_calibrated_thresholds() -> None:
    calibration = json.loads((MODELS / "screen_thresholds.json").read_text(encoding="utf-8"))
    cuts = {k: round(v["cut"], 4) for k, v in calibration["cuts"].items()}
    defaults = ScreenSettings()
    assert (defaults.cv_max, defaults.spd_max, defaults.rd_min, defaults.rdnor_min) == (
        cuts["CV"],
        cuts["SPD"],
        cuts["RD"],
        cuts["RDNOR"],
    )
    assert defaults.min_votes == calibration["min_votes"]


def test_shipped_forest_is_json_and_scores_probabilities() -> None:
    forest = shipped_forest()
    x = np.array([[0.004, 0.01, 0.09, 3.0, 3.5, 0.5, -0.5, 0.4, 5], [np.nan] * 9])
    p = forest.predict_proba(x)
    assert p.shape == (2,) and ((p >= 0) & (p <= 1)).all()
