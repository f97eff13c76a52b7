"""The certificate endpoints over HTTP: issue (JSON, HTML, PDF) for those who may, verify for everyone."""

from __future__ import annotations

import json

from jianzheng.adapters.keyring import platform_key_paths
from tests.conftest import Api
from tests.support.tender import announce, bid, register_lot


def _lot(api: Api) -> str:
    lot = register_lot(api.world)
    announce(api.world, lot)
    bid(api.world, lot, "bidder1", 950_000_000)
    return lot


def _keys(api: Api) -> list[str]:
    return [p.verifier.read_text().strip()
            for p in platform_key_paths(api.world.services.settings.data_dir).values()]


def test_issue_as_json_html_and_pdf(api: Api) -> None:
    lot = _lot(api)
    response = api.get("staff", f"/lots/{lot}/certificate")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert f'filename="{lot}.certificate.json"' in response.headers["content-disposition"]
    bundle = response.json()
    assert bundle["lot_id"] == lot and bundle["format"] == "jianzheng.witness-certificate"
    html = api.get("agency", f"/lots/{lot}/certificate", params={"format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "全过程时间线" in html.text and "递交投标文件" in html.text
    pdf = api.get("supervisor", f"/lots/{lot}/certificate", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_issue_is_refused_to_those_who_may_not_read_the_log(api: Api) -> None:
    lot = _lot(api)
    for who in (None, "public", "bidder1", "expert1"):
        response = api.get(who, f"/lots/{lot}/certificate")
        assert response.status_code == 403, who
        assert response.json()["error"]["code"] == "forbidden"
    missing = api.get("staff", "/lots/PRJNOPE-01/certificate")
    assert missing.status_code == 404 and "PRJNOPE-01" in missing.json()["error"]["message_zh"]
    wrong = api.get("staff", f"/lots/{lot}/certificate", params={"format": "docx"})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "format"


def test_anyone_verifies_an_upload_and_nothing_is_written(api: Api) -> None:
    lot = _lot(api)
    data = api.get("staff", f"/lots/{lot}/certificate").content
    before = api.event_count()
    files = {"file": ("c.json", data, "application/json")}
    report = api.ok(None, "POST", "/certificates/verify", files=files, data={"key": _keys(api)})
    assert report["ok"] is True and report["trust"] == "pinned" and report["failures"] == []
    as_body = api.ok(None, "POST", "/certificates/verify", content=data,
                     headers={"content-type": "application/json"})
    assert as_body["ok"] is True and as_body["trust"] == "bundle"
    assert any(n["code"] == "trust.bundle_keys" for n in as_body["notes"])
    assert api.event_count() == before


def test_a_tampered_upload_is_answered_with_the_named_failures(api: Api) -> None:
    lot = _lot(api)
    bundle = api.get("staff", f"/lots/{lot}/certificate").json()
    removed = bundle["events"].pop(-1)
    report = api.ok(None, "POST", "/certificates/verify",
                    files={"file": ("c.json", json.dumps(bundle).encode(), "application/json")})
    assert report["ok"] is False
    failure = next(f for f in report["failures"] if f["code"] == "manifest.missing_event")
    assert failure["seq"] == removed["seq"] and failure["leaf_index"] == removed["seq"] - 1
    assert failure["message_zh"] and failure["message_en"]


def test_a_document_is_checked_against_the_digests(api: Api) -> None:
    lot = _lot(api)
    data = api.get("staff", f"/lots/{lot}/certificate").content
    document = next(d for d in json.loads(data)["documents"] if d["name"] == "投标文件.pdf")
    stored = api.world.services.blobs.get(document["sha256"])
    report = api.ok(None, "POST", "/certificates/verify",
                    files=[("file", ("c.json", data, "application/json")),
                           ("document", ("投标文件.pdf", stored, "application/pdf"))])
    assert report["ok"] is True
    assert report["document_checks"][0]["matches"][0]["seq"] == document["seq"]


def test_bad_uploads_get_clear_errors(api: Api) -> None:
    lot = _lot(api)
    data = api.get("staff", f"/lots/{lot}/certificate").content
    no_file = api.post(None, "/certificates/verify", data={"key": "x"})
    assert no_file.status_code == 422 and no_file.json()["error"]["field"] == "file"
    not_json = api.post(None, "/certificates/verify", content=b"%PDF", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    text = api.post(None, "/certificates/verify", content=data, headers={"content-type": "text/plain"})
    assert text.status_code == 415
    bad_key = api.post(None, "/certificates/verify", files={"file": ("c.json", data, "application/json")},
                       data={"key": "not a key"})
    assert bad_key.status_code == 422 and bad_key.json()["error"]["field"] == "key"
    garbage = api.ok(None, "POST", "/certificates/verify", files={"file": ("c.json", b"garbage", "text/plain")})
    assert garbage["ok"] is False and garbage["failures"][0]["code"] == "format"
