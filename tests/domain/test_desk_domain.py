"""The supervision desk's pure domain: the alert workflow, credit records, the watch list.

Every (status, action) pair of the alert workflow is tried: the legal ones produce their
event and the next status, the others are refused with a bilingual 409 naming the status.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jianzheng.domain import alerts as a
from jianzheng.domain import credit as cr
from jianzheng.domain import watchlist as w
from jianzheng.domain.commands import RegisterBidder
from jianzheng.domain.context import Context, PartyFacts
from jianzheng.domain.decisions import decide
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import EventDraft, WitnessedEvent
from jianzheng.domain.procedures import load_procedure
from jianzheng.domain.subjects import PARTY, PERSON, SubjectFacts
from tests.domain.lotkit import LotDriver

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BIDDER = SubjectFacts(PARTY, "P-B1", "甲建设有限公司", party_kind="bidder", credit_code="91530100MA00000121")
EXPERT = SubjectFacts(PERSON, "H-E1", "王五", person_roles=("expert",))
SUPERVISOR = a.Assignee("U-SUP2", "监督员乙", "supervisor")


def ctx(now: datetime = NOW) -> Context:
    counter = itertools.count(1)
    return Context(now=now, procedure=load_procedure(), new_id=lambda prefix: f"{prefix}{next(counter):03d}")


def raise_cmd(**changes: Any) -> a.RaiseAlert:
    base = a.RaiseAlert(
        alert_id="0123456789abcdef0123456789abcdef", indicator="REGS40-6", severity="high", subject="lot",
        subject_id="PRJ1-01", explanation_zh="两家投标人的保证金从同一账户转出",
        explanation_en="Two deposits, one account",
        lot_ids=("PRJ1-01",), parties=(("P-B1", "bidder"), ("P-B2", "bidder")),
        evidence=({"fact": "paying_account", "value": "6222000011112222", "event_seqs": [14, 19]},), value=2.0)
    return replace(base, **changes)


def witness(drafts: list[EventDraft], start: int = 1) -> list[WitnessedEvent]:
    return [WitnessedEvent(start + i, NOW, "U-SUP", "supervisor", "127.0.0.1", "CMD", d.type, d.stream, d.payload)
            for i, d in enumerate(drafts)]


def history_to(status: a.AlertStatus) -> list[WitnessedEvent]:
    """The events of an alert driven to `status` through the workflow's own decisions."""
    history = witness(a.decide_alert(a.AlertState("A1"), raise_cmd(alert_id="A1"), ctx()))
    path = {
        a.AlertStatus.NEW: [],
        a.AlertStatus.ACKNOWLEDGED: [a.AcknowledgeAlert()],
        a.AlertStatus.UNDER_REVIEW: [a.AcknowledgeAlert(), a.StartReview()],
        a.AlertStatus.TRANSFERRED: [a.AcknowledgeAlert(), a.StartReview(), a.TransferAlert("市纪委监委", "移送")],
        a.AlertStatus.DISMISSED: [a.AcknowledgeAlert(), a.StartReview(), a.DismissAlert("系正常业务往来")],
        a.AlertStatus.CONFIRMED: [a.AcknowledgeAlert(), a.StartReview(), a.ConfirmAlert("查实")],
    }[status]
    for command in path:
        state = a.fold_alert("A1", history)
        history += witness(a.decide_alert(state, command, ctx()), start=len(history) + 1)
    assert a.fold_alert("A1", history).status is status
    return history


def state_in(status: a.AlertStatus) -> a.AlertState:
    return a.fold_alert("A1", history_to(status))


ACTIONS: dict[str, tuple[Any, str, a.AlertStatus]] = {
    "acknowledge": (a.AcknowledgeAlert("已签收"), "alert.acknowledged", a.AlertStatus.ACKNOWLEDGED),
    "review": (a.StartReview(), "alert.review_started", a.AlertStatus.UNDER_REVIEW),
    "transfer": (a.TransferAlert("昆明市纪委监委", "围标线索"), "alert.transferred", a.AlertStatus.TRANSFERRED),
    "dismiss": (a.DismissAlert("同一集团财务代付，已核实"), "alert.dismissed", a.AlertStatus.DISMISSED),
    "confirm": (a.ConfirmAlert("查实串通投标"), "alert.confirmed", a.AlertStatus.CONFIRMED),
}
LEGAL = {("new", "acknowledge"), ("acknowledged", "review"), ("under_review", "transfer"),
         ("under_review", "dismiss"), ("under_review", "confirm")}


@pytest.mark.parametrize("status", list(a.AlertStatus), ids=str)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_status_and_action(status: a.AlertStatus, action: str) -> None:
    history = history_to(status)
    state = a.fold_alert("A1", history)
    command, kind, target = ACTIONS[action]
    if (status.value, action) in LEGAL:
        drafts = a.decide_alert(state, command, ctx())
        assert [d.type for d in drafts] == [kind]
        assert drafts[0].stream == "alert:A1"
        after = a.fold_alert("A1", history + witness(drafts, start=len(history) + 1))
        assert after.status is target
    else:
        with pytest.raises(Refusal) as refused:
            a.decide_alert(state, command, ctx())
        assert refused.value.code == "alert.illegal_transition"
        assert refused.value.status == 409
        assert status.label_zh in refused.value.message_zh and status.label_en in refused.value.message_en
        assert refused.value.details["status"] == status.value


def test_raise_payload_keeps_evidence_and_never_names_a_single_lot_id() -> None:
    drafts = a.decide_alert(a.AlertState("0123456789abcdef0123456789abcdef"), raise_cmd(), ctx())
    assert [d.type for d in drafts] == ["alert.raised"]
    p = drafts[0].payload
    assert p["party_ids"] == ["P-B1", "P-B2"] and p["lot_ids"] == ["PRJ1-01"]
    assert p["evidence"] == [{"fact": "paying_account", "value": "6222000011112222", "event_seqs": [14, 19]}]
    assert "lot_id" not in p  # keeps the alert out of the lot's operation log its owners read
    assert p["raised_at"] == "2026-03-02T01:00:00.000Z"
    assert p["value"] == "2.0"


def test_evidence_floats_become_decimal_strings_for_the_ledger() -> None:
    cmd = raise_cmd(alert_id="A1", value=1e-05,
                    evidence=({"fact": "screens", "value": {"cv": 0.0123, "n": 5, "ratio": [1.5, 2]}},))
    p = a.decide_alert(a.AlertState("A1"), cmd, ctx())[0].payload
    assert p["value"] == "0.00001"
    assert p["evidence"] == [{"fact": "screens", "value": {"cv": "0.0123", "n": 5, "ratio": ["1.5", 2]}}]
    assert float(p["evidence"][0]["value"]["cv"]) == 0.0123


def test_raising_twice_is_refused() -> None:
    state = a.fold_alert("A1", witness(a.decide_alert(a.AlertState("A1"), raise_cmd(alert_id="A1"), ctx())))
    with pytest.raises(Refusal, match="alert.exists"):
        a.decide_alert(state, raise_cmd(alert_id="A1"), ctx())


@pytest.mark.parametrize(("changes", "field"), [
    ({"severity": "urgent"}, "severity"),
    ({"subject": "tender"}, "subject"),
    ({"indicator": "regs40 6"}, "indicator"),
    ({"alert_id": "has space"}, "alert_id"),
    ({"explanation_zh": "  "}, "explanation_zh"),
    ({"source": "gossip"}, "source"),
    ({"value": float("nan")}, "value"),
    ({"evidence": ({"fact": "x", "value": float("inf")},)}, "evidence[0]"),
    ({"evidence": ({"fact": "x", "value": object()},)}, "evidence[0]"),
])
def test_bad_alerts_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(Refusal) as refused:
        a.decide_alert(a.AlertState(changes.get("alert_id", "A1")), raise_cmd(**{"alert_id": "A1", **changes}), ctx())
    assert refused.value.field == field and refused.value.status == 422
    assert refused.value.message_zh and refused.value.message_en


def test_unknown_alert_is_404() -> None:
    with pytest.raises(Refusal) as refused:
        a.decide_alert(a.AlertState("NOPE"), a.AcknowledgeAlert(), ctx())
    assert refused.value.status == 404


@pytest.mark.parametrize("command", [a.DismissAlert(" "), a.TransferAlert("", "note"), a.TransferAlert("纪委", " "),
                                     a.ConfirmAlert("")])
def test_closing_needs_its_reason(command: Any) -> None:
    with pytest.raises(Refusal) as refused:
        a.decide_alert(state_in(a.AlertStatus.UNDER_REVIEW), command, ctx())
    assert refused.value.status == 422 and refused.value.field in ("reason", "recipient", "note", "finding")


def test_assignment_only_to_an_active_supervisor_and_not_when_closed() -> None:
    state = state_in(a.AlertStatus.ACKNOWLEDGED)
    drafts = a.decide_alert(state, a.AssignAlert("U-SUP2"), ctx(), assignee=SUPERVISOR)
    assert drafts[0].type == "alert.assigned" and drafts[0].payload["assignee_id"] == "U-SUP2"
    assert a.fold_alert("A1", witness(drafts)).assignee_id == "U-SUP2"
    for who in (None, a.Assignee("U-STAFF", "员工", "staff"), replace(SUPERVISOR, disabled=True)):
        with pytest.raises(Refusal) as refused:
            a.decide_alert(state, a.AssignAlert("x"), ctx(), assignee=who)
        assert refused.value.field == "assignee"
    assigned = replace(state, assignee_id="U-SUP2")
    with pytest.raises(Refusal, match="already_assigned"):
        a.decide_alert(assigned, a.AssignAlert("U-SUP2"), ctx(), assignee=SUPERVISOR)
    with pytest.raises(Refusal, match="alert.closed"):
        a.decide_alert(state_in(a.AlertStatus.DISMISSED), a.AssignAlert("U-SUP2"), ctx(), assignee=SUPERVISOR)


def test_comments_are_open_in_every_status() -> None:
    for status in a.AlertStatus:
        drafts = a.decide_alert(state_in(status), a.CommentAlert("请补充开标记录"), ctx())
        assert drafts[0].type == "alert.commented" and drafts[0].payload["text"] == "请补充开标记录"
    with pytest.raises(Refusal):
        a.decide_alert(state_in(a.AlertStatus.NEW), a.CommentAlert(" "), ctx())


def credit_cmd(**changes: Any) -> cr.RecordCredit:
    base = cr.RecordCredit("party", "P-B1", "串通投标", "bid_ban", "招标投标法实施条例第六十七条",
                           "昆明市公共资源交易管理局", NOW, NOW + timedelta(days=365), "昆公管罚〔2026〕3号")
    return replace(base, **changes)


def test_confirming_with_credit_appends_both_events() -> None:
    drafts = a.decide_alert(state_in(a.AlertStatus.UNDER_REVIEW), a.ConfirmAlert("查实", credit_cmd()), ctx(),
                            credit_subject=BIDDER)
    assert [d.type for d in drafts] == ["alert.confirmed", "credit.recorded"]
    record = drafts[1].payload
    assert drafts[0].payload["credit_record_id"] == record["record_id"]
    assert record["source_alert_id"] == "A1" and record["bars_bidding"] is True
    assert record["credit_code"] == "91530100MA00000121" and record["subject_name"] == "甲建设有限公司"


@pytest.mark.parametrize(("changes", "subject", "field"), [
    ({}, None, "credit.subject_id"),
    ({"sanction": "jail"}, BIDDER, "credit.sanction"),
    ({"sanction": "expert_suspension"}, BIDDER, "credit.sanction"),
    ({"period_to": NOW}, BIDDER, "credit.period_to"),
    ({"basis": ""}, BIDDER, "credit.basis"),
    ({"subject_kind": "person"}, BIDDER, "credit.subject_id"),
])
def test_bad_credit_in_a_confirmation_refuses_the_confirmation(changes: dict[str, Any], subject: Any,
                                                              field: str) -> None:
    with pytest.raises(Refusal) as refused:
        a.decide_alert(state_in(a.AlertStatus.UNDER_REVIEW), a.ConfirmAlert("查实", credit_cmd(**changes)), ctx(),
                       credit_subject=subject)
    assert refused.value.field == field


def test_bid_ban_does_not_apply_to_a_person_and_expert_sanctions_not_to_a_party() -> None:
    with pytest.raises(Refusal):
        cr.record_credit(credit_cmd(subject_kind="person", subject_id="H-E1"), ctx(), EXPERT)
    drafts = cr.record_credit(credit_cmd(subject_kind="person", subject_id="H-E1", sanction="expert_suspension"),
                              ctx(), EXPERT)
    assert drafts[0].payload["bars_bidding"] is False and drafts[0].payload["credit_code"] is None


def test_revoking() -> None:
    events = witness(cr.record_credit(credit_cmd(), ctx(), BIDDER))
    record_id = events[0].payload["record_id"]
    state = cr.fold_credit(record_id, events)
    drafts = cr.revoke_credit(state, cr.RevokeCredit(record_id, "复议撤销"), ctx())
    assert drafts[0].type == "credit.revoked"
    revoked = cr.fold_credit(record_id, events + witness(drafts, 2))
    with pytest.raises(Refusal, match="credit.revoked"):
        cr.revoke_credit(revoked, cr.RevokeCredit(record_id, "again"), ctx())
    with pytest.raises(Refusal) as refused:
        cr.revoke_credit(state, cr.RevokeCredit(record_id, " "), ctx())
    assert refused.value.field == "reason"
    with pytest.raises(Refusal) as missing:
        cr.revoke_credit(cr.CreditState("CR-NONE"), cr.RevokeCredit("CR-NONE", "x"), ctx())
    assert missing.value.status == 404


def sanction(start: datetime, days: int, kind: str = "bid_ban", record_id: str = "CR1") -> cr.CreditSanction:
    return cr.CreditSanction(record_id, kind, "串通投标", "招标投标法实施条例第六十七条", "昆明市公管局", start,
                             start + timedelta(days=days))


def test_barring_sanction_is_in_force_only_inside_its_period() -> None:
    s = sanction(NOW, 365)
    assert cr.barring_sanction([s], NOW - timedelta(milliseconds=1)) is None
    assert cr.barring_sanction([s], NOW) == s
    assert cr.barring_sanction([s], NOW + timedelta(days=365)) is None  # the period ends before period_to
    assert cr.barring_sanction([sanction(NOW, 365, "fine")], NOW + timedelta(days=1)) is None
    longer = sanction(NOW, 700, "blacklist", "CR2")
    assert cr.barring_sanction([s, longer], NOW + timedelta(days=1)) == longer


def test_bid_registration_refuses_a_sanctioned_bidder_naming_record_period_and_basis() -> None:
    driver = LotDriver()
    driver.to_bidding()
    driver.parties["P-B1"] = PartyFacts("P-B1", "甲公司", "H-REP", "ACCT", {}, sanctions=(sanction(driver.now, 365),))
    with pytest.raises(Refusal) as refused:
        decide(driver.state, RegisterBidder(), driver.context("P-B1"))
    r = refused.value
    assert r.code == "credit.sanctioned" and r.status == 409
    assert "CR1" in r.message_zh and "CR1" in r.message_en
    assert "2026-03-02" in r.message_zh and "2027-03-02" in r.message_zh
    assert "招标投标法实施条例第六十七条" in r.message_zh
    assert r.article == "招标投标法实施条例第六十七条"
    assert r.details["record_id"] == "CR1"
    # An expired sanction, or one that does not bar bidding, lets the bidder register.
    driver.parties["P-B1"] = PartyFacts("P-B1", "甲公司", "H-REP", "ACCT", {},
                                        sanctions=(sanction(driver.now - timedelta(days=400), 365),
                                                   sanction(driver.now, 365, "fine", "CR3")))
    assert [d.type for d in decide(driver.state, RegisterBidder(), driver.context("P-B1"))] == [
        "lot.bidder_registered"]


def test_watch_entries() -> None:
    cmd = w.AddWatch("expert", "H-E1", "多次评分偏差", NOW, NOW + timedelta(days=180))
    drafts = w.add_watch(cmd, ctx(), EXPERT)
    assert drafts[0].type == "watchlist.added" and drafts[0].stream.startswith("watchlist:")
    assert drafts[0].payload["subject_name"] == "王五"
    entry_id = drafts[0].payload["entry_id"]
    state = w.fold_watch(entry_id, witness(drafts))
    removed = w.remove_watch(state, w.RemoveWatch(entry_id, "期满前核实无异常"), ctx())
    assert removed[0].type == "watchlist.removed"
    with pytest.raises(Refusal, match="watchlist.removed"):
        w.remove_watch(w.fold_watch(entry_id, witness(drafts + removed)), w.RemoveWatch(entry_id, "x"), ctx())


@pytest.mark.parametrize(("cmd", "subject", "field"), [
    (w.AddWatch("judge", "H-E1", "r", NOW, NOW + timedelta(days=1)), EXPERT, "kind"),
    (w.AddWatch("expert", "H-E1", "r", NOW, NOW + timedelta(days=1)), None, "subject_id"),
    (w.AddWatch("expert", "P-B1", "r", NOW, NOW + timedelta(days=1)), BIDDER, "subject_id"),
    (w.AddWatch("agency", "P-B1", "r", NOW, NOW + timedelta(days=1)), BIDDER, "subject_id"),
    (w.AddWatch("expert", "H-E1", " ", NOW, NOW + timedelta(days=1)), EXPERT, "reason"),
    (w.AddWatch("expert", "H-E1", "r", NOW, NOW), EXPERT, "valid_to"),
    (w.AddWatch("expert", "H-E1", "r", NOW - timedelta(days=9), NOW - timedelta(days=1)), EXPERT, "valid_to"),
])
def test_bad_watch_entries_are_refused(cmd: w.AddWatch, subject: SubjectFacts | None, field: str) -> None:
    with pytest.raises(Refusal) as refused:
        w.add_watch(cmd, ctx(), subject)
    assert refused.value.field == field


def test_an_overlapping_entry_for_the_same_subject_is_refused() -> None:
    with pytest.raises(Refusal) as refused:
        w.add_watch(w.AddWatch("bidder", "P-B1", "陪标", NOW, NOW + timedelta(days=30)), ctx(), BIDDER, ["W1"])
    assert refused.value.code == "watchlist.duplicate" and "W1" in refused.value.message_zh


def test_watch_entry_in_force() -> None:
    entry = w.WatchEntry("W1", "bidder", "P-B1", "甲", "陪标", NOW, NOW + timedelta(days=1))
    assert entry.in_force(NOW) and not entry.in_force(NOW + timedelta(days=1))
    assert not entry.in_force(NOW - timedelta(seconds=1))
