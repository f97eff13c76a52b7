"""Steps of a tender driven through the HTTP API, each role acting with its own token."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from tests.conftest import Api
from tests.support.tender import FACTORS

EVALUATION_FACTORS = [{"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "max_points": f.max_points}
                      for f in FACTORS]


def iso(api: Api, days: float = 0) -> str:
    return (api.world.clock.now() + timedelta(days=days)).isoformat()


def event_types(body: dict[str, Any]) -> list[str]:
    return [e["type"] for e in body["events"]]


def register_project(api: Api, who: str = "agency") -> str:
    w = api.world
    body = api.ok(who, "POST", "/projects", json={
        "name": "滇池路改造工程", "tenderer_id": w.parties["tenderer"], "agency_id": w.parties["agency"],
        "funding_source": "财政资金", "state_funded": True, "region": "昆明市",
        "lots": [{"name": "第一标段 道路工程", "estimated_price_fen": 1_000_000_000, "category": "works"}]})
    assert event_types(body) == ["project.registered", "lot.registered"]
    return str(body["events"][1]["payload"]["lot_id"])


def upload(api: Api, who: str, name: str, data: bytes) -> dict[str, Any]:
    body: dict[str, Any] = api.ok(who, "POST", "/documents", files={"file": (name, data, "application/pdf")})
    return body


def prepare(api: Api, lot_id: str, round_no: int = 1) -> None:
    """Documents compiled by the agency, confirmed by the tenderer, filed by the supervisor, announced."""
    doc = upload(api, "agency", "招标文件.pdf", b"%PDF tender documents " + lot_id.encode() + bytes([round_no]))
    compiled = api.ok("agency", "POST", f"/lots/{lot_id}/documents", json={
        "document": doc, "method": "comprehensive", "factors": EVALUATION_FACTORS, "deposit_fen": 10_000_000})
    assert api.stage(lot_id) == "documents_compiled"
    version = compiled["events"][0]["payload"]["version"]
    api.ok("tenderer", "POST", f"/lots/{lot_id}/documents/confirm", json={"version": version})
    assert api.stage(lot_id) == "documents_confirmed"
    api.ok("supervisor", "POST", f"/lots/{lot_id}/documents/filing", json={"accept": True, "remark": "备案通过"})
    assert api.stage(lot_id) == "documents_filed"
    api.ok("agency", "POST", f"/lots/{lot_id}/announcement", json={
        "sale_start": iso(api), "sale_end": iso(api, 7), "bid_deadline": iso(api, 21),
        "text": "招标公告：滇池路改造工程第一标段"})
    assert api.stage(lot_id) == "bidding"


def bid_content(api: Api, bidder: str, price_fen: int) -> dict[str, Any]:
    return {"price_fen": price_fen, "project_manager_id": api.world.persons[f"pm{bidder[-1]}"],
            "duration_days": 300, "quality": "合格", "technical_proposal": f"{bidder} 的施工组织设计",
            "boq": [{"code": "010101", "name": "土方开挖", "unit": "m3", "quantity_milli": 1_000_000,
                     "unit_price_fen": price_fen // 2000}]}


def own_account(api: Api, bidder: str) -> str:
    party = api.ok(bidder, "GET", f"/parties/{api.world.parties[bidder]}")
    return str(party["basic_account"])


def register_and_pay(api: Api, lot_id: str, bidder: str) -> None:
    api.ok(bidder, "POST", f"/lots/{lot_id}/registrations")
    api.ok(bidder, "POST", f"/lots/{lot_id}/deposits", json={
        "amount_fen": 10_000_000, "paying_account": own_account(api, bidder), "paying_bank": "中国建设银行"})


def submit(api: Api, lot_id: str, bidder: str, price_fen: int, multipart: bool = False) -> Any:
    """Submit a bid, as multipart (content JSON + a file) or as JSON (file in base64); the raw response."""
    content = bid_content(api, bidder, price_fen)
    if multipart:
        return api.post(bidder, f"/lots/{lot_id}/bids/upload", data={"content": json.dumps(content)},
                        files=[("files", ("投标文件.pdf", f"bid of {bidder}".encode(), "application/pdf"))])
    data = base64.b64encode(f"bid of {bidder}".encode()).decode()
    return api.post(bidder, f"/lots/{lot_id}/bids", json={"content": content, "documents": [
        {"name": "投标文件.pdf", "data_base64": data, "media_type": "application/pdf"}]})


def bid(api: Api, lot_id: str, bidder: str, price_fen: int, multipart: bool = False) -> None:
    register_and_pay(api, lot_id, bidder)
    response = submit(api, lot_id, bidder, price_fen, multipart)
    assert response.status_code == 200, response.text
    assert event_types(response.json())[0] == "lot.bid_submitted"
