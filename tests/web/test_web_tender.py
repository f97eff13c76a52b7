"""A whole open tender through the HTTP API: every role acts as itself with its own token."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Api
from tests.web.flows import bid, event_types, iso, prepare, register_project

PRICES = {"bidder1": 950_000_000, "bidder2": 960_000_000, "bidder3": 970_000_000, "bidder4": 980_000_000,
          "bidder5": 990_000_000}


def test_complete_tender_from_registration_to_completion(api: Api) -> None:
    w = api.world
    lot = register_project(api)
    assert api.stage(lot) == "registered"
    prepare(api, lot)
    for i, (bidder, price) in enumerate(PRICES.items()):
        bid(api, lot, bidder, price, multipart=i % 2 == 0)
    assert api.stage(lot) == "bidding"
    # Before the opening each bidder sees its own bid only, and the center sees none.
    assert [b["bidder_id"] for b in api.ok("bidder2", "GET", f"/lots/{lot}/bids")] == [w.parties["bidder2"]]
    assert api.get("staff", f"/lots/{lot}/bids").status_code == 403

    w.clock.advance(timedelta(days=21))
    opened = api.ok("agency", "POST", f"/lots/{lot}/opening")
    assert "lot.opened" in event_types(opened)
    assert api.stage(lot) == "opened"
    public_bids = api.ok(None, "GET", f"/lots/{lot}/bids")
    assert len(public_bids) == 5 and all("source_ip" not in b for b in public_bids)

    members = [{"person_id": w.persons[f"expert{i}"], "kind": "expert", "chair": i == 1} for i in range(1, 6)]
    api.ok("staff", "POST", f"/lots/{lot}/committee", json={"members": members})
    assert api.stage(lot) == "evaluation"
    bids = api.ok("expert1", "GET", f"/lots/{lot}/bids")
    for i in range(1, 6):
        for b in bids:
            first = b["bidder_id"] == w.parties["bidder1"]
            if i % 2:  # half the experts give decimal strings, half centipoints: the same scores either way
                body = {"bid_id": b["bid_id"], "points": {"technical": "35" if first else "30",
                                                          "commercial": "15.00", "price": "35.0"}}
            else:
                body = {"bid_id": b["bid_id"], "points_centi": {"technical": 3500 if first else 3000,
                                                                "commercial": 1500, "price": 3500}}
            api.ok(f"expert{i}", "POST", f"/lots/{lot}/scores", json=body)
    scores = api.ok("supervisor", "GET", f"/lots/{lot}/scores")
    assert len(scores) == 25
    assert api.get("expert2", f"/lots/{lot}/evaluation-report").status_code == 404  # not reported yet
    assert api.post("expert2", f"/lots/{lot}/evaluation-report", json={}).status_code == 403
    api.ok("expert1", "POST", f"/lots/{lot}/evaluation-report", json={})
    assert api.stage(lot) == "evaluated"

    w.clock.advance(timedelta(days=1))
    api.ok("agency", "POST", f"/lots/{lot}/candidates", json={"publicity_end": iso(api, 3)})
    assert api.stage(lot) == "candidates_published"
    assert len(api.ok(None, "GET", f"/lots/{lot}/committee")) == 5  # published with the result
    w.clock.advance(timedelta(days=4))
    api.ok("tenderer", "POST", f"/lots/{lot}/award", json={"bidder_id": w.parties["bidder1"]})
    assert api.stage(lot) == "awarded"
    w.clock.advance(timedelta(days=10))
    api.ok("tenderer", "POST", f"/lots/{lot}/contract",
           json={"price_fen": PRICES["bidder1"], "performance_bond_fen": 50_000_000})
    assert api.stage(lot) == "contracted"
    w.clock.advance(timedelta(days=2))
    deposits = api.ok("agency", "GET", f"/lots/{lot}/deposits")
    assert len(deposits) == 5
    for deposit in deposits:
        api.ok("agency", "POST", f"/lots/{lot}/deposits/{deposit['deposit_id']}/refund", json={"interest_fen": 1000})
    assert api.stage(lot) == "completed"

    # No rule warnings on an honest tender: deposits came from each bidder's basic account.
    assert api.ok("supervisor", "GET", "/warnings") == []
    log = api.ok("supervisor", "GET", "/events", params={"lot_id": lot, "limit": 500})
    types = [e["type"] for e in log["items"]]
    assert log["total"] == len(types)
    assert types[0] == "lot.completed" and types[-1] == "lot.registered"
    for expected in ("lot.documents_compiled", "lot.documents_confirmed", "lot.documents_filed", "lot.announced",
                     "lot.bidder_registered", "lot.deposit_paid", "lot.bid_submitted", "lot.opened",
                     "lot.committee_formed", "lot.score_submitted", "lot.evaluation_reported",
                     "lot.candidates_published", "lot.awarded", "lot.contract_signed", "lot.deposit_refunded"):
        assert expected in types, expected
    roles = {e["role"] for e in log["items"]}
    assert roles == {"agency", "tenderer", "supervisor", "bidder", "staff", "expert"}
    assert all(e["source_ip"] == "testclient" for e in log["items"])
    seqs = [e["seq"] for e in log["items"]]
    assert seqs == sorted(seqs, reverse=True)


def test_operation_log_filters_by_person_type_and_time(api: Api) -> None:
    w = api.world
    lot = register_project(api)
    start = iso(api)
    prepare(api, lot)
    w.clock.advance(timedelta(days=1))
    bid(api, lot, "bidder3", 970_000_000)
    bidder3 = w.actors["bidder3"].user_id
    mine = api.ok("staff", "GET", "/events", params={"lot_id": lot, "actor": bidder3})
    assert {e["type"] for e in mine["items"]} == {"lot.bidder_registered", "lot.deposit_paid", "lot.bid_submitted"}
    assert all(e["actor_name"] == "账号bidder3" for e in mine["items"])
    typed = api.ok("staff", "GET", "/events", params={"type": "lot.document*"})
    assert {e["type"] for e in typed["items"]} == {"lot.documents_compiled", "lot.documents_confirmed",
                                                   "lot.documents_filed"}
    later = api.ok("staff", "GET", "/events", params={"lot_id": lot, "since": iso(api, -0.5)})
    assert [e["type"] for e in later["items"]] == ["lot.bid_submitted", "lot.deposit_paid", "lot.bidder_registered"]
    earlier = api.ok("staff", "GET", "/events", params={"lot_id": lot, "since": start, "until": iso(api, -0.5)})
    assert len(earlier["items"]) == earlier["total"] == log_total(api, lot) - 3
    page = api.ok("staff", "GET", "/events", params={"lot_id": lot, "limit": 2, "offset": 1})
    assert len(page["items"]) == 2 and page["total"] == log_total(api, lot)
    # The tenderer reads its own lot's log, without payloads; a bidder does not read it at all.
    own = api.ok("tenderer", "GET", "/events", params={"lot_id": lot})
    assert own["items"] and all(e["payload"] is None for e in own["items"])
    assert api.get("bidder3", "/events", params={"lot_id": lot}).status_code == 403


def log_total(api: Api, lot: str) -> int:
    return int(api.ok("staff", "GET", "/events", params={"lot_id": lot})["total"])
