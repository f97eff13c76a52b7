"""`verify` covers the evaluation's read tables: replayed from the ledger they equal the live ones, and
an edit that bypasses the ledger (a pick made "confirmed", a page view lengthened) is named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql.verify.runner import VerifyOptions, verify
from jianzheng.domain import commands as c
from jianzheng.domain.draw import Requirement
from jianzheng.domain.experts import SetExpertAvailability, SetExpertProfile
from tests.support.tender import announce, bid, build_world, open_lot, register_lot


@pytest.mark.parametrize("replay", ["memory", "sql"])
def test_evaluation_tables_replay_and_tampering_is_found(tmp_path: Path, replay: str) -> None:
    data = tmp_path / "data"
    world = build_world(data, bidders=3, experts=6)
    staff, desk, p = world.actors["staff"], world.services.experts, world.platform
    for i in range(1, 7):
        desk.set_profile(staff, SetExpertProfile(world.persons[f"expert{i}"], ("A0101",), "senior", "530100"))
    desk.set_availability(staff, SetExpertAvailability(world.persons["expert6"], False, "休假",
                                                       world.clock.now() + timedelta(days=60)))
    lot = register_lot(world)
    announce(world, lot)
    for i in range(1, 4):
        bid(world, lot, f"bidder{i}", 900_000_000 + i * 1_000_000)
    open_lot(world, lot)
    events = desk.request_draw(staff, lot, [Requirement("A01", 5, 0)], "530100",
                               world.clock.now() + timedelta(days=1))
    request_id = events[0].payload["request_id"]
    drawn = [x["person_id"] for x in events[1].payload["picks"]]
    for person in drawn:
        desk.answer(staff, lot, request_id, person, True)
    p.lot_command(staff, lot, c.FormCommittee(tuple(c.CommitteeMember(x, "expert", chair=x == drawn[0])
                                                    for x in drawn)))
    key = {v: k for k, v in world.persons.items()}
    chair = world.actors[key[drawn[0]]]
    bids = world.services.queries.bids(staff, lot)
    world.clock.advance(timedelta(hours=2))
    p.lot_command(chair, lot, c.RecordReviewPages(tuple(
        c.PageView(b["bid_id"], b["documents"][0]["sha256"], page, world.clock.now() - timedelta(minutes=30), 40)
        for b in bids for page in (1, 2))))
    [asked] = p.lot_command(chair, lot, c.AskBidder(bids[0]["bid_id"], "请澄清工期", world.clock.now()
                                                    + timedelta(hours=5)))
    bidder = next(k for k, v in world.parties.items() if v == bids[0]["bidder_id"])
    p.lot_command(world.actors[bidder], lot, c.AnswerQuestion(asked.payload["question_id"], "工期300天"))
    for person in drawn:
        for b in bids:
            technical = 3900 if (person == drawn[4] and b["bid_id"] == bids[0]["bid_id"]) else 3000
            p.lot_command(world.actors[key[person]], lot, c.SubmitScores(
                b["bid_id"], {"technical": technical, "commercial": 1500, "price": 3500}))
    p.lot_command(world.actors[key[drawn[4]]], lot, c.ExplainDeviation(bids[0]["bid_id"], "technical", "方案最优"))
    p.lot_command(chair, lot, c.ReportEvaluation())
    for person in drawn:
        p.lot_command(world.actors[key[person]], lot, c.SignReport(person != drawn[1], "" if person != drawn[1]
                                                                   else "价格权重过高"))

    keys = tuple(k.read_text(encoding="utf-8").strip() for k in (data / "keys").glob("*.vkey"))
    options = VerifyOptions(platform_keys=keys, replay=replay)
    clean = verify(world.services.engine, options)
    assert clean.ok, [(d.kind, d.en) for d in clean.discrepancies]
    with world.services.engine.begin() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "expert_profiles", "expert_draws", "expert_draw_picks", "review_page_views", "evaluation_questions",
            "deviation_reasons", "report_signatures")}
        assert counts == {"expert_profiles": 6, "expert_draws": 1, "expert_draw_picks": 5,
                          "review_page_views": 2 * len(bids), "evaluation_questions": 1, "deviation_reasons": 1,
                          "report_signatures": 5}
        conn.execute(sa.text("UPDATE review_page_views SET seconds = 4000 WHERE idx = 0"))
        conn.execute(sa.text("UPDATE expert_profiles SET available = :t WHERE person_id = :x"),
                     {"t": True, "x": world.persons["expert6"]})
    found = verify(world.services.engine, options)
    assert not found.ok
    named = {(d.table, d.field) for d in found.discrepancies}
    assert ("review_page_views", "seconds") in named and ("expert_profiles", "available") in named, named
    world.services.engine.dispose()
