"""A small simulated year: every planted kind shows in the platform's data exactly where its label says,
honest lots complete without warnings and show none of the signs, and the same seed gives the same ledger."""

from __future__ import annotations

import statistics
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from jianzheng.simulate import simulate, simulation_settings
from jianzheng.simulate.calibration import MEAN_RATIO_MEDIAN
from jianzheng.simulate.kinds import KINDS
from jianzheng.simulate.labels import Case
from tests.simulate.conftest import Simulated, small_config


def cases(sim: Simulated, kind: str) -> list[Case]:
    found = [c for c in sim.cases if c.kind == kind]
    assert found, f"no case of kind {kind} was planted"
    return found


def lot_bids(sim: Simulated, case: Case) -> dict[str, dict[str, Any]]:
    """The labelled parties' opened bids on the case's lot, by bidder id."""
    bids = [b for b in sim.rows("bids", lot_id=case.lot_ids[0]) if b["status"] in ("opened", "rejected")]
    return {b["bidder_id"]: b for b in bids if b["bidder_id"] in case.party_ids}


def warnings(sim: Simulated, lot_id: str) -> list[str]:
    return [w["rule"] for w in sim.rows("rule_warnings", lot_id=lot_id)]


def test_every_kind_is_planted_with_labels_pointing_at_real_records(simulated: Simulated) -> None:
    assert set(simulated.result.cases_by_kind) == set(KINDS)
    lots = {r["lot_id"] for r in simulated.rows("lots")}
    parties = {r["party_id"] for r in simulated.rows("parties")}
    persons = {r["person_id"] for r in simulated.rows("persons")}
    for case in simulated.cases:
        assert case.lot_ids and set(case.lot_ids) <= lots, case
        assert case.party_ids and set(case.party_ids) <= parties, case
        assert set(case.person_ids) <= persons, case
    lines = simulated.result.labels_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(simulated.cases) == sum(simulated.result.cases_by_kind.values())


def test_same_preparer_bids_share_a_machine_or_an_upload_address(simulated: Simulated) -> None:
    for case in cases(simulated, "same_preparer"):
        bids = list(lot_bids(simulated, case).values())
        assert len(bids) == len(case.party_ids) >= 2
        if "machine" in case.details["shared"]:
            assert {b["fingerprint"]["machine_code"] for b in bids} == {case.details["machine_code"]}
            assert len({b["fingerprint"]["mac"] for b in bids}) == 1
        if "ip" in case.details["shared"]:
            assert {b["source_ip"] for b in bids} == {case.details["source_ip"]}


def test_same_agent_bids_name_one_representative_or_phone(simulated: Simulated) -> None:
    for case in cases(simulated, "same_agent"):
        representatives = [simulated.content(b)["representative"] for b in lot_bids(simulated, case).values()]
        assert {r["phone"] for r in representatives} == {case.details["phone"]}
        if case.details["shared"] == "person":
            assert len({r["person_id"] for r in representatives}) == 1


def test_same_staff_is_another_members_registered_manager(simulated: Simulated) -> None:
    persons = {p["person_id"]: p for p in simulated.rows("persons")}
    for case in cases(simulated, "same_staff"):
        manager = case.details["project_manager"]
        contents = [simulated.content(b) for b in lot_bids(simulated, case).values()]
        named = [c for c in contents if c["project_manager_id"] == manager or manager in c["key_staff"]]
        assert len(named) >= 2
        assert persons[manager]["employer_id"] in case.party_ids  # employed by one member, named by another


def test_copied_proposals_keep_the_typos_and_unit_prices(simulated: Simulated) -> None:
    for case in cases(simulated, "consistent_documents"):
        contents = [simulated.content(b) for b in lot_bids(simulated, case).values()]
        for typo in case.details["shared_typos"]:
            assert all(typo in c["technical_proposal"] for c in contents)
        unit_prices = {tuple(line["unit_price_fen"] for line in c["boq"][:-1]) for c in contents}
        assert len(unit_prices) == 1 and len(next(iter(unit_prices))) == case.details["identical_boq_lines"]
        assert len({c["price_fen"] for c in contents}) == len(contents)  # the totals still differ


def test_progressive_prices_form_the_labelled_progression(simulated: Simulated) -> None:
    for case in cases(simulated, "progressive_prices"):
        prices = sorted(b["price_fen"] for b in lot_bids(simulated, case).values())
        assert len(prices) >= 3 and prices == sorted(case.details["prices_fen"])
        if case.details["progression"] == "arithmetic":
            assert {b - a for a, b in zip(prices, prices[1:], strict=False)} == {case.details["step_fen"]}
        else:
            for a, b in zip(prices, prices[1:], strict=False):
                assert b / a == pytest.approx(case.details["ratio"], abs=1e-4)


def test_mixed_documents_name_the_other_bidder(simulated: Simulated) -> None:
    names = {p["party_id"]: p["name"] for p in simulated.rows("parties")}
    for case in cases(simulated, "mixed_documents"):
        holder, named = case.details["document_of"], case.details["names"]
        bid = lot_bids(simulated, case)[holder]
        assert names[named] in simulated.content(bid)["technical_proposal"]
        document = simulated.services.blobs.get(bid["documents"][0]["sha256"]).decode()
        assert names[named] in document and names[holder] in document


def test_deposits_of_a_ring_come_from_one_account(simulated: Simulated) -> None:
    for case in cases(simulated, "same_deposit_account"):
        deposits = [d for d in simulated.rows("deposits", lot_id=case.lot_ids[0]) if d["bidder_id"] in case.party_ids]
        assert len(deposits) == len(case.party_ids)
        assert {d["paying_account"] for d in deposits} == {case.details["account"]}
        assert "regs26.basic-account" in warnings(simulated, case.lot_ids[0])


def test_cover_bidding_cartel_is_related_and_rotates(simulated: Simulated) -> None:
    parties = {p["party_id"]: p for p in simulated.rows("parties")}
    for case in cases(simulated, "cover_bidding"):
        relations = case.details["relations"]
        assert relations
        for relation in relations:
            a, b = parties[relation["a"]], parties[relation["b"]]
            if relation["relation"] == "same_legal_representative":
                assert a["legal_representative_id"] == b["legal_representative_id"]
            else:
                controllers = [{s["holder_id"] for s in p["shareholders"] if s["share_bp"] > 5000} for p in (a, b)]
                assert controllers[0] & controllers[1]
        assert "regs34.related-bidders" in warnings(simulated, case.lot_ids[0])
        prices = {b["bidder_id"]: b["price_fen"] for b in lot_bids(simulated, case).values()}
        winner = case.details["designated_winner"]
        assert all(prices[winner] < p for bidder, p in prices.items() if bidder != winner)  # covers bid higher
    rotation = cases(simulated, "bid_rotation")[0]
    assert len(set(rotation.details["designated_winners"])) == len(rotation.lot_ids) >= 2


def test_evaluator_bias_shows_in_the_scores(simulated: Simulated) -> None:
    for case in cases(simulated, "evaluator_bias"):
        expert, favoured_bid = case.person_ids[0], case.details["favoured_bid"]
        scores = simulated.rows("scores", lot_id=case.lot_ids[0])
        for bid_id in {s["bid_id"] for s in scores}:
            own = next(s["points"]["technical"] for s in scores if s["bid_id"] == bid_id and s["person_id"] == expert)
            others = statistics.mean(s["points"]["technical"] for s in scores
                                     if s["bid_id"] == bid_id and s["person_id"] != expert)
            if bid_id == favoured_bid:
                assert own >= others
            else:
                assert own < others - 300  # three points and more below the rest of the committee


@pytest.mark.parametrize(("kind", "rule"), [("short_bidding_period", "law24.issue-to-deadline"),
                                            ("late_contract", "law46.contract-deadline"),
                                            ("late_deposit_refund", "regs57.deposit-refund")])
def test_broken_deadlines_are_warned_by_the_platform(simulated: Simulated, kind: str, rule: str) -> None:
    for case in cases(simulated, kind):
        assert rule in warnings(simulated, case.lot_ids[0])
    warned = {w["lot_id"] for w in simulated.rows("rule_warnings", rule=rule)}
    assert warned == {c.lot_ids[0] for c in cases(simulated, kind)}  # and nowhere else


def test_honest_lots_complete_without_warnings(simulated: Simulated) -> None:
    labelled = {lot for case in simulated.cases for lot in case.lot_ids}
    lots = simulated.rows("lots")
    honest = [lot for lot in lots if lot["lot_id"] not in labelled]
    assert honest
    assert {lot["stage"] for lot in lots} == {"completed"}  # the window is short: every lot finishes
    for lot in honest:
        assert warnings(simulated, lot["lot_id"]) == [], lot["lot_id"]
        with simulated.services.store.read() as session:
            types = [e.type for e in session.lot_events(lot["lot_id"])]
        for step in ("lot.documents_filed", "lot.announced", "lot.opened", "lot.evaluation_reported",
                     "lot.candidates_published", "lot.awarded", "lot.contract_signed", "lot.completed"):
            assert step in types, (lot["lot_id"], step)


def test_signs_appear_only_where_planted(simulated: Simulated) -> None:
    """Precision is measurable: outside the labelled pairs no two bids on a lot share a sign."""
    planted: dict[str, set[frozenset[str]]] = {}
    for case in simulated.cases:
        for a, b in combinations(case.party_ids, 2):
            planted.setdefault(case.lot_ids[0], set()).add(frozenset((a, b)))
    for lot in simulated.rows("lots"):
        bids = [b for b in simulated.rows("bids", lot_id=lot["lot_id"]) if b["status"] in ("opened", "rejected")]
        deposits = {d["bidder_id"]: d["paying_account"] for d in simulated.rows("deposits", lot_id=lot["lot_id"])}
        for x, y in combinations(bids, 2):
            if frozenset((x["bidder_id"], y["bidder_id"])) in planted.get(lot["lot_id"], set()):
                continue
            cx, cy = simulated.content(x), simulated.content(y)
            assert x["fingerprint"]["machine_code"] != y["fingerprint"]["machine_code"]
            assert x["source_ip"] != y["source_ip"]
            assert cx["representative"]["phone"] != cy["representative"]["phone"]
            assert cx["project_manager_id"] != cy["project_manager_id"]
            assert cx["boq"][0]["unit_price_fen"] != cy["boq"][0]["unit_price_fen"] or \
                cx["boq"][1]["unit_price_fen"] != cy["boq"][1]["unit_price_fen"]
            if x["bidder_id"] in deposits and y["bidder_id"] in deposits:
                assert deposits[x["bidder_id"]] != deposits[y["bidder_id"]]


def test_honest_prices_follow_the_calibrated_market(simulated: Simulated) -> None:
    labelled = {lot for case in simulated.cases for lot in case.lot_ids}
    estimates = {lot["lot_id"]: lot["estimated_price_fen"] for lot in simulated.rows("lots")}
    ratios = [b["price_fen"] / estimates[b["lot_id"]] for b in simulated.rows("bids")
              if b["price_fen"] and b["lot_id"] not in labelled]
    assert len(ratios) >= 10
    assert max(ratios) < 1.0  # never above the control price
    assert statistics.median(ratios) == pytest.approx(MEAN_RATIO_MEDIAN, abs=0.06)


def test_the_year_varies(simulated: Simulated) -> None:
    lots = simulated.rows("lots")
    assert len(lots) == 12
    assert len({lot["estimated_price_fen"] for lot in lots}) == 12
    bidders = Counter(b["lot_id"] for b in simulated.rows("bids"))
    assert min(bidders.values()) >= 1 and max(bidders.values()) >= 5
    assert simulated.result.events == simulated.result.tree_size


@pytest.mark.slow
def test_same_seed_same_ledger_other_seed_other_ledger(simulated: Simulated, tmp_path: Path) -> None:
    again = simulate(simulation_settings(tmp_path / "again"), small_config(),
                     {"staff": "another-pass-1"})  # passwords never reach the ledger
    assert (again.tree_size, again.root_hash) == (simulated.result.tree_size, simulated.result.root_hash)
    assert again.labels_path.read_bytes() == simulated.result.labels_path.read_bytes()
    other = simulate(simulation_settings(tmp_path / "other"), small_config(seed=8))
    assert other.root_hash != simulated.result.root_hash
