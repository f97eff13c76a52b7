"""The expert draw through the services on SQLite and PostgreSQL, seeded by a witness-cosigned checkpoint.

The pool has nine experts of the specialty: one works for a bidder, one is on the watch
list, one is suspended by a credit record, one is on leave. The draw takes the others,
its seed comes from the first checkpoint containing the request and the witness's
cosignature on it, and a test re-runs it from nothing but the ledger's leaves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from jianzheng.adapters.sql.verify.replay import event_of
from jianzheng.domain import commands as c
from jianzheng.domain.credit import RecordCredit
from jianzheng.domain.draw import Requirement
from jianzheng.domain.draw_check import replay_draw
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.experts import SetExpertAvailability, SetExpertProfile
from jianzheng.ledger.hashing import leaf_hash, node_hash
from jianzheng.ledger.note import parse_note
from tests.support.tender import TenderWorld, announce, bid, build_world, open_lot, register_lot
from tests.support.witnesses import WITNESS_NAME, attach_witness


@pytest.fixture
def drawn_world(database_url: str, tmp_path: Path) -> Iterator[tuple[TenderWorld, str]]:
    world = build_world(tmp_path / "data", database_url, bidders=3, experts=9)
    attach_witness(world, tmp_path / "witness")
    staff, desk = world.actors["staff"], world.services.experts
    for i in range(1, 10):
        employer = world.parties["bidder2"] if i == 6 else None
        desk.set_profile(staff, SetExpertProfile(world.persons[f"expert{i}"], ("A010101",), "senior",
                                                 "530102" if i % 2 else "530100", employer))
    now = world.clock.now()
    world.services.desk.watch(world.actors["supervisor"], "expert", world.persons["expert7"], "多次倾向性打分",
                              now + timedelta(days=365))
    world.services.desk.record_credit(world.actors["supervisor"], RecordCredit(
        "person", world.persons["expert8"], "评标中违规", "expert_suspension", "招标投标法实施条例第七十一条",
        "昆明市住房和城乡建设局", now - timedelta(days=1), now + timedelta(days=365)))
    desk.set_availability(staff, SetExpertAvailability(world.persons["expert9"], False, "出国考察",
                                                       now + timedelta(days=90)))
    lot = register_lot(world)
    announce(world, lot)
    for i in range(1, 4):
        bid(world, lot, f"bidder{i}", 900_000_000 + i * 1_000_000)
    open_lot(world, lot)
    yield world, lot
    world.services.engine.dispose()


def request(world: TenderWorld, lot: str) -> list[WitnessedEvent]:
    return world.services.experts.request_draw(world.actors["staff"], lot, [Requirement("A01", 3, 2)], "530100",
                                               world.clock.now() + timedelta(days=1))


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash over leaf hashes, written out here independently of the ledger package."""
    if len(hashes) == 1:
        return hashes[0]
    split = 1
    while split * 2 < len(hashes):
        split *= 2
    return node_hash(mth(hashes[:split]), mth(hashes[split:]))


def test_the_draw_excludes_whom_it_must_and_is_seeded_by_the_cosigned_checkpoint(
        drawn_world: tuple[TenderWorld, str]) -> None:
    world, lot = drawn_world
    p = world.persons
    events = request(world, lot)
    assert [e.type for e in events] == ["lot.expert_draw_requested", "lot.experts_drawn"]
    requested, drawn = events
    reasons = {(x["person_id"], x["reason"]) for x in requested.payload["exclusions"]}
    assert reasons == {(p["expert6"], "employer"), (p["expert7"], "watchlist"), (p["expert8"], "credit"),
                       (p["expert9"], "unavailable")}
    assert {x["person_id"] for x in requested.payload["pool"]} == {p[f"expert{i}"] for i in range(1, 6)}
    assert requested.payload["witnesses"] == [WITNESS_NAME]
    # The seed's checkpoint is the first one containing the request, cosigned by the witness.
    checkpoint = drawn.payload["checkpoint"]
    assert checkpoint["tree_size"] >= requested.seq
    assert [line.split(" ")[1] for line in drawn.payload["cosignatures"]] == [WITNESS_NAME]
    with world.services.store.read() as session:
        stored = session.checkpoint_by_size(checkpoint["tree_size"])
    assert stored is not None and parse_note(stored.note).text == checkpoint["text"]
    picked = {x["person_id"] for x in drawn.payload["picks"]}
    assert len(picked) == 5 and picked <= {p[f"expert{i}"] for i in range(1, 6)}
    [result] = world.services.experts.check_draws(world.actors["staff"], lot)
    assert result["ok"], [x for x in result["checks"] if not x["ok"]]
    assert {x["check"] for x in result["checks"]} >= {"tree_root", "checkpoint_signed", "first_checkpoint", "seed",
                                                      "draw", f"cosignature:{WITNESS_NAME}"}


def test_a_recorded_draw_reruns_from_the_ledger_leaves_alone(drawn_world: tuple[TenderWorld, str]) -> None:
    world, lot = drawn_world
    request(world, lot)
    with world.services.store.read() as session:
        size = session.tree_size()
        leaves = session.leaves(0, size)
    entries = [json.loads(leaf) for leaf in leaves]
    [requested] = [e for e in entries if e["type"] == "lot.expert_draw_requested"]
    [drawn] = [e for e in entries if e["type"] == "lot.experts_drawn"]
    tree = drawn["payload"]["checkpoint"]["tree_size"]
    # The root the seed used is the root of the first `tree` leaves, recomputed here from the leaves.
    assert mth([leaf_hash(leaf) for leaf in leaves[:tree]]).hex() == drawn["payload"]["checkpoint"]["root_hash"]
    result = replay_draw(event_of(requested), event_of(drawn))
    assert result.ok, result.checks
    assert result.picks == drawn["payload"]["picks"]


def test_answers_reserves_and_the_drawn_committee(drawn_world: tuple[TenderWorld, str]) -> None:
    world, lot = drawn_world
    desk, staff = world.services.experts, world.actors["staff"]
    _, drawn = request(world, lot)
    request_id = drawn.payload["request_id"]
    members = [x["person_id"] for x in drawn.payload["picks"] if not x["reserve"]]
    reserves = [x["person_id"] for x in drawn.payload["picks"] if x["reserve"]]
    key = {v: k for k, v in world.persons.items()}
    first = world.actors[key[members[0]]]
    with pytest.raises(Refusal) as refused:
        desk.answer(first, lot, request_id, members[1], True)  # an expert answers only for themself
    assert refused.value.status == 403
    desk.answer(first, lot, request_id, members[0], True)
    declined = desk.answer(staff, lot, request_id, members[1], False, "电话联系：外地出差")  # recorded by staff
    assert [e.type for e in declined] == ["lot.expert_declined", "lot.expert_reserve_called"]
    assert declined[1].payload["person_id"] == reserves[0]
    desk.answer(world.actors[key[members[2]]], lot, request_id, members[2], True)
    desk.answer(world.actors[key[reserves[0]]], lot, request_id, reserves[0], True)
    calls = desk.my_calls(world.actors[key[reserves[0]]])
    assert [(x["lot_id"], x["status"]) for x in calls] == [(lot, "confirmed")]
    # Two more are needed for five members: a supplementary draw that leaves out everyone drawn so far.
    with pytest.raises(Refusal) as refused:
        desk.request_draw(staff, lot, [Requirement("A01", 2, 0)], "530100", world.clock.now() + timedelta(days=1))
    assert refused.value.code == "draw.insufficient"  # only five eligible; all five were drawn
    tenderer_reps = tuple(c.CommitteeMember(world.person(f"rep{i}", ("tenderer_staff",), "tenderer"),
                                            "tenderer_representative") for i in (1, 2))
    confirmed = [members[0], members[2], reserves[0]]
    outsider = world.persons["expert9"]
    committee = tuple(c.CommitteeMember(x, "expert", chair=i == 0) for i, x in enumerate(confirmed))
    with pytest.raises(Refusal) as refused:
        world.platform.lot_command(staff, lot, c.FormCommittee(
            (*committee, c.CommitteeMember(outsider, "expert"), *tenderer_reps[:1])))
    assert refused.value.code == "committee.not_drawn"
    with pytest.raises(Refusal) as refused:
        world.platform.lot_command(staff, lot, c.FormCommittee(committee + tenderer_reps))  # 3 experts of 5 < 2/3
    assert refused.value.code == "rule.law37.committee"
    assert [r["status"] for r in desk.draws(staff, lot)[0]["picks"]] == [
        "confirmed", "declined", "confirmed", "confirmed", "reserve"]


def test_who_was_drawn_stays_confidential_until_the_result(drawn_world: tuple[TenderWorld, str]) -> None:
    world, lot = drawn_world
    desk = world.services.experts
    _, drawn = request(world, lot)
    picked = drawn.payload["picks"][0]["person_id"]
    key = {v: k for k, v in world.persons.items()}
    for who in ("bidder1", "tenderer", "public"):
        [row] = desk.draws(world.actors[who], lot)
        assert row["picks"] == [] and isinstance(row["exclusions"], int) and row["seed"] == drawn.payload["seed"]
        [check] = desk.check_draws(world.actors[who], lot)
        assert check["ok"] and {x["person_id"] for x in check["picks"]} == {"***"}
    [own] = desk.draws(world.actors[key[picked]], lot)
    assert [x["person_id"] for x in own["picks"]] == [picked]
    [full] = desk.draws(world.actors["supervisor"], lot)
    assert len(full["picks"]) == 5 and len(full["exclusions"]) == 4
    with pytest.raises(Refusal):
        desk.pool(world.actors["bidder1"])
    assert len(desk.pool(world.actors["staff"], "A0101")) == 9


def test_profiles_refuse_bad_input_and_write_nothing(drawn_world: tuple[TenderWorld, str]) -> None:
    world, _ = drawn_world
    desk, staff = world.services.experts, world.actors["staff"]
    expert = world.persons["expert1"]
    with world.services.store.read() as session:
        before = session.count("events")
    cases = [
        (SetExpertProfile(expert, ("a01",), "senior", "530100"), None),  # valid: accepted at the end
        (SetExpertProfile(expert, ("A1",), "senior", "530100"), "specialties"),
        (SetExpertProfile(expert, ("A01",), "chief", "530100"), "level"),
        (SetExpertProfile(expert, ("A01",), "senior", "5301"), "region"),
        (SetExpertProfile(expert, ("A01",), "senior", "530100", "P-NONE"), "employer_id"),
        (SetExpertProfile(world.persons["pm1"], ("A01",), "senior", "530100"), "person_id"),
    ]
    for cmd, field in cases[1:]:
        with pytest.raises(Refusal) as refused:
            desk.set_profile(staff, cmd)
        assert refused.value.field == field
    with pytest.raises(Refusal) as refused:
        desk.set_profile(world.actors["bidder1"], cases[0][0])
    assert refused.value.status == 403
    with world.services.store.read() as session:
        assert session.count("events") == before
    [event] = desk.set_profile(staff, cases[0][0])
    assert event.payload["specialties"] == ["A01"]  # codes are upper-cased
