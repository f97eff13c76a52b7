"""The supervision desk through the services, on SQLite and PostgreSQL.

Alerts are recorded idempotently, the workflow is authorized and witnessed, watch-listed
subjects raise alerts the moment they sign in, register or are drawn, rule warnings
become alerts, a sanction refuses bid registration, and the desk's read tables are
exactly what replaying the ledger gives.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql import event_store, projections
from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.database import create_schema, make_engine
from jianzheng.domain import commands as c
from jianzheng.domain import credit as cr
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.supervision import run_batch
from jianzheng.supervision.alert import Alert
from jianzheng.supervision.frames import frames_from_records
from jianzheng.supervision.indicators.proc_rule import alert_for_warning
from tests.support.tender import PASSWORD, TenderWorld, announce, basic_account, bid, register_lot

FIXTURES = Path(__file__).resolve().parents[1] / "supervision" / "fixtures"
DESK_TABLES = (t.alerts, t.alert_links, t.alert_comments, t.watchlist, t.credit_records)


def fixture_alerts(code: str) -> list[Alert]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    return run_batch(frames_from_records(given["frames"]), given["settings"], indicators=[code])


def events(world: TenderWorld) -> int:
    with world.services.store.read() as session:
        return session.count("events")


def alerts(world: TenderWorld, **filters: Any) -> list[dict[str, Any]]:
    return world.services.desk.alerts(world.actors["supervisor"], filters, limit=1000)[1]


def test_raising_the_same_alerts_twice_records_them_once(world: TenderWorld) -> None:
    desk = world.services.desk
    found = fixture_alerts("R018") + fixture_alerts("PROC-LATE-CONTRACT")
    assert len(found) >= 2
    first = desk.raise_alerts(found[:1])
    assert first == [found[0].id]
    before = events(world)
    assert desk.raise_alerts(found[:1]) == []
    assert events(world) == before  # nothing appended at all
    assert desk.raise_alerts(found + found) == [a.id for a in found[1:]]  # duplicates inside a batch too
    stored = alerts(world)
    assert sorted(r["alert_id"] for r in stored) == sorted(a.id for a in found)
    row = next(r for r in stored if r["alert_id"] == found[0].id)
    assert row["evidence"] == found[0].to_json()["evidence"] and row["status"] == "new" and row["source"] == "batch"
    assert row["article"]  # the indicator's declared basis
    with world.services.store.read() as session:
        raised = session.log({"type": "alert.raised"}, 100, 0)[1]
    assert {e.actor for e in raised} == {"system"}


def test_only_the_platform_and_supervisors_raise_alerts(world: TenderWorld) -> None:
    before = events(world)
    with pytest.raises(Refusal) as refused:
        world.services.desk.raise_alerts(fixture_alerts("R018"), world.actors["staff"])
    assert refused.value.status == 403
    assert events(world) == before


def test_the_workflow_is_witnessed_and_only_supervisors_act(world: TenderWorld) -> None:
    desk = world.services.desk
    world.account("supervisor2", Role.SUPERVISOR)
    [alert_id] = desk.raise_alerts(fixture_alerts("R018"))
    staff, sup, bidder = world.actors["staff"], world.actors["supervisor"], world.actors["bidder1"]
    before = events(world)
    for who in (staff, bidder):
        with pytest.raises(Refusal) as refused:
            desk.acknowledge(who, alert_id)
        assert refused.value.status == 403
    with pytest.raises(Refusal) as refused:
        desk.alerts(bidder)
    assert refused.value.status == 403
    assert events(world) == before
    assert desk.alerts(staff)[0] == 1  # staff may look
    desk.acknowledge(sup, alert_id, "已签收")
    with pytest.raises(Refusal) as refused:
        desk.dismiss(sup, alert_id, "误报")  # not yet under review
    assert refused.value.code == "alert.illegal_transition"
    desk.assign(sup, alert_id, "supervisor2", "请核查")
    desk.start_review(world.actors["supervisor2"], alert_id)
    desk.comment(world.actors["supervisor2"], alert_id, "已调取开标记录")
    with pytest.raises(Refusal) as refused:
        desk.assign(sup, alert_id, "staff")
    assert refused.value.field == "assignee"
    desk.transfer(sup, alert_id, "昆明市纪委监委", "疑似围标，移送查处")
    detail = desk.alert(staff, alert_id)
    assert detail["status"] == "transferred" and detail["transferred_to"] == "昆明市纪委监委"
    assert detail["resolution"] == "疑似围标，移送查处" and detail["closed_by"] == sup.user_id
    assert detail["assignee_name"] == "账号supervisor2"
    assert [h["type"] for h in detail["history"]] == ["alert.raised", "alert.acknowledged", "alert.assigned",
                                                      "alert.review_started", "alert.commented", "alert.transferred"]
    assert [c["text"] for c in detail["comments"]] == ["已调取开标记录"]
    assert detail["comments"][0]["author_name"] == "账号supervisor2"
    assert detail["next_actions"] == ["comment"]
    assert {e["seq"] for e in detail["evidence_events"]} <= {s for item in detail["evidence"]
                                                            for s in item["event_seqs"]}
    assert desk.alerts(sup, {"status": ["transferred"]})[0] == 1
    assert desk.alerts(sup, {"status": "new"})[0] == 0
    assert desk.alerts(sup, {"assignee": "supervisor2"})[0] == 1
    assert desk.alerts(sup, {"assignee": "none"})[0] == 0
    with pytest.raises(Refusal) as refused:
        desk.alerts(sup, {"status": ["open"]})
    assert refused.value.field == "status"


def test_filters_by_lot_party_text_and_severity(world: TenderWorld) -> None:
    desk = world.services.desk
    found = fixture_alerts("PROC-LATE-REFUND") + fixture_alerts("R018")
    desk.raise_alerts(found)
    sup = world.actors["supervisor"]
    assert {r["indicator"] for r in alerts(world, lot_id="L1")} == {"PROC-LATE-REFUND", "R018"}
    assert [r["indicator"] for r in alerts(world, party_id="B2")] == ["PROC-LATE-REFUND"]
    assert [r["indicator"] for r in alerts(world, text="保证金")] == ["PROC-LATE-REFUND"]
    assert [r["indicator"] for r in alerts(world, text="100%")] == []  # % is literal
    assert alerts(world, severity=["high"]) == []
    total, page = desk.alerts(sup, {}, "raised", limit=1, offset=1)
    assert total == len(found) and len(page) == 1
    counts = desk.alert_counts(sup)
    assert counts["status"] == {"new": len(found)}


def test_a_watched_bidder_raises_alerts_at_sign_in_and_registration(world: TenderWorld) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    entry = desk.watch(sup, "bidder", world.parties["bidder2"], "多次陪标", now + timedelta(days=90))[0].payload
    with world.services.live.subscription({"alert"}) as feed:
        world.services.auth.login("bidder2", PASSWORD, source_ip="10.1.2.3")
        [hit] = alerts(world, indicator=["WATCHLIST"])
        assert hit["subject"] == "bidder" and hit["subject_id"] == world.parties["bidder2"]
        assert hit["severity"] == "high" and hit["source"] == "watchlist"
        assert "登录平台" in hit["explanation_zh"] and "多次陪标" in hit["explanation_zh"]
        activity = next(e for e in hit["evidence"] if e["fact"] == "activity")
        assert activity["value"]["source_ip"] == "10.1.2.3" and activity["value"]["username"] == "bidder2"
        watch = next(e for e in hit["evidence"] if e["fact"] == "watch_entry")
        assert watch["value"]["entry_id"] == entry["entry_id"]
        message = feed.get(timeout=5)
        assert message is not None and message.topic == "alert.raised"
        assert message.data["alert_id"] == hit["alert_id"] and message.seq == hit["raised_seq"]
    lot = register_lot(world)
    announce(world, lot)
    bid(world, lot, "bidder2", 950_000_000)
    bid(world, lot, "bidder1", 960_000_000)  # not watched: no alert
    hits = alerts(world, indicator=["WATCHLIST"], lot_id=lot)
    assert len(hits) == 1 and "报名投标" in hits[0]["explanation_zh"]
    # Removed from the list: no more alerts.
    desk.unwatch(sup, entry["entry_id"], "核查无异常")
    world.services.auth.login("bidder2", PASSWORD)
    assert len(alerts(world, indicator=["WATCHLIST"])) == 2
    assert [r["entry_id"] for r in desk.watchlist(sup, "removed")] == [entry["entry_id"]]
    assert desk.watchlist(sup) == []


def test_a_watched_expert_raises_an_alert_when_drawn_and_expired_entries_are_silent(world: TenderWorld) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    desk.watch(sup, "expert", world.persons["expert3"], "评分偏差较大", now + timedelta(days=90))
    desk.watch(sup, "expert", world.persons["expert4"], "已到期", now + timedelta(days=1))
    lot = register_lot(world)
    announce(world, lot)
    for i in range(1, 4):
        bid(world, lot, f"bidder{i}", 950_000_000 + i)
    world.clock.advance(timedelta(days=21))
    world.platform.open_bids(world.actors["agency"], lot)
    world.platform.lot_command(world.actors["staff"], lot, c.FormCommittee(tuple(
        c.CommitteeMember(world.persons[f"expert{i}"], "expert", chair=i == 1) for i in range(1, 6))))
    hits = alerts(world, indicator=["WATCHLIST"])
    assert [(h["subject"], h["subject_id"]) for h in hits] == [("expert", world.persons["expert3"])]
    assert hits[0]["person_ids"] == [world.persons["expert3"]] and hits[0]["lot_ids"] == [lot]
    assert "被抽取为评标委员会成员" in hits[0]["explanation_zh"]
    assert [r["status"] for r in desk.watchlist(sup, "all")] == ["expired", "in_force"]


def test_watch_entries_are_checked(world: TenderWorld) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    until = world.clock.now() + timedelta(days=30)
    before = events(world)
    for kind, subject, field in (("expert", world.parties["bidder1"], "subject_id"),
                                 ("bidder", world.persons["expert1"], "subject_id"),
                                 ("bidder", "P-NOBODY", "subject_id"),
                                 ("auditor", world.parties["bidder1"], "kind")):
        with pytest.raises(Refusal) as refused:
            desk.watch(sup, kind, subject, "理由", until)
        assert refused.value.field == field
    with pytest.raises(Refusal) as refused:
        desk.watch(world.actors["staff"], "bidder", world.parties["bidder1"], "理由", until)
    assert refused.value.status == 403
    assert events(world) == before
    desk.watch(sup, "bidder", world.parties["bidder1"], "理由", until)
    with pytest.raises(Refusal) as refused:
        desk.watch(sup, "bidder", world.parties["bidder1"], "再次", until + timedelta(days=5))
    assert refused.value.code == "watchlist.duplicate"


def test_rule_warnings_become_alerts_with_the_batch_id(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    actor = world.actors["bidder3"]
    world.platform.lot_command(actor, lot, c.RegisterBidder())
    world.platform.lot_command(actor, lot, c.PayDeposit(10_000_000, "6222999900001111", "农业银行"))
    [alert] = alerts(world, indicator=["PROC-RULE"])
    assert alert["article"] == "招标投标法实施条例第二十六条 / Regs 26"
    assert alert["severity"] == "high" and alert["party_ids"] == [world.parties["bidder3"]]
    assert alert["lot_ids"] == [lot] and alert["source"] == "rule"
    with world.services.store.read() as session:
        [warning] = session.rows("rule_warnings", {"lot_id": lot})
    batch = alert_for_warning(warning["seq"], warning["lot_id"], warning["rule"], warning["article"],
                              warning["text_zh"], warning["text_en"], warning["facts"])
    assert batch.id == alert["alert_id"]  # the batch over the rule_warnings frame will not raise it again
    assert world.services.desk.raise_alerts([batch]) == []
    assert basic_account(world, world.parties["bidder3"]) != "6222999900001111"


def test_a_sanction_that_bars_bidding_refuses_registration_until_revoked(world: TenderWorld) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    now = world.clock.now()
    record = desk.record_credit(sup, cr.RecordCredit(
        "party", world.parties["bidder4"], "提供虚假材料骗取中标", "bid_ban", "招标投标法第五十四条 / Law 54",
        "昆明市公共资源交易管理局", now - timedelta(days=10), now + timedelta(days=365), "昆公管罚〔2026〕7号"))
    record_id = record[0].payload["record_id"]
    desk.record_credit(sup, cr.RecordCredit(
        "party", world.parties["bidder5"], "逾期提交资料", "warning", "管理办法", "昆明市公管局", now,
        now + timedelta(days=30), published=False))
    lot = register_lot(world)
    announce(world, lot)
    before = events(world)
    with pytest.raises(Refusal) as refused:
        world.platform.lot_command(world.actors["bidder4"], lot, c.RegisterBidder())
    r = refused.value
    assert r.code == "credit.sanctioned" and r.status == 409 and record_id in r.message_zh
    assert "招标投标法第五十四条" in (r.article or "") and "2027-03-02" in r.message_en
    assert events(world) == before
    world.platform.lot_command(world.actors["bidder5"], lot, c.RegisterBidder())  # a warning does not bar
    # The public sees the published record only, without internal fields.
    total, public = desk.credit_records(Actor.anonymous())
    assert total == 1 and public[0]["record_id"] == record_id and "recorded_by" not in public[0]
    assert public[0]["status"] == "in_force" and public[0]["sanction_zh"] == "取消投标资格"
    assert desk.credit_records(world.actors["staff"])[0] == 2
    assert desk.credit_records(Actor.anonymous(), in_force=True, bars_bidding=True)[0] == 1
    desk.revoke_credit(sup, record_id, "行政复议撤销原处罚决定")
    assert desk.credit_records(Actor.anonymous())[0] == 0
    with pytest.raises(Refusal) as refused:
        desk.credit_record(Actor.anonymous(), record_id)
    assert refused.value.status == 404
    assert desk.credit_record(sup, record_id)["status"] == "revoked"
    world.platform.lot_command(world.actors["bidder4"], lot, c.RegisterBidder())


def test_confirming_an_alert_records_credit_in_the_same_transaction(world: TenderWorld) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    [alert_id] = desk.raise_alerts(fixture_alerts("R018"))
    desk.acknowledge(sup, alert_id)
    desk.start_review(sup, alert_id)
    now = world.clock.now()
    bad = cr.RecordCredit("party", "P-NOBODY", "串通投标", "bid_ban", "实施条例第六十七条", "公管局", now,
                          now + timedelta(days=365))
    before = events(world)
    with pytest.raises(Refusal) as refused:
        desk.confirm(sup, alert_id, "查实", bad)
    assert refused.value.field == "credit.subject_id"
    assert events(world) == before  # neither the confirmation nor the record
    good = cr.RecordCredit("party", world.parties["bidder1"], "串通投标", "bid_ban", "实施条例第六十七条", "公管局",
                           now, now + timedelta(days=365))
    appended = desk.confirm(sup, alert_id, "查实", good)
    assert [e.type for e in appended] == ["alert.confirmed", "credit.recorded"]
    detail = desk.alert(sup, alert_id)
    assert detail["status"] == "confirmed" and detail["credit_record"]["source_alert_id"] == alert_id


def test_desk_tables_equal_a_replay_of_the_ledger(world: TenderWorld, tmp_path: Path) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    ids = desk.raise_alerts(fixture_alerts("PROC-LATE-REFUND") + fixture_alerts("R018"))
    desk.acknowledge(sup, ids[0])
    desk.comment(sup, ids[0], "批注")
    desk.start_review(sup, ids[0])
    desk.dismiss(sup, ids[0], "已退还，系银行系统延迟")
    now = world.clock.now()
    entry = desk.watch(sup, "agency", world.parties["agency"], "代理项目异常集中", now + timedelta(days=9))
    desk.unwatch(sup, entry[0].payload["entry_id"], "核实")
    desk.record_credit(sup, cr.RecordCredit("person", world.persons["expert2"], "评标打分明显不公", "expert_suspension",
                                            "实施条例第七十一条", "公管局", now, now + timedelta(days=180)))
    world.services.auth.login("agency", PASSWORD)
    replay = make_engine(f"sqlite:///{tmp_path / 'replay.db'}")
    create_schema(replay)
    with world.services.engine.connect() as source, replay.begin() as target:
        for _, entry_text in event_store.iter_all(source):
            projections.apply(target, event_store.from_entry(entry_text))
    for table in DESK_TABLES:
        keys = [col for col in table.primary_key.columns]
        with world.services.engine.connect() as live, replay.connect() as rebuilt:
            got = [dict(r) for r in live.execute(sa.select(table).order_by(*keys)).mappings()]
            again = [dict(r) for r in rebuilt.execute(sa.select(table).order_by(*keys)).mappings()]
        assert got, table.name
        assert got == again, table.name
    replay.dispose()


def test_hall_sign_in_of_a_watched_bidder_and_a_failing_listener_never_fails_the_command(
        world: TenderWorld, caplog: pytest.LogCaptureFixture) -> None:
    desk, sup = world.services.desk, world.actors["supervisor"]
    desk.watch(sup, "bidder", world.parties["bidder1"], "开标异常", world.clock.now() + timedelta(days=30))
    # The desk hears every appended event; here a hall sign-in as the opening hall appends it.
    signed = WitnessedEvent(9001, world.clock.now(), world.actors["bidder1"].user_id, "bidder", "10.9.8.7", "CMD-H",
                            "lot.hall_signed_in", "lot:PRJX-01", {"bidder_id": world.parties["bidder1"]})
    desk.on_events([signed])
    [hit] = alerts(world, indicator=["WATCHLIST"])
    assert "在开标大厅签到" in hit["explanation_zh"] and hit["lot_ids"] == ["PRJX-01"]
    broken = WitnessedEvent(9002, world.clock.now(), "system", "system", "127.0.0.1", "CMD-X", "rule.warning",
                            "lot:PRJX-01", {"rule": "law46.contract-deadline"})  # no article, text or facts
    before = events(world)
    desk.on_events([broken])  # logged, not raised: the command that appended it has committed
    assert events(world) == before
    assert "supervision desk: could not process events 9002..9002" in caplog.text
