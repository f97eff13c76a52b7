"""The supervision desk's HTTP API on SQLite and PostgreSQL: alerts, watch list, credit, live stream.

Errors keep the API's one shape; bad input writes nothing; published credit records are
readable without a token; the SSE stream replays what was missed and then goes live.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from jianzheng.supervision import run_batch
from jianzheng.supervision.frames import frames_from_records
from tests.conftest import Api
from tests.support.tender import PASSWORD, announce, register_lot

FIXTURES = Path(__file__).resolve().parents[1] / "supervision" / "fixtures"


def raise_fixture(api: Api, code: str) -> list[str]:
    given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
    found = run_batch(frames_from_records(given["frames"]), given["settings"], indicators=[code])
    return api.world.services.desk.raise_alerts(found)


def iso(api: Api, days: float) -> str:
    return (api.world.clock.now() + timedelta(days=days)).isoformat()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert set(body) == {"code", "message_zh", "message_en", "article", "field", "details"}
    return body


def test_alert_workbench_over_http(api: Api) -> None:
    [alert_id] = raise_fixture(api, "PROC-LATE-REFUND")
    raise_fixture(api, "R018")
    page = api.ok("supervisor", "GET", "/alerts", params={"status": "new", "order": "-severity", "limit": 1})
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["status_zh"] == "新预警"
    only = api.ok("staff", "GET", "/alerts", params={"indicator": ["PROC-LATE-REFUND"], "party_id": "B2"})
    assert [a["alert_id"] for a in only["items"]] == [alert_id]
    assert api.ok("staff", "GET", "/alerts/counts")["status"] == {"new": 2}
    detail = api.ok("staff", "GET", f"/alerts/{alert_id}")
    assert detail["article"] == "招标投标法实施条例第五十七条 / Regs 57"
    assert [e["fact"] for e in detail["evidence"]] == ["contract_signed_at", "deadline", "deposits", "as_of"]
    assert detail["next_actions"] == ["acknowledge", "assign", "comment"]

    before = api.event_count()
    body = error(api.post("supervisor", f"/alerts/{alert_id}/dismiss", json={"reason": "误报"}), 409)
    assert body["code"] == "alert.illegal_transition" and "新预警" in body["message_zh"]
    body = error(api.post("supervisor", f"/alerts/{alert_id}/transfer", json={"recipient": "纪委"}), 422)
    assert body["field"] == "note"
    error(api.post("supervisor", f"/alerts/{alert_id}/acknowledge", json={"extra": 1}), 422)
    error(api.post("supervisor", "/alerts/NOSUCHALERT/acknowledge", json={}), 404)
    error(api.post("staff", f"/alerts/{alert_id}/acknowledge", json={}), 403)
    error(api.post(None, f"/alerts/{alert_id}/acknowledge", json={}), 401)
    assert api.event_count() == before

    acked = api.ok("supervisor", "POST", f"/alerts/{alert_id}/acknowledge", json={"note": "收到"})
    assert [e["type"] for e in acked["events"]] == ["alert.acknowledged"]
    api.ok("supervisor", "POST", f"/alerts/{alert_id}/assign", json={"assignee": "supervisor"})
    api.ok("supervisor", "POST", f"/alerts/{alert_id}/review", json={})
    api.ok("supervisor", "POST", f"/alerts/{alert_id}/comments", json={"text": "已联系招标人"})
    body = error(api.post("supervisor", f"/alerts/{alert_id}/dismiss", json={"reason": "  "}), 422)
    assert body["field"] == "reason"
    closed = api.ok("supervisor", "POST", f"/alerts/{alert_id}/dismiss", json={"reason": "已于次日退还，银行延迟"})
    assert closed["events"][0]["payload"]["reason"] == "已于次日退还，银行延迟"
    detail = api.ok("supervisor", "GET", f"/alerts/{alert_id}")
    assert detail["status"] == "dismissed" and detail["resolution"] == "已于次日退还，银行延迟"
    assert [c["text"] for c in detail["comments"]] == ["已联系招标人"]
    assert api.ok("supervisor", "GET", "/alerts", params={"assignee": "supervisor"})["total"] == 1
    error(api.get("supervisor", "/alerts", params={"status": "open"}), 422)
    error(api.get("bidder1", "/alerts"), 403)
    error(api.get(None, f"/alerts/{alert_id}"), 403)


def test_confirm_with_credit_and_public_credit_records(api: Api) -> None:
    [alert_id] = raise_fixture(api, "R018")
    for step in ("acknowledge", "review"):
        api.ok("supervisor", "POST", f"/alerts/{alert_id}/{step}", json={})
    w = api.world
    credit = {"subject_id": w.parties["bidder1"], "behaviour": "与他人串通投标", "sanction": "bid_ban",
              "basis": "招标投标法实施条例第六十七条", "authority": "昆明市公共资源交易管理局",
              "period_from": iso(api, 0), "period_to": iso(api, 365), "decision_ref": "昆公管罚〔2026〕9号"}
    body = error(api.post("supervisor", f"/alerts/{alert_id}/confirm", json={
        "finding": "查实", "credit": {**credit, "sanction": "prison"}}), 422)
    assert body["field"] == "credit.sanction"
    done = api.ok("supervisor", "POST", f"/alerts/{alert_id}/confirm", json={"finding": "查实", "credit": credit})
    assert [e["type"] for e in done["events"]] == ["alert.confirmed", "credit.recorded"]
    record_id = done["events"][1]["payload"]["record_id"]

    public = api.ok(None, "GET", "/credit-records")
    assert public["total"] == 1 and public["items"][0]["record_id"] == record_id
    assert public["items"][0]["credit_code"] and "recorded_by" not in public["items"][0]
    assert api.ok(None, "GET", f"/credit-records/{record_id}")["sanction_zh"] == "取消投标资格"
    assert {s["code"] for s in api.ok(None, "GET", "/credit-records/sanctions") if s["bars_bidding"]} == {
        "bid_ban", "blacklist"}
    assert api.ok(None, "GET", "/credit-records", params={"text": "串通"})["total"] == 1

    lot = register_lot(w)
    announce(w, lot)
    body = error(api.post("bidder1", f"/lots/{lot}/registrations"), 409)
    assert body["code"] == "credit.sanctioned" and record_id in body["message_zh"]
    assert body["article"] == "招标投标法实施条例第六十七条" and body["details"]["record_id"] == record_id

    error(api.post("staff", "/credit-records", json=credit), 403)
    error(api.post(None, "/credit-records", json=credit), 401)
    error(api.post("supervisor", "/credit-records", json={**credit, "period_to": iso(api, -1)}), 422)
    error(api.post("supervisor", f"/credit-records/{record_id}/revocation", json={"reason": ""}), 422)
    api.ok("supervisor", "POST", f"/credit-records/{record_id}/revocation", json={"reason": "复议撤销"})
    assert api.ok(None, "GET", "/credit-records")["total"] == 0
    error(api.get(None, f"/credit-records/{record_id}"), 404)
    assert api.ok("staff", "GET", f"/credit-records/{record_id}")["status"] == "revoked"
    api.ok("bidder1", "POST", f"/lots/{lot}/registrations")


def test_watch_list_over_http(api: Api) -> None:
    w = api.world
    entry = {"kind": "agency", "subject_id": w.parties["agency"], "reason": "代理项目流标率异常",
             "valid_to": iso(api, 90)}
    api.sign_in("staff", "supervisor")
    before = api.event_count()
    error(api.post("staff", "/watchlist", json=entry), 403)
    body = error(api.post("supervisor", "/watchlist", json={**entry, "kind": "bidder"}), 422)
    assert body["field"] == "subject_id" and "投标人" in body["message_zh"]
    error(api.post("supervisor", "/watchlist", json={**entry, "valid_to": "2026-03-01T00:00:00"}), 422)
    assert api.event_count() == before
    added = api.ok("supervisor", "POST", "/watchlist", json=entry)
    entry_id = added["events"][0]["payload"]["entry_id"]
    error(api.post("supervisor", "/watchlist", json=entry), 409)
    listed = api.ok("staff", "GET", "/watchlist")
    assert [(r["entry_id"], r["status"], r["kind_zh"]) for r in listed] == [(entry_id, "in_force", "招标代理机构")]
    api.tokens.pop("agency", None)
    api.sign_in("agency")  # the watched agency signs in over HTTP
    one = api.ok("supervisor", "GET", f"/watchlist/{entry_id}")
    assert one["alert_count"] == 1 and "登录平台" in one["recent_alerts"][0]["explanation_zh"]
    error(api.get("bidder1", "/watchlist"), 403)
    api.ok("supervisor", "POST", f"/watchlist/{entry_id}/removal", json={"reason": "核查无异常"})
    error(api.post("supervisor", f"/watchlist/{entry_id}/removal", json={"reason": "again"}), 409)
    assert api.ok("supervisor", "GET", "/watchlist", params={"state": "removed"})[0]["removal_reason"] == "核查无异常"
    error(api.get("supervisor", "/watchlist", params={"state": "gone"}), 422)


def sse_events(lines: Any, count: int) -> list[dict[str, Any]]:
    """Read `count` events (event/id/data) from an SSE line iterator."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and current:
            found.append(current)
            current = {}
            if len(found) == count:
                break
    return found


def test_live_stream_replays_then_goes_live(api: Api) -> None:
    [old] = raise_fixture(api, "R018")
    error(api.get("bidder1", "/alerts/stream"), 403)
    error(api.get(None, "/alerts/stream"), 403)
    error(api.get("supervisor", "/alerts/stream", headers={"Last-Event-ID": "abc"}), 422)
    headers = api.headers("supervisor")
    with api.client.stream("GET", "/api/v1/alerts/stream", params={"limit": 1},
                           headers={**headers, "Last-Event-ID": "0"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        [replayed] = sse_events(response.iter_lines(), 1)
    assert replayed["event"] == "alert.raised" and replayed["data"]["alert_id"] == old
    assert replayed["data"]["replayed"] is True

    hub = api.world.services.live
    w = api.world
    w.services.desk.watch(w.actors["supervisor"], "bidder", w.parties["bidder3"], "围标嫌疑",
                          w.clock.now() + timedelta(days=30))
    def sign_in_when_subscribed() -> None:
        deadline = time.monotonic() + 10
        while hub.subscriber_count == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        w.services.auth.login("bidder3", PASSWORD)

    after = replayed["id"]
    with api.client.stream("GET", "/api/v1/alerts/stream", params={"after": after, "limit": 1, "heartbeat": 1},
                           headers=headers) as response:
        worker = threading.Thread(target=sign_in_when_subscribed)
        worker.start()
        [live] = sse_events(response.iter_lines(), 1)
        worker.join()
    assert live["event"] == "alert.raised" and live["data"]["indicator"] == "WATCHLIST"
    assert live["data"]["severity"] == "high" and live["id"] > after
    assert "replayed" not in live["data"]
    assert hub.subscriber_count == 0  # the stream let go of its subscription


def test_desk_endpoints_are_in_the_openapi_document(api: Api) -> None:
    paths = api.ok(None, "GET", "/openapi.json")["paths"]
    for path in ("/alerts", "/alerts/counts", "/alerts/stream", "/alerts/{alert_id}/confirm", "/watchlist",
                 "/watchlist/{entry_id}/removal", "/credit-records", "/credit-records/{record_id}/revocation"):
        assert f"/api/v1{path}" in paths, path
