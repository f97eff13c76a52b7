"""The simulated experts' review telemetry: honest reading, the expert who skips it, the biased one."""

from __future__ import annotations

from collections import defaultdict

from tests.simulate.conftest import Simulated


def seconds(sim: Simulated, lot_id: str) -> dict[str, dict[str, int]]:
    """person -> bid -> seconds, from the read table the platform filled from `lot.review_pages_viewed`."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for view in sim.rows("review_page_views", lot_id=lot_id):
        out[view["person_id"]][view["bid_id"]] += view["seconds"]
    return out


def test_every_member_of_an_evaluated_lot_reported_page_views(simulated: Simulated) -> None:
    evaluated = {r["lot_id"] for r in simulated.rows("lots") if r["reported_at"]}
    assert evaluated
    for lot_id in evaluated:
        members = {m["person_id"] for m in simulated.rows("committee_members", lot_id=lot_id)}
        assert set(seconds(simulated, lot_id)) == members, lot_id


def test_the_expert_who_skips_the_reading_shows_in_the_telemetry(simulated: Simulated) -> None:
    cases = [c for c in simulated.cases if c.kind == "review_skipped"]
    assert cases
    for case in cases:
        per_person = {p: sum(b.values()) for p, b in seconds(simulated, case.lot_ids[0]).items()}
        [skipper] = case.person_ids
        others = sorted(v for p, v in per_person.items() if p != skipper)
        assert per_person[skipper] == case.details["seconds"]
        assert per_person[skipper] * 10 < others[0], (per_person[skipper], others)


def test_the_biased_expert_reads_the_favoured_bid_and_skims_the_rest(simulated: Simulated) -> None:
    case = next(c for c in simulated.cases if c.kind == "evaluator_bias")
    [expert] = case.person_ids
    read = seconds(simulated, case.lot_ids[0])[expert]
    favoured = read.pop(case.details["favoured_bid"])
    assert read and all(favoured > 10 * other for other in read.values())
