"""A full evaluation through the HTTP API: the draw, five experts reading and scoring, telemetry, the report.

Each role acts with its own token: staff registers the experts' profiles and requests the
draw, the drawn experts confirm, read the bids (their clients report the page views),
score, explain a deviating score and ask a bidder a question; the chair reports, every
member signs (one with a dissent), and the report is checked against what happened.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import Api
from tests.web.flows import EVALUATION_FACTORS, bid, event_types, iso, register_project, upload

PRICES = {"bidder1": 950_000_000, "bidder2": 960_000_000, "bidder3": 1_000_000_000, "bidder4": 980_000_000,
          "bidder5": 990_000_000}
METHOD = {
    "review_items": [{"code": "Q1", "name_zh": "营业执照及资质证书", "name_en": "Licence and qualification",
                      "stage": "qualification"},
                     {"code": "C1", "name_zh": "投标函签字盖章", "name_en": "Signed bid letter",
                      "stage": "compliance"}],
    "price": {"kind": "low_price", "factor": "price"},
    "deviation_threshold_percent": "20",
}


def prepare_with_method(api: Api, lot: str) -> None:
    doc = upload(api, "agency", "招标文件.pdf", b"%PDF tender documents with the method " + lot.encode())
    api.ok("agency", "POST", f"/lots/{lot}/documents", json={
        "document": doc, "method": "comprehensive", "factors": EVALUATION_FACTORS, "deposit_fen": 10_000_000,
        "evaluation": METHOD})
    api.ok("tenderer", "POST", f"/lots/{lot}/documents/confirm", json={"version": 1})
    api.ok("supervisor", "POST", f"/lots/{lot}/documents/filing", json={"accept": True, "remark": "备案通过"})
    api.ok("agency", "POST", f"/lots/{lot}/announcement", json={
        "sale_start": iso(api), "sale_end": iso(api, 7), "bid_deadline": iso(api, 21), "text": "招标公告"})


def opened_lot(api: Api) -> str:
    lot = register_project(api)
    prepare_with_method(api, lot)
    for bidder, price in PRICES.items():
        bid(api, lot, bidder, price)
    api.world.clock.advance(timedelta(days=21))
    api.ok("agency", "POST", f"/lots/{lot}/opening")
    return lot


def test_full_evaluation_with_five_drawn_experts(api: Api) -> None:
    w = api.world
    experts = {w.persons[f"expert{i}"]: f"expert{i}" for i in range(1, 6)}
    for person in experts:
        api.ok("staff", "PUT", f"/experts/{person}/profile",
               json={"specialties": ["A0101"], "level": "senior", "region": "530100"})
    lot = opened_lot(api)

    # The draw: requested first, then seeded by the checkpoint that contains the request.
    body = api.ok("staff", "POST", f"/lots/{lot}/expert-draws", json={
        "requirements": [{"specialty": "A01", "count": 5, "reserves": 0}], "local_region": "530100",
        "evaluation_at": iso(api, 1)})
    assert event_types(body) == ["lot.expert_draw_requested", "lot.experts_drawn"]
    request_id = body["events"][0]["payload"]["request_id"]
    order = [p["person_id"] for p in body["events"][1]["payload"]["picks"]]
    assert sorted(order) == sorted(experts)
    for person, account in experts.items():
        [notice] = api.ok(account, "GET", "/experts/me/draws")
        assert (notice["lot_id"], notice["status"]) == (lot, "called")
        api.ok(account, "POST", f"/lots/{lot}/expert-draws/{request_id}/answers",
               json={"person_id": person, "accept": True})
    # Before the result a bidder sees that a draw happened, not who was drawn (Law 37).
    [seen] = api.ok("bidder1", "GET", f"/lots/{lot}/expert-draws")
    assert seen["picks"] == [] and seen["seed"] == body["events"][1]["payload"]["seed"]
    chair = experts[order[0]]
    members = [{"person_id": p, "kind": "expert", "chair": p == order[0]} for p in order]
    committee = api.ok("staff", "POST", f"/lots/{lot}/committee", json={"members": members})
    assert committee["events"][0]["payload"]["selection"] == "drawn"

    # Reading: each expert's client reports the pages it had open. Expert 5 barely reads.
    bids = api.ok(chair, "GET", f"/lots/{lot}/bids")
    assert len(bids) == 5
    opened_at = w.clock.now() + timedelta(minutes=5)
    w.clock.advance(timedelta(hours=3))
    for index, (person, account) in enumerate(experts.items()):
        seconds = 2 if account == "expert5" else 60 + 10 * index
        views = [{"bid_id": b["bid_id"], "document": b["documents"][0]["sha256"], "page": page,
                  "opened_at": (opened_at + timedelta(minutes=page)).isoformat(), "seconds": seconds}
                 for b in bids for page in (1, 2, 3)]
        answer = api.ok(account, "POST", f"/lots/{lot}/review-telemetry", json={"views": views})
        assert event_types(answer) == ["lot.review_pages_viewed"]
        assert answer["events"][0]["payload"]["person_id"] == person
    wrong = api.post("expert1", f"/lots/{lot}/review-telemetry", json={"views": [
        {"bid_id": bids[0]["bid_id"], "document": "f" * 64, "page": 1, "opened_at": opened_at.isoformat(),
         "seconds": 5}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "views[0].document"
    telemetry = api.ok("supervisor", "GET", f"/lots/{lot}/review-telemetry")
    assert len(telemetry["views"]) == 5 * 5 * 3
    assert {r["person_id"]: r["seconds"] for r in telemetry["summary"] if r["bid_id"] == bids[0]["bid_id"]}[
        w.persons["expert5"]] == 6
    assert {r["person_id"] for r in api.ok("expert2", "GET", f"/lots/{lot}/review-telemetry")["views"]} == {
        w.persons["expert2"]}
    assert api.get("bidder1", f"/lots/{lot}/review-telemetry").status_code == 403

    # A question to a bidder, answered within its deadline; the bidder does not learn who asked.
    third = next(b for b in bids if b["bidder_id"] == w.parties["bidder3"])
    asked = api.ok(chair, "POST", f"/lots/{lot}/questions", json={
        "bid_id": third["bid_id"], "question": "请澄清第3页工期承诺", "deadline": iso(api, 0.5)})
    question = asked["events"][0]["payload"]["question_id"]
    [mine] = api.ok("bidder3", "GET", f"/lots/{lot}/questions")
    assert "asked_by" not in mine and mine["question"] == "请澄清第3页工期承诺"
    assert api.ok("bidder1", "GET", f"/lots/{lot}/questions") == []
    api.ok("bidder3", "POST", f"/lots/{lot}/questions/{question}/answer", json={"answer": "工期承诺为300日历天"})

    # Scoring: the price is the formula's; the experts score technical and commercial, sealed until all are in.
    refused = api.post("expert1", f"/lots/{lot}/scores", json={"bid_id": third["bid_id"], "points_centi": {
        "technical": 3000, "commercial": 1500, "price": 3000}})
    assert refused.status_code == 422
    for person, account in experts.items():
        for b in bids:
            technical = 3000
            if account == "expert5" and b["bidder_id"] == w.parties["bidder3"]:
                technical = 3900  # far above the others' 30 points for the dearest bid
            api.ok(account, "POST", f"/lots/{lot}/scores", json={
                "bid_id": b["bid_id"], "points_centi": {"technical": technical, "commercial": 1500}})
        if account == "expert1":
            assert {s["person_id"] for s in api.ok(account, "GET", f"/lots/{lot}/scores")} == {person}  # sealed
    assert len(api.ok("expert1", "GET", f"/lots/{lot}/scores")) == 25  # all in: unsealed for the committee

    # The deviation: the report waits for expert 5's written reason.
    report = api.post(chair, f"/lots/{lot}/evaluation-report", json={})
    assert report.status_code == 409 and report.json()["error"]["code"] == "evaluation.deviation_unexplained"
    [deviation] = api.ok("expert5", "GET", f"/lots/{lot}/deviations")
    assert (deviation["points"], deviation["others_mean"], deviation["explained"]) == (3900, "30.00", False)
    assert api.ok("expert2", "GET", f"/lots/{lot}/deviations") == []
    api.ok("expert5", "POST", f"/lots/{lot}/deviations", json={
        "bid_id": third["bid_id"], "factor": "technical", "reason": "该投标的施工组织设计最完整"})
    reported = api.ok(chair, "POST", f"/lots/{lot}/evaluation-report", json={})
    assert event_types(reported) == ["lot.evaluation_reported"]
    ranking = reported["events"][0]["payload"]["ranking"]
    # Price by MOF Order 87 Art. 55 out of 40 points: bidder1 is the lowest, 9.5/10.0 × 4000 = 3800 for bidder3.
    points = {r["bid_id"]: r["price_points"] for r in reported["events"][0]["payload"]["scoring"]}
    assert points[third["bid_id"]] == 3800
    assert ranking[0]["bidder_id"] == w.parties["bidder1"]

    # Signatures: every member signs or dissents before the candidates (the method asks for it).
    blocked = api.post("agency", f"/lots/{lot}/candidates", json={"publicity_end": iso(api, 3)})
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "evaluation.report_unsigned"
    for account in experts.values():
        body_sign: dict[str, Any] = {"agrees": True}
        if account == "expert5":
            body_sign = {"agrees": False, "dissent": "第三名的技术方案明显更优"}
        api.ok(account, "POST", f"/lots/{lot}/evaluation-report/signatures", json=body_sign)
    view = api.ok("supervisor", "GET", f"/lots/{lot}/evaluation-report")
    assert view["all_signed"] and [d["dissent"] for d in view["dissents"]] == ["第三名的技术方案明显更优"]
    seconds = {m["person_id"]: m["review_seconds"] for m in view["members"]}
    assert seconds[w.persons["expert5"]] == 2 * 15 and seconds[w.persons["expert1"]] == 60 * 15
    assert view["report"]["deviations"][0]["reason"] == "该投标的施工组织设计最完整"
    assert view["report"]["selection"] == "drawn" and view["report"]["price_formula"]["kind"] == "low_price"
    # The tenderer reads the report, with the members unnamed until the result is published.
    tenderer_view = api.ok("tenderer", "GET", f"/lots/{lot}/evaluation-report")
    assert all(m["person_id"].startswith("成员") for m in tenderer_view["members"])
    assert api.get("bidder1", f"/lots/{lot}/evaluation-report").status_code == 403

    w.clock.advance(timedelta(days=1))
    api.ok("agency", "POST", f"/lots/{lot}/candidates", json={"publicity_end": iso(api, 3)})
    # Published: anyone may now see who was drawn and re-run the draw.
    [public] = api.ok(None, "GET", f"/lots/{lot}/expert-draws")
    assert sorted(p["person_id"] for p in public["picks"]) == sorted(experts)
    [check] = api.ok(None, "GET", f"/lots/{lot}/expert-draws/check")
    assert check["ok"] and [p["person_id"] for p in check["picks"]] == order
    assert api.ok(None, "GET", f"/lots/{lot}/evaluation-report")["members"][0]["person_id"] == order[0]


def test_the_draw_refuses_bad_requests_and_writes_nothing(api: Api) -> None:
    w = api.world
    lot = opened_lot(api)
    for who in ("staff", "agency"):  # tokens from before the clock moved 21 days are renewed here, not below
        api.ok(who, "GET", f"/lots/{lot}")
    before = api.event_count()
    bad = [({"requirements": [{"specialty": "A01", "count": 5}], "local_region": "530100",
             "evaluation_at": iso(api, 1)}, 409, "draw.insufficient"),  # nobody has a profile yet
           ({"requirements": [], "local_region": "530100", "evaluation_at": iso(api, 1)}, 422, "invalid"),
           ({"requirements": [{"specialty": "a-1", "count": 5}], "local_region": "530100",
             "evaluation_at": iso(api, 1)}, 422, "invalid"),
           ({"requirements": [{"specialty": "A01", "count": 5}], "local_region": "53",
             "evaluation_at": iso(api, 1)}, 422, "invalid"),
           ({"requirements": [{"specialty": "A01", "count": 5}], "local_region": "530100",
             "evaluation_at": iso(api, -1)}, 422, "invalid")]
    for body, status, code in bad:
        response = api.post("staff", f"/lots/{lot}/expert-draws", json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert api.post("agency", f"/lots/{lot}/expert-draws", json=bad[0][0]).status_code == 403
    assert api.post(None, f"/lots/{lot}/expert-draws", json=bad[0][0]).status_code == 401
    response = api.call("staff", "PUT", f"/experts/{w.persons['expert1']}/profile", json={
        "specialties": ["A0101"], "level": "boss", "region": "530100"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "level"
    assert api.event_count() == before
