"""Special situations through the API: a failed tender and its re-tender, an objection, a Regs 26 warning."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Api
from tests.web.flows import bid, event_types, prepare, register_and_pay, register_project, submit


def test_failed_tender_is_retendered_and_the_second_round_opens(api: Api) -> None:
    lot = register_project(api)
    prepare(api, lot)
    bid(api, lot, "bidder1", 950_000_000)
    bid(api, lot, "bidder2", 960_000_000)
    api.world.clock.advance(timedelta(days=21))
    opened = api.ok("agency", "POST", f"/lots/{lot}/opening")
    assert "lot.failed" in event_types(opened)  # fewer than three bids (Law 28)
    assert api.stage(lot) == "failed"
    assert api.post("bidder1", f"/lots/{lot}/retender", json={"reason": "x"}).status_code == 403
    retendered = api.ok("agency", "POST", f"/lots/{lot}/retender", json={"reason": "投标人不足三家"})
    assert event_types(retendered) == ["lot.retendered"]
    assert api.stage(lot) == "registered"
    prepare(api, lot, round_no=2)
    for i, bidder in enumerate(("bidder3", "bidder4", "bidder5")):
        bid(api, lot, bidder, 970_000_000 + i)
    api.world.clock.advance(timedelta(days=21))
    assert event_types(api.ok("staff", "POST", f"/lots/{lot}/opening"))[0] == "lot.opened"
    assert api.stage(lot) == "opened"
    assert len(api.ok("public", "GET", f"/lots/{lot}/bids")) == 3


def test_objection_to_documents_suspends_the_lot_until_answered(api: Api) -> None:
    lot = register_project(api)
    prepare(api, lot)
    register_and_pay(api, lot, "bidder1")
    raised = api.ok("bidder1", "POST", f"/lots/{lot}/objections",
                    json={"subject": "documents", "text": "资格条件排斥潜在投标人"})
    assert event_types(raised)[0] == "lot.objection_raised" and "lot.suspended" in event_types(raised)
    objection_id = raised["events"][0]["payload"]["objection_id"]
    assert api.stage(lot) == "suspended"
    before = api.event_count()
    refused = submit(api, lot, "bidder1", 950_000_000)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "lot.suspended"
    assert api.event_count() == before
    assert api.post("bidder2", f"/lots/{lot}/objections/{objection_id}/answer",
                    json={"answer": "x"}).status_code == 403
    answered = api.ok("agency", "POST", f"/lots/{lot}/objections/{objection_id}/answer",
                      json={"answer": "资格条件符合规定，维持原文件"})
    assert event_types(answered)[0] == "lot.objection_answered" and "lot.resumed" in event_types(answered)
    assert api.stage(lot) == "bidding"
    accepted = submit(api, lot, "bidder1", 950_000_000)
    assert accepted.status_code == 200, accepted.text
    assert api.ok("staff", "GET", f"/lots/{lot}")["objections"][0]["objection_id"] == objection_id


def test_deposit_from_another_account_is_witnessed_as_a_regs26_warning(api: Api) -> None:
    lot = register_project(api)
    prepare(api, lot)
    api.ok("bidder1", "POST", f"/lots/{lot}/registrations")
    paid = api.ok("bidder1", "POST", f"/lots/{lot}/deposits", json={
        "amount_fen": 10_000_000, "paying_account": "6222999999999999", "paying_bank": "某银行"})
    assert event_types(paid)[0] == "lot.deposit_paid"
    warnings = api.ok("supervisor", "GET", "/warnings")
    assert [w["rule"] for w in warnings] == ["regs26.basic-account"]
    assert warnings[0]["facts"]["paying_account"] == "6222999999999999"
    assert api.get("bidder1", "/warnings").status_code == 403
