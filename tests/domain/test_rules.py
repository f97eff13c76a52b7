"""One test per statutory rule, named after its article, on the pure domain.

Each shows the refusal (with the article in the Refusal) of a blocking rule, or the
`rule.warning` event of a warning rule, and the compliant case next to it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta

import pytest

from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.rules import RULES
from tests.domain.lotkit import AGENCY, DOC, FACTORS, TENDERER, LotDriver, party, warnings


def refused(driver: LotDriver, command: object, rule: str, party_id: str | None = None,
            person_id: str | None = None) -> Refusal:
    """Run a command that must be refused by `rule`; the state must be unchanged."""
    before = copy.deepcopy(driver.state)
    with pytest.raises(Refusal) as caught:
        driver.run(command, party_id, person_id)
    assert caught.value.code == f"rule.{rule}"
    assert caught.value.article == RULES[rule].article
    assert RULES[rule].article in caught.value.message_zh + caught.value.message_en + str(caught.value)
    assert driver.state == before
    return caught.value


def test_law24_issue_to_deadline_at_least_20_days() -> None:
    d = LotDriver()
    d.to_filed()
    short = c.PublishAnnouncement(d.now, d.now + timedelta(days=7), d.now + timedelta(days=19), "公告")
    refusal = refused(d, short, "law24.issue-to-deadline", AGENCY)
    assert refusal.details["days"] == 19
    d.announce(deadline_days=20)
    assert d.state.stage is Stage.BIDDING


def test_regs16_sale_period_at_least_5_days() -> None:
    d = LotDriver()
    d.to_filed()
    short = c.PublishAnnouncement(d.now, d.now + timedelta(days=4), d.now + timedelta(days=21), "公告")
    refused(d, short, "regs16.sale-period", AGENCY)
    d.announce(sale_days=5)
    assert d.state.stage is Stage.BIDDING


def test_law23_late_amendment_moves_deadline() -> None:
    d = LotDriver()
    d.to_bidding()
    old = d.state.bid_deadline
    assert old is not None
    d.advance(days=11)  # 10 days before the deadline
    events = d.run(c.IssueClarification("修改工程量清单", affects_bids=True), AGENCY)
    assert [e.type for e in events] == ["lot.clarification_issued", "lot.deadline_extended"]
    moved = events[1].payload
    assert moved["rule"] == "law23.late-amendment"
    assert d.state.bid_deadline == d.now + timedelta(days=15)
    assert d.state.bid_deadline > old
    # A clarification that does not affect the bids leaves the deadline alone.
    events = d.run(c.IssueClarification("答疑：开标地点", affects_bids=False), AGENCY)
    assert [e.type for e in events] == ["lot.clarification_issued"]


def test_law23_amendment_in_time_keeps_deadline() -> None:
    d = LotDriver()
    d.to_bidding()
    old = d.state.bid_deadline
    d.advance(days=6)  # 15 days before
    events = d.run(c.IssueClarification("修改", affects_bids=True), AGENCY)
    assert [e.type for e in events] == ["lot.clarification_issued"]
    assert d.state.bid_deadline == old


def test_regs22_objection_deadline() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1")
    d.advance(days=12)  # 9 days before the deadline
    refused(d, c.RaiseObjection("documents", "资格条件排斥潜在投标人"), "regs22.objection-deadline", "P-B1")
    d2 = LotDriver()
    d2.to_bidding()
    d2.join("P-B1")
    d2.advance(days=11)  # exactly 10 days before: in time
    events = d2.run(c.RaiseObjection("documents", "资格条件排斥潜在投标人"), "P-B1")
    assert [e.type for e in events] == ["lot.objection_raised", "lot.suspended"]
    assert d2.state.stage is Stage.SUSPENDED


def test_regs22_objection_answer_warning() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1")
    events = d.run(c.RaiseObjection("documents", "评分标准不明确"), "P-B1")
    objection = events[0].payload["objection_id"]
    d.advance(days=4)
    events = d.run(c.AnswerObjection(objection, "已澄清"), AGENCY)
    assert warnings(events) == ["regs22.objection-answer"]
    assert events[-1].type == "lot.resumed"
    assert d.state.stage is Stage.BIDDING


def test_regs22_objection_answer_in_time_no_warning() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1")
    objection = d.run(c.RaiseObjection("documents", "评分标准不明确"), "P-B1")[0].payload["objection_id"]
    d.advance(days=3)
    assert warnings(d.run(c.AnswerObjection(objection, "已澄清"), AGENCY)) == []


def test_regs26_deposit_ratio() -> None:
    d = LotDriver(estimate_fen=1_000_000_000)
    over = c.CompileDocuments(DOC, "comprehensive", FACTORS, 20_000_001)
    refused(d, over, "regs26.deposit-ratio", AGENCY)
    d.run(c.CompileDocuments(DOC, "comprehensive", FACTORS, 20_000_000), AGENCY)  # exactly 2%
    assert d.state.deposit_fen == 20_000_000
    d.run(c.ConfirmDocuments(1), TENDERER)
    d.run(c.FileDocuments(True))
    d.announce()
    d.join("P-B1")
    refused(d, c.PayDeposit(20_000_001, "ACCT-P-B1", "建设银行"), "regs26.deposit-ratio", "P-B1")


def test_regs26_basic_account_warning() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1")
    events = d.run(c.PayDeposit(d.state.deposit_fen, "OTHER-ACCOUNT", "农业银行"), "P-B1")
    assert warnings(events) == ["regs26.basic-account"]
    assert events[0].payload["from_basic_account"] is False
    d.join("P-B2")
    assert warnings(d.run(c.PayDeposit(d.state.deposit_fen, "ACCT-P-B2", "建设银行"), "P-B2")) == []


def test_order20_art28_late_bid_refused() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1")
    assert d.state.bid_deadline is not None
    d.now = d.state.bid_deadline - timedelta(milliseconds=1)
    events = d.run(c.SubmitBid("c" * 64, "d" * 64, ()), "P-B1")  # one millisecond before: on time
    assert events[0].type == "lot.bid_submitted"
    d.now = d.state.bid_deadline  # exactly at the deadline's millisecond: late
    refused(d, c.SubmitBid("e" * 64, "f" * 64, ()), "order20.late-bid", "P-B1")


def test_law34_opening_before_deadline_refused() -> None:
    d = LotDriver()
    d.to_bidding()
    for i in range(1, 4):
        d.bid(f"P-B{i}")
    assert d.state.bid_deadline is not None
    d.now = d.state.bid_deadline - timedelta(milliseconds=1)
    opened = tuple(c.OpenedBid(b.bid_id, 900_000_000, None, None, None) for b in d.state.active_bids())
    refused(d, c.OpenBids(opened), "law34.opening-time", AGENCY)
    d.to_deadline()
    assert warnings(d.run(c.OpenBids(opened), AGENCY)) == []
    assert d.state.stage is Stage.OPENED


def test_law34_late_opening_warning() -> None:
    d = LotDriver()
    d.to_bidding()
    for i in range(1, 4):
        d.bid(f"P-B{i}")
    d.to_deadline()
    d.advance(minutes=31)
    events = d.open()
    assert warnings(events) == ["law34.opening-late"]
    assert d.state.stage is Stage.OPENED


def test_law28_regs44_fewer_than_three_bids_fails() -> None:
    d = LotDriver()
    d.to_bidding()
    d.bid("P-B1")
    d.bid("P-B2")
    d.to_deadline()
    events = d.run(c.OpenBids(), AGENCY)
    assert events[0].type == "lot.failed"
    assert events[0].payload["reason"] == "too_few_bids"
    assert events[0].payload["bid_count"] == 2
    assert "Law 28" in events[0].payload["article"] and "Regs 44" in events[0].payload["article"]
    assert d.state.stage is Stage.FAILED
    d.run(c.Retender("投标人不足三家"), AGENCY)
    assert d.state.stage is Stage.REGISTERED and d.state.round == 2


def test_regs34_related_bidders_same_legal_representative() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-B1", party("P-B1", rep="H-SAME"))
    d.parties["P-B2"] = party("P-B2", rep="H-SAME")
    refusal = refused(d, c.RegisterBidder(), "regs34.related-bidders", "P-B2")
    assert refusal.details["relation"] == "same_legal_representative"
    d.join("P-B3", party("P-B3"))  # unrelated company registers
    assert "P-B3" in d.state.registrations


def test_regs34_related_bidders_controlling_shareholder() -> None:
    d = LotDriver()
    d.to_bidding()
    d.join("P-PARENT", party("P-PARENT"))
    d.parties["P-CHILD"] = party("P-CHILD", shareholders={"P-PARENT": 5100})
    refusal = refused(d, c.RegisterBidder(), "regs34.related-bidders", "P-CHILD")
    assert refusal.details["relation"] == "control"
    d.parties["P-SISTER"] = party("P-SISTER", shareholders={"H-OWNER": 6000})
    d.join("P-SISTER")
    d.parties["P-SISTER2"] = party("P-SISTER2", shareholders={"H-OWNER": 7000})
    refusal = refused(d, c.RegisterBidder(), "regs34.related-bidders", "P-SISTER2")
    assert refusal.details["relation"] == "same_controlling_shareholder"
    d.parties["P-MINOR"] = party("P-MINOR", shareholders={"P-PARENT": 5000})  # half is not control
    d.join("P-MINOR")
    assert "P-MINOR" in d.state.registrations


@pytest.mark.parametrize(("experts", "representatives", "why"), [
    (4, 0, "four members"), (5, 1, "an even number"), (3, 2, "too few experts"),
])
def test_law37_committee(experts: int, representatives: int, why: str) -> None:
    d = LotDriver()
    d.to_opened()
    refusal = refused(d, c.FormCommittee(d.committee(experts, representatives)), "law37.committee")
    assert refusal.details["members"] == experts + representatives, why


def test_law37_committee_valid() -> None:
    d = LotDriver()
    d.to_opened()
    d.run(c.FormCommittee(d.committee(5, 2)))  # 7 members, 5 experts >= 2/3
    assert d.state.stage is Stage.EVALUATION


def test_regs46_expert_avoidance() -> None:
    d = LotDriver()
    d.to_opened()
    members = d.committee()
    # The third expert works for a bidder; the fourth is the tenderer's legal representative.
    d.parties[TENDERER] = party(TENDERER, rep=members[3].person_id)
    employers: dict[str, str | None] = {m.person_id: None for m in members}
    employers[members[2].person_id] = "P-BIDDER1"
    refusal = refused(d, c.FormCommittee(members, employers), "regs46.expert-avoidance")
    found = {(x["person_id"], x["reason"], x["facts"]["party_role"]) for x in refusal.details["conflicts"]}
    assert found == {(members[2].person_id, "employer", "bidder"),
                     (members[3].person_id, "legal_representative", "tenderer")}
    d.parties[TENDERER] = party(TENDERER)
    employers[members[2].person_id] = "P-SOMEONE-ELSE"
    d.run(c.FormCommittee(members, employers))
    assert d.state.stage is Stage.EVALUATION and d.state.evaluation.selection == "direct"


def test_regs54_publish_late_warning() -> None:
    d = LotDriver()
    d.to_evaluated()
    d.advance(days=4)
    events = d.run(c.PublishCandidates(d.now + timedelta(days=3)), AGENCY)
    assert warnings(events) == ["regs54.publish-candidates"]
    assert d.state.stage is Stage.CANDIDATES_PUBLISHED


def test_regs54_publicity_period_blocks_award() -> None:
    d = LotDriver()
    d.to_evaluated()
    refused(d, c.PublishCandidates(d.now + timedelta(days=2)), "regs54.publicity-period", AGENCY)
    d.run(c.PublishCandidates(d.now + timedelta(days=3)), AGENCY)
    first = d.state.candidates[0]["bidder_id"]
    assert d.state.publicity_end is not None
    d.now = d.state.publicity_end - timedelta(milliseconds=1)
    refused(d, c.Award(first), "regs54.publicity-period", TENDERER)
    d.now = d.state.publicity_end
    d.run(c.Award(first), TENDERER)
    assert d.state.stage is Stage.AWARDED


def test_regs55_first_candidate() -> None:
    d = LotDriver(state_funded=True)
    d.to_published()
    d.advance(days=4)
    second = d.state.candidates[1]["bidder_id"]
    refusal = refused(d, c.Award(second), "regs55.first-candidate", TENDERER)
    assert refusal.details["chosen_bidder_id"] == second
    d.run(c.Award(second, reason="第一中标候选人放弃中标"), TENDERER)
    assert d.state.awarded_bidder_id == second


def test_regs55_does_not_apply_without_state_funds() -> None:
    d = LotDriver(state_funded=False)
    d.to_published()
    d.advance(days=4)
    second = d.state.candidates[1]["bidder_id"]
    d.run(c.Award(second), TENDERER)
    assert d.state.awarded_bidder_id == second


def test_law46_contract_late_warning() -> None:
    d = LotDriver()
    d.to_awarded()
    d.advance(days=31)
    events = d.run(c.SignContract(900_000_000, 0), TENDERER)
    assert warnings(events) == ["law46.contract-deadline"]
    assert d.state.stage is Stage.CONTRACTED


def test_regs57_refund_late_warning() -> None:
    d = LotDriver()
    d.to_contracted()
    deposits = list(d.state.deposits)
    d.advance(days=5)
    assert warnings(d.run(c.RefundDeposit(deposits[0], 100), AGENCY)) == []
    d.advance(days=1)
    events = d.run(c.RefundDeposit(deposits[1], 100), AGENCY)
    assert warnings(events) == ["regs57.deposit-refund"]
    events = d.run(c.RefundDeposit(deposits[2], 100), AGENCY)
    assert events[-1].type == "lot.completed"
    assert d.state.stage is Stage.COMPLETED


def test_regs58_performance_bond() -> None:
    d = LotDriver()
    d.to_awarded()
    refused(d, c.SignContract(900_000_000, 90_000_001), "regs58.performance-bond", TENDERER)
    d.run(c.SignContract(900_000_000, 90_000_000), TENDERER)  # exactly 10%
    assert d.state.stage is Stage.CONTRACTED


def test_regs60_complaint_deadline() -> None:
    d = LotDriver()
    d.to_published()
    refused(d, c.FileComplaint("评标不公", d.now - timedelta(days=11)), "regs60.complaint-deadline", "P-BIDDER3")
    events = d.run(c.FileComplaint("评标不公", d.now - timedelta(days=10)), "P-BIDDER3")
    assert events[0].type == "lot.complaint_filed"


def _complaint(d: LotDriver) -> str:
    d.to_published()
    return str(d.run(c.FileComplaint("评标不公", d.now), "P-BIDDER3")[0].payload["complaint_id"])


def test_regs61_acceptance_warning() -> None:
    d = LotDriver()
    complaint = _complaint(d)  # filed on a Tuesday (the day after the Monday evaluation)
    d.advance(days=6)  # the next Monday: 4 working days later
    events = d.run(c.AcceptComplaint(complaint, True))
    assert warnings(events) == ["regs61.complaint-acceptance"]
    assert d.state.stage is Stage.SUSPENDED


def test_regs61_acceptance_in_time() -> None:
    d = LotDriver()
    complaint = _complaint(d)
    d.advance(days=3)
    assert warnings(d.run(c.AcceptComplaint(complaint, True))) == []


def test_regs61_decision_warning() -> None:
    d = LotDriver()
    complaint = _complaint(d)
    d.run(c.AcceptComplaint(complaint, True))
    d.advance(days=43)  # more than 30 working days
    events = d.run(c.DecideComplaint(complaint, False, "投诉不成立"))
    assert warnings(events) == ["regs61.complaint-decision"]
    assert events[-1].type == "lot.resumed"
    assert d.state.stage is Stage.CANDIDATES_PUBLISHED


RULE_TESTS: dict[str, Callable[..., None]] = {
    "law24.issue-to-deadline": test_law24_issue_to_deadline_at_least_20_days,
    "regs16.sale-period": test_regs16_sale_period_at_least_5_days,
    "law23.late-amendment": test_law23_late_amendment_moves_deadline,
    "regs22.objection-deadline": test_regs22_objection_deadline,
    "regs22.objection-answer": test_regs22_objection_answer_warning,
    "regs26.deposit-ratio": test_regs26_deposit_ratio,
    "regs26.basic-account": test_regs26_basic_account_warning,
    "order20.late-bid": test_order20_art28_late_bid_refused,
    "law34.opening-time": test_law34_opening_before_deadline_refused,
    "law34.opening-late": test_law34_late_opening_warning,
    "regs34.related-bidders": test_regs34_related_bidders_same_legal_representative,
    "law37.committee": test_law37_committee,
    "regs46.expert-avoidance": test_regs46_expert_avoidance,
    "regs54.publish-candidates": test_regs54_publish_late_warning,
    "regs54.publicity-period": test_regs54_publicity_period_blocks_award,
    "regs55.first-candidate": test_regs55_first_candidate,
    "law46.contract-deadline": test_law46_contract_late_warning,
    "regs57.deposit-refund": test_regs57_refund_late_warning,
    "regs58.performance-bond": test_regs58_performance_bond,
    "regs60.complaint-deadline": test_regs60_complaint_deadline,
    "regs61.complaint-acceptance": test_regs61_acceptance_warning,
    "regs61.complaint-decision": test_regs61_decision_warning,
}


def test_every_rule_has_its_test() -> None:
    assert set(RULE_TESTS) == set(RULES)
