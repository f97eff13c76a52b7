"""The expert draw in the pure domain: request first, seed from the checkpoint, answers, reserves, the committee.

A lot is driven by `LotDriver` (no database); the checkpoint a draw needs is made up here
(any tree size that contains the request and any root hash), since only the service
holds a real ledger — tests/services/test_expert_draw.py runs the same through it.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
from datetime import timedelta

import pytest

from jianzheng.domain import commands as c
from jianzheng.domain.avoidance import AvoidanceFacts
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.draw import (
    Candidate,
    Requirement,
    draw_seed,
    pool_from,
    request_digest,
    requirements_from,
    run_draw,
    shortfall,
)
from jianzheng.domain.draw_check import replay_draw
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.experts import PoolExpert
from jianzheng.domain.lifecycle import Stage
from tests.domain.lotkit import LotDriver, party

ROOT = bytes(range(32))
WITNESS = "bureau.example/witness"


def pool(count: int, region: str = "530100", specialty: str = "A0101", start: int = 1) -> tuple[PoolExpert, ...]:
    return tuple(PoolExpert(f"H-X{i:03d}", f"专家{i}", (specialty,), "senior", region, None)
                 for i in range(start, start + count))


def text(size: int, root: bytes = ROOT) -> str:
    return f"jianzheng.example/ledger\n{size}\n{base64.b64encode(root).decode()}\n"


def request(d: LotDriver, experts: tuple[PoolExpert, ...], lines: tuple[Requirement, ...] = (Requirement("A01", 5, 2),),
            witnesses: tuple[str, ...] = (), facts: AvoidanceFacts | None = None) -> WitnessedEvent:
    [event] = d.run(c.RequestExpertDraw(lines, "530100", d.now + timedelta(days=1), experts,
                                        facts or AvoidanceFacts(parties=d.parties), witnesses))
    return event


def record(d: LotDriver, requested: WitnessedEvent, cosignatures: tuple[str, ...] = (),
           size: int | None = None) -> WitnessedEvent:
    tree = requested.seq + 3 if size is None else size
    [event] = d.run(c.RecordExpertDraw(requested.payload["request_id"], tree, ROOT, text(tree), cosignatures))
    return event


def opened() -> LotDriver:
    d = LotDriver()
    d.to_opened()
    return d


def test_the_draw_is_a_function_of_the_seed_and_the_candidates() -> None:
    candidates = [Candidate(f"H{i:02d}", ("A0101",), "530100") for i in range(20)]
    lines = [Requirement("A01", 5, 2)]
    first = run_draw(b"\x01" * 32, lines, candidates, "530100")
    assert first == run_draw(b"\x01" * 32, lines, list(reversed(candidates)), "530100")  # order of the pool is moot
    assert first != run_draw(b"\x02" * 32, lines, candidates, "530100")
    assert [p.reserve for p in first] == [False] * 5 + [True] * 2
    assert len({p.person_id for p in first}) == 7


def test_lines_take_specialty_and_region_and_never_the_same_expert_twice() -> None:
    candidates = ([Candidate(f"L{i}", ("A010101",), "530102") for i in range(4)]  # Kunming, a sub-specialty
                  + [Candidate(f"R{i}", ("A0101", "B02"), "520100") for i in range(4)]  # Guiyang
                  + [Candidate("G1", ("B02",), "530100")])
    lines = [Requirement("A0101", 2, 1, "local"), Requirement("A01", 2, 0, "remote"), Requirement("B", 2, 0)]
    picks = run_draw(b"\x07" * 32, lines, candidates, "530100")
    by_line = {n: [p.person_id for p in picks if p.line == n] for n in (1, 2, 3)}
    assert all(x.startswith("L") for x in by_line[1]) and len(by_line[1]) == 3
    assert all(x.startswith("R") for x in by_line[2]) and len(by_line[2]) == 2
    assert "G1" in by_line[3] and len(set(by_line[3]) & set(by_line[2])) == 0
    assert shortfall(requirements_from([{"specialty": "A01", "count": 3, "reserves": 0, "scope": "local"}]),
                     pool_from([{"person_id": "L1", "specialties": ["A01"], "region": "530100"}]), "530100") == [1]


def test_request_records_pool_and_exclusions_before_any_randomness() -> None:
    d = opened()
    d.parties["P-BIDDER1"] = party("P-BIDDER1")
    tied = PoolExpert("H-TIED", "有关系的专家", ("A0101",), "senior", "530100", "P-BIDDER1")
    other = PoolExpert("H-OTHER", "别的专业", ("C0101",), "senior", "530100", None)
    requested = request(d, (*pool(8), tied, other))
    p = requested.payload
    assert [x["person_id"] for x in p["pool"]] == [f"H-X{i:03d}" for i in range(1, 9)]
    assert [(x["person_id"], x["reason"], x["facts"]["party_role"]) for x in p["exclusions"]] == [
        ("H-TIED", "employer", "bidder")]
    assert "seed" not in p and d.state.evaluation.draws[p["request_id"]].drawn is False
    # A second request waits for the first to be drawn.
    with pytest.raises(Refusal) as refused:
        request(d, pool(8))
    assert refused.value.code == "draw.pending"


def test_too_few_eligible_experts_refuses_the_request() -> None:
    d = opened()
    with pytest.raises(Refusal) as refused:
        request(d, pool(4))
    assert refused.value.code == "draw.insufficient" and refused.value.details["lines"] == [1]
    assert not d.state.evaluation.draws


def test_recorded_draw_reruns_from_its_two_events() -> None:
    d = opened()
    requested = request(d, pool(12))
    drawn = record(d, requested)
    result = replay_draw(requested, drawn)
    assert result.ok, result.checks
    assert result.picks == drawn.payload["picks"]
    seed = draw_seed(requested.seq, request_digest(requested.payload), requested.seq + 3, ROOT, [])
    assert drawn.payload["seed"] == seed.hex()


def test_changing_the_request_after_the_fact_changes_the_draw() -> None:
    d = opened()
    requested = request(d, pool(12))
    drawn = record(d, requested)
    # Someone edits the recorded request afterwards: one hour later for the evaluation, nothing else.
    edited_payload = copy.deepcopy(requested.payload)
    edited_payload["evaluation_at"] = format_instant(parse_instant(edited_payload["evaluation_at"])
                                                     + timedelta(hours=1))
    edited = dataclasses.replace(requested, payload=edited_payload)
    assert request_digest(edited.payload) != request_digest(requested.payload)
    seed = draw_seed(edited.seq, request_digest(edited.payload), requested.seq + 3, ROOT, [])
    redrawn = run_draw(seed, requirements_from(edited_payload["requirements"]), pool_from(edited_payload["pool"]),
                       "530100")
    assert [p.person_id for p in redrawn] != [p["person_id"] for p in drawn.payload["picks"]]
    result = replay_draw(edited, drawn)
    failed = {x["check"] for x in result.checks if not x["ok"]}
    assert {"request_digest", "seed", "draw"} <= failed and not result.ok


def test_the_checkpoint_must_contain_the_request() -> None:
    d = opened()
    requested = request(d, pool(12))
    with pytest.raises(Refusal) as refused:
        record(d, requested, size=requested.seq - 1)
    assert refused.value.code == "draw.checkpoint"
    with pytest.raises(Refusal) as refused:
        d.run(c.RecordExpertDraw(requested.payload["request_id"], requested.seq, ROOT, text(requested.seq + 1)))
    assert refused.value.field == "checkpoint"  # the text names another tree


def test_the_named_witnesses_must_have_cosigned() -> None:
    d = opened()
    requested = request(d, pool(12), witnesses=(WITNESS,))
    with pytest.raises(Refusal) as refused:
        record(d, requested, cosignatures=("\u2014 other.example/w AAAA",))
    assert refused.value.code == "draw.cosignatures" and refused.value.details["witnesses"] == [WITNESS]
    line = f"\u2014 {WITNESS} AQIDBA=="
    drawn = record(d, requested, cosignatures=(line, "\u2014 other.example/w AAAA"))
    assert drawn.payload["cosignatures"] == [line]  # only the named witness's line feeds the seed
    assert replay_draw(requested, drawn).ok


def drawn_lot(experts: int = 12) -> tuple[LotDriver, str, list[str], list[str]]:
    d = opened()
    requested = request(d, pool(experts))
    drawn = record(d, requested)
    members = [p["person_id"] for p in drawn.payload["picks"] if not p["reserve"]]
    reserves = [p["person_id"] for p in drawn.payload["picks"] if p["reserve"]]
    return d, requested.payload["request_id"], members, reserves


def test_a_decline_calls_the_next_reserve_of_the_line() -> None:
    d, request_id, members, reserves = drawn_lot()
    d.run(c.AnswerExpertDraw(request_id, members[0], True))
    events = d.run(c.AnswerExpertDraw(request_id, members[1], False, "外地出差"))
    assert [e.type for e in events] == ["lot.expert_declined", "lot.expert_reserve_called"]
    assert events[1].payload == {"request_id": request_id, "person_id": reserves[0], "line": 1,
                                 "replaces": members[1]}
    with pytest.raises(Refusal) as refused:
        d.run(c.AnswerExpertDraw(request_id, members[0], True))  # answered already
    assert refused.value.code == "draw.not_called"
    with pytest.raises(Refusal):
        d.run(c.AnswerExpertDraw(request_id, reserves[1], True))  # a reserve not yet called
    with pytest.raises(Refusal) as refused:
        d.run(c.AnswerExpertDraw(request_id, members[2], False, "  "))
    assert refused.value.field == "reason"
    d.run(c.AnswerExpertDraw(request_id, members[2], False, "生病"))
    last = d.run(c.AnswerExpertDraw(request_id, members[3], False, "回避"))
    assert last[0].payload["reserve_left"] is False and len(last) == 1


def test_a_drawn_committee_takes_only_confirmed_drawn_experts() -> None:
    d, request_id, members, reserves = drawn_lot()
    for person in members:
        d.run(c.AnswerExpertDraw(request_id, person, True))
    outsider = c.CommitteeMember("H-OUTSIDER", "expert")
    chosen = [c.CommitteeMember(p, "expert", chair=i == 0) for i, p in enumerate(members[:4])]
    with pytest.raises(Refusal) as refused:
        d.run(c.FormCommittee((*chosen, outsider)))
    assert refused.value.code == "committee.not_drawn" and refused.value.details["persons"] == ["H-OUTSIDER"]
    d.run(c.FormCommittee(tuple(c.CommitteeMember(p, "expert", chair=i == 0) for i, p in enumerate(members))))
    assert d.state.stage is Stage.EVALUATION and d.state.evaluation.selection == "drawn"


def test_a_supplementary_draw_leaves_out_everyone_drawn_before() -> None:
    d, request_id, members, reserves = drawn_lot(experts=14)
    for person in members[:2] + reserves:
        d.run(c.AnswerExpertDraw(request_id, person, False, "不能参加"))
    second = request(d, pool(14), lines=(Requirement("A01", 2, 1),))
    drawn_before = set(members) | set(reserves)
    assert {x["person_id"] for x in second.payload["exclusions"] if x["reason"] == "already_drawn"} == drawn_before
    assert not drawn_before & {x["person_id"] for x in second.payload["pool"]}
