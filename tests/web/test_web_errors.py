"""Bad input gets one error shape with code, Chinese and English message and the field at fault; never 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api
from tests.web.flows import prepare, register_project

Case = tuple[str, str, str, dict[str, Any], int, str, str | None]


def assert_error(response: Any, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message_zh", "message_en", "article", "field", "details"}
    assert error["code"] == code and error["field"] == field
    assert re.search(r"[\u4e00-\u9fff]", error["message_zh"]), error
    assert error["message_en"]
    return error


def test_malformed_json_missing_fields_and_wrong_types(api: Api) -> None:
    api.sign_in("staff")
    before = api.event_count()
    broken = api.post("staff", "/parties", content=b'{"name": "x",', headers={"Content-Type": "application/json"})
    assert_error(broken, 422, "json.invalid", "body")
    missing = api.post("staff", "/persons", json={"name": "李四", "roles": ["expert"]})
    error = assert_error(missing, 422, "invalid", "id_number")
    assert "必填" in error["message_zh"] and "required" in error["message_en"]
    wrong = api.post("staff", "/projects", json={
        "name": "p", "tenderer_id": "P1", "funding_source": "财政", "state_funded": True,
        "lots": [{"name": "l", "estimated_price_fen": "一百万", "category": "works"}]})
    assert_error(wrong, 422, "invalid", "lots[0].estimated_price_fen")
    fraction = api.post("staff", "/projects", json={
        "name": "p", "tenderer_id": "P1", "funding_source": "财政", "state_funded": True,
        "lots": [{"name": "l", "estimated_price_fen": 12.5, "category": "works"}]})
    assert_error(fraction, 422, "invalid", "lots[0].estimated_price_fen")
    extra = api.post("staff", "/auth/login", json={"username": "staff", "password": "x", "otp": 1})
    assert_error(extra, 422, "invalid", "otp")
    assert api.event_count() == before


def test_bad_credit_code_and_identity_number_are_refused_by_the_domain(api: Api) -> None:
    api.sign_in("staff")
    before = api.event_count()
    party = api.post("staff", "/parties", json={
        "name": "坏代码有限公司", "credit_code": "91530100MA00000000", "kind": "bidder",
        "legal_representative_id": api.world.persons["pm1"], "address": "昆明"})
    assert party.status_code == 422 and party.json()["error"]["field"] == "credit_code"
    error = party.json()["error"]
    assert "credit" in error["message_en"].lower() and "信用代码" in error["message_zh"]
    person = api.post("staff", "/persons", json={"name": "王五", "id_number": "530102198001010000", "roles": []})
    assert person.status_code == 422 and person.json()["error"]["field"] == "id_number"
    assert api.event_count() == before


def test_unknown_lot_route_and_references(api: Api) -> None:
    assert_error(api.get("staff", "/lots/NOPE-01"), 404, "not_found", None)
    assert_error(api.post("agency", "/lots/NOPE-01/cancel", json={"reason": "r"}), 404, "not_found", None)
    assert_error(api.get(None, "/no/such/route"), 404, "not_found", None)
    assert_error(api.get("staff", "/bids/B404/content"), 404, "not_found", None)
    assert_error(api.call("staff", "DELETE", "/lots"), 405, "method_not_allowed", None)
    bad_token = api.get(None, "/auth/me", headers={"Authorization": "Bearer jz_forged"})
    assert_error(bad_token, 401, "auth.invalid_token", None)
    assert_error(api.post(None, "/auth/login", json={"username": "staff", "password": "wrong pass"}),
                 401, "auth.failed", None)


def test_lot_command_input_errors(api: Api) -> None:
    lot = register_project(api)
    api.sign_in("bidder1", "staff")
    before = api.event_count()
    naive = api.post("agency", f"/lots/{lot}/documents", json={
        "document": {"name": "a.pdf", "sha256": "0" * 64, "sm3": "0" * 64, "size": 3},
        "method": "comprehensive", "deposit_fen": -1})
    assert_error(naive, 422, "invalid", "deposit_fen")
    unknown_doc = api.post("agency", f"/lots/{lot}/documents", json={
        "document": {"name": "a.pdf", "sha256": "0" * 64, "sm3": "0" * 64, "size": 3},
        "method": "comprehensive", "deposit_fen": 100})
    assert_error(unknown_doc, 422, "invalid", "document.sha256")
    assert api.event_count() == before
    prepare(api, lot)
    before = api.event_count()
    no_zone = api.post("agency", f"/lots/{lot}/clarifications", json={
        "text": "延期", "affects_bids": True, "new_deadline": "2026-04-01T09:00:00"})
    assert_error(no_zone, 422, "invalid", "new_deadline")
    bad_json = api.post("bidder1", f"/lots/{lot}/bids/upload", data={"content": "{price_fen: 1"})
    assert_error(bad_json, 422, "invalid", "content")
    bad_price = api.post("bidder1", f"/lots/{lot}/bids", json={"content": {"price_fen": "100"}})
    assert_error(bad_price, 422, "invalid", "content.price_fen")
    bad_b64 = api.post("bidder1", f"/lots/{lot}/bids", json={
        "content": {"price_fen": 100}, "documents": [{"name": "a", "data_base64": "!!"}]})
    assert_error(bad_b64, 422, "invalid", "documents[0].data_base64")
    assert api.post("staff", "/events?since=yesterday").status_code == 405
    assert_error(api.get("staff", "/events", params={"since": "yesterday"}), 422, "invalid", "since")
    assert_error(api.get("staff", "/events", params={"limit": 0}), 422, "invalid", "limit")
    assert api.event_count() == before


@pytest.mark.parametrize("points", [{"technical": "35.555"}, {"technical": "abc"}])
def test_scores_as_decimal_strings_are_parsed_exactly(api: Api, points: dict[str, str]) -> None:
    lot = register_project(api)
    response = api.post("staff", f"/lots/{lot}/scores", json={"bid_id": "B1", "points": points})
    assert_error(response, 422, "invalid", "points.technical")
    both = api.post("staff", f"/lots/{lot}/scores", json={"bid_id": "B1", "points": points, "points_centi": {}})
    assert_error(both, 422, "invalid", "body")


def test_openapi_document_and_local_docs(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/lots/{lot_id}/bids/upload" in spec["paths"] and "/api/v1/events" in spec["paths"]
    login = spec["components"]["schemas"]["LoginIn"]["properties"]["username"]
    assert "用户名" in login["description"] and "username" in login["description"]
    page = api.client.get("/api/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls and all(u.startswith("/") or u.startswith("data:") for u in urls), urls
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"):
        assert api.client.get(asset).status_code == 200
