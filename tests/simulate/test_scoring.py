"""Scoring detected cases against labels, and the small pieces the simulation is made of."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from jianzheng.domain.errors import Refusal
from jianzheng.domain.identifiers import validate_resident_id, validate_uscc
from jianzheng.simulate.calibration import TRADE_BY_CODE, Market, estimate_fen
from jianzheng.simulate.config import SimulationConfig
from jianzheng.simulate.detection import evaluate
from jianzheng.simulate.kinds import KINDS
from jianzheng.simulate.labels import Case, LabelBook, load_labels
from jianzheng.simulate.names import NameBook
from jianzheng.simulate.scheduler import Process, Scheduler
from jianzheng.simulate.scoring import (
    Detection,
    IndicatorKinds,
    default_mapping,
    indicator_precision,
    parse_mapping,
    report,
    rule_detections,
    score,
)
from tests.simulate.conftest import Simulated

LABELS = [
    Case("C1", "same_preparer", ("L1",), ("A", "B", "C")),
    Case("C2", "same_preparer", ("L2",), ("D", "E")),
    Case("C3", "progressive_prices", ("L3",), ("F", "G", "H")),
    Case("C4", "evaluator_bias", ("L4",), ("A",), ("X",)),
]
MAPPING = parse_mapping({"REGS40-1": ["same_preparer"], "REGS40-4": ["consistent_documents", "progressive_prices"],
                         "BIAS": ["evaluator_bias"],
                         "REL": {"detects": ["cover_bidding"], "confirms": ["same_preparer"]}})


def test_recall_and_precision_per_kind() -> None:
    detections = [
        Detection("REGS40-1", ("L1",), ("A", "B")),  # a pair of the three: matches C1
        Detection("REGS40-1", ("L1",), ("B", "C")),  # again C1: still one label found
        Detection("REGS40-1", ("L2",), ("D", "Z")),  # only one of the two labelled parties: false
        Detection("REGS40-1", ("L9",), ("A", "B")),  # another lot: false
        Detection("REGS40-4", ("L3",), ("F", "G", "H")),
        Detection("BIAS", ("L4",), ("A",), ("Y",)),  # the wrong expert: false
        Detection("UNMAPPED", ("L1",), ("A", "B")),  # ignored
        Detection("REL", ("L1",), ("A", "C")),  # confirms C1: a true case, but no recall for same_preparer
    ]
    scores = score(detections, LABELS, MAPPING)
    preparer = scores["same_preparer"]
    assert (preparer.labels, preparer.found, preparer.cases, preparer.true_cases) == (2, 1, 4, 2)
    assert preparer.recall == 0.5 and preparer.precision == 0.5 and preparer.missed == ["C2"]
    assert scores["progressive_prices"].recall == 1.0 and scores["progressive_prices"].precision == 1.0
    # REGS40-4 confirms either of its kinds; consistent_documents has no labels, so no recall.
    assert scores["consistent_documents"].recall is None and scores["consistent_documents"].precision == 1.0
    assert scores["evaluator_bias"].recall == 0.0 and scores["evaluator_bias"].precision == 0.0
    cover = scores["cover_bidding"]
    assert (cover.labels, cover.recall, cover.cases, cover.precision) == (0, None, 1, 1.0)
    assert indicator_precision(detections, LABELS, MAPPING) == {"BIAS": (1, 0), "REGS40-1": (4, 2),
                                                                 "REGS40-4": (1, 1), "REL": (1, 1)}
    lines = report(scores)
    assert any(line.startswith("same_preparer") and "50.0%" in line for line in lines)


def test_a_kind_without_cases_has_no_precision() -> None:
    scores = score([], LABELS, MAPPING)
    assert scores["same_preparer"].precision is None and scores["same_preparer"].recall == 0.0


def test_mapping_is_data() -> None:
    mapping = default_mapping()
    assert mapping["REGS40-1"] == IndicatorKinds(("same_preparer",))
    assert {kind for kinds in mapping.values() for kind in kinds.all} <= set(KINDS)
    assert {"REGS40-1", "REGS40-2", "REGS40-3", "REGS40-4", "REGS40-5", "REGS40-6", "REGS34"} <= set(mapping)
    assert parse_mapping({"X": ["same_agent"]}) == {"X": IndicatorKinds(("same_agent",))}
    assert parse_mapping({"indicators": {"X": {"detects": ["a"], "confirms": ["b"]}}}) == {
        "X": IndicatorKinds(("a",), ("b",))}
    for bad in ({"X": "same_agent"}, {"X": {"detects": "a"}}, ["X"]):
        with pytest.raises(Refusal):
            parse_mapping(bad)


def test_detections_from_json_and_labels_round_trip(tmp_path: Path) -> None:
    assert Detection.from_json({"code": "REGS34", "lot_id": "L1", "party_ids": ["A", "B"]}) == \
        Detection("REGS34", ("L1",), ("A", "B"))
    with pytest.raises(Refusal):
        Detection.from_json({"lot_ids": ["L1"]})
    book = LabelBook()
    book.add("same_agent", ["L1"], ["A", "B", "A"], ["P"], phone="139")
    path = book.write(tmp_path)
    assert load_labels(path) == [Case("CASE-0001", "same_agent", ("L1",), ("A", "B"), ("P",), {"phone": "139"})]
    path.write_text(json.dumps({"kind": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(Refusal) as refusal:
        load_labels(path)
    assert "Line 1" in refusal.value.message_en


def test_the_platforms_rule_warnings_find_the_deadline_cases(simulated: Simulated) -> None:
    detections = rule_detections(simulated.rows("rule_warnings"))
    scores = score(detections, simulated.cases)
    for kind in ("short_bidding_period", "late_contract", "late_deposit_refund", "cover_bidding",
                 "same_deposit_account"):
        assert scores[kind].recall == 1.0, kind
        assert scores[kind].precision == 1.0, kind
    assert any(line.startswith("late_contract") for line in simulated.result.found_by_rules)


def test_scheduler_runs_processes_in_time_order_and_stops_at_the_end() -> None:
    start = datetime(2025, 1, 6, 1, tzinfo=UTC)
    now = [start]
    log: list[tuple[str, datetime]] = []

    def process(name: str, steps: list[int]) -> Process:
        for minutes in steps:
            log.append((name, now[0]))
            yield start + timedelta(minutes=minutes)
        log.append((name, now[0]))

    scheduler = Scheduler(lambda: now[0], lambda t: now.__setitem__(0, t), start + timedelta(minutes=100))
    scheduler.spawn(process("a", [10, 50, 500]), start)
    scheduler.spawn(process("b", [5, 30]), start + timedelta(minutes=1))
    scheduler.run()
    assert [n for n, _ in log] == ["a", "b", "b", "a", "b", "a"]
    assert [t for _, t in log] == sorted(t for _, t in log)
    assert scheduler.unfinished == 1  # a's step at minute 500 is after the end


def test_config_refuses_impossible_values() -> None:
    for bad in (SimulationConfig(lots=0), SimulationConfig(bidders=10), SimulationConfig(rates={"nope": 0.1}),
                SimulationConfig(rates={"same_agent": 1.5}), SimulationConfig(rings=0),
                SimulationConfig(start_window_days=400)):
        with pytest.raises(Refusal) as refusal:
            bad.validate()
        assert refusal.value.message_zh and refusal.value.message_en
    assert SimulationConfig.for_lots(300) == SimulationConfig()


def test_names_are_valid_and_unique() -> None:
    book = NameBook(random.Random(1))
    place = book.place()
    codes = [book.credit_code(place) for _ in range(300)]
    ids = [book.id_number(place) for _ in range(300)]
    assert all(validate_uscc(c) == c for c in codes) and len(set(codes)) == 300
    assert all(validate_resident_id(i) == i for i in ids) and len(set(ids)) == 300
    assert len({book.mac() for _ in range(300)}) == 300
    assert len({book.office_ip() for _ in range(300)}) == 300


def test_estimates_and_markets_stay_in_their_ranges() -> None:
    rng = random.Random(3)
    works = TRADE_BY_CODE["roads"]
    estimates = [estimate_fen(rng, works) for _ in range(500)]
    assert min(estimates) >= works.floor_yuan * 100
    markets = [Market.draw(rng) for _ in range(500)]
    ratios = [m.ratio(rng) for m in markets]
    assert max(ratios) < 1 and 0.84 < sorted(ratios)[250] < 0.93
    assert date(2025, 1, 6).weekday() == 0  # the default year starts on a Monday


def test_supervision_finds_every_planted_regs40_sign(simulated: Simulated) -> None:
    """The batch indicators over the small year: every Regs 40 sign and every broken deadline is found."""
    evaluation = evaluate(simulated.services, simulated.result.data_dir)
    for kind in ("same_preparer", "same_agent", "same_staff", "consistent_documents", "progressive_prices",
                 "mixed_documents", "same_deposit_account", "cover_bidding", "short_bidding_period",
                 "late_contract", "late_deposit_refund"):
        assert evaluation.scores[kind].recall == 1.0, (kind, evaluation.scores[kind].missed)
    for code in ("REGS40-1", "REGS40-2", "REGS40-3", "REGS40-5", "REGS40-6"):
        cases, true = evaluation.indicators[code]
        assert cases == true, code  # these signs never show on honest bids


def test_the_biased_evaluator_had_to_explain(simulated: Simulated) -> None:
    case = next(c for c in simulated.cases if c.kind == "evaluator_bias")
    with simulated.services.store.read() as session:
        explained = [e for e in session.lot_events(case.lot_ids[0]) if e.type == "lot.deviation_explained"]
    own = [e for e in explained if e.payload["person_id"] == case.person_ids[0]]
    assert own  # the pressed bids were far below the others' marks
    assert all(e.payload["reason"] for e in own)
