"""Releases against the schema: what is kept, what is reported, exact numbers, the merge routine."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from jianzheng.adapters.ocds import schema
from jianzheng.adapters.ocds.export import dumps
from jianzheng.adapters.ocds.merge import compile_releases
from jianzheng.adapters.ocds.normalize import Finding, normalize_release, to_document


def parse(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return value


def reported(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.path, f.reason) for f in findings}


def test_schema_merges_core_bids_and_jianzheng_extension() -> None:
    merged = schema.release_schema()
    assert "bids" in merged["properties"]  # the bids extension
    bid = merged["definitions"]["Bid"]["properties"]
    assert {"fingerprint", "uploadIp", "deposit", "projectManager", "content", "rank"} <= set(bid)
    assert {"sha256", "sm3"} <= set(merged["definitions"]["Document"]["properties"])
    assert "provenance" in merged["properties"]
    # Merging patches never touched the core's own fields.
    assert merged["definitions"]["Tender"]["required"] == ["id"]
    assert schema.extension_metadata()["compatibility"] == ["1.1"]


def test_unknown_fields_are_dropped_and_reported_language_variants_are_kept() -> None:
    release = parse("""{"ocid": "ocds-a-1", "id": "1", "date": "2024-01-02T03:04:05Z", "tag": ["tender"],
        "initiationType": "tender", "committee": {"members": [1, 2]},
        "tender": {"id": "T", "title": "路面", "title_hy": "ճանապարհ", "metodoDeAdquisicion": "x",
                   "items": [{"id": "i", "description_ru": "дорога", "notAFM": false}]}}""")
    kept, findings = normalize_release(release)
    assert kept["tender"]["title_hy"] == "ճանապարհ"
    assert kept["tender"]["items"] == [{"id": "i", "description_ru": "дорога"}]
    assert "committee" not in kept and "metodoDeAdquisicion" not in kept["tender"]
    assert reported(findings) == {("committee", "unknown"), ("tender/metodoDeAdquisicion", "unknown"),
                                  ("tender/items/0/notAFM", "unknown")}
    assert {f.pattern for f in findings} == {"committee", "tender/metodoDeAdquisicion", "tender/items/[]/notAFM"}


def test_bad_values_are_dropped_legacy_values_converted_missing_fields_reported() -> None:
    release = parse("""{"ocid": "ocds-a-1", "id": "1", "date": "2014-02-17", "tag": ["compiled"],
        "initiationType": "planning",
        "parties": [{"id": "P", "name": "", "address": {"postalCode": 11000}}],
        "tender": {"id": "T", "value": {"amount": "", "currency": "mdl"}, "status": "Evaluarea ofertelor",
                   "submissionMethod": "electronicSubmission", "tenderers": [{"id": "X", "name": ""}]},
        "bids": {"details": [{"id": "B1", "status": "qualified"}, {"id": "B2", "status": "not-qualified"},
                             {"id": "B3", "status": "active"}]},
        "awards": [{"title": "no id"}]}""")
    kept, findings = normalize_release(release)
    assert reported(findings) == {
        ("date", "format"), ("initiationType", "codelist"), ("date", "missing"), ("initiationType", "missing"),
        ("tender/tenderers/0/name", "empty"), ("parties/0/address/postalCode", "converted"),
        ("tender/value/amount", "type"), ("tender/value/currency", "converted"), ("tender/status", "codelist"),
        ("tender/submissionMethod", "type"), ("bids/details/0/status", "converted"),
        ("bids/details/1/status", "converted"), ("bids/details/2/status", "converted"), ("awards/0/id", "missing"),
    }
    assert kept["parties"][0] == {"id": "P", "name": "", "address": {"postalCode": "11000"}}
    assert kept["tender"] == {"id": "T", "value": {"currency": "MDL"}, "tenderers": [{"id": "X"}]}
    assert [b["status"] for b in kept["bids"]["details"]] == ["valid", "disqualified", "valid"]
    assert all(f.dropped == (f.reason not in ("converted", "missing")) for f in findings)


def test_numbers_stay_exact_in_payload_form_and_come_back_as_numbers() -> None:
    release = parse("""{"ocid": "o", "id": "1", "date": "2024-01-02T03:04:05+08:00", "tag": ["award"],
        "initiationType": "tender", "awards": [{"id": "A", "value": {"amount": 12.345, "currency": "CNY"},
        "items": [{"id": "i", "quantity": 1.0}]}],
        "parties": [{"id": "P", "details": {"share": 0.1, "big": 9007199254740993}}]}""")
    kept, findings = normalize_release(release)
    assert findings == []
    assert kept["awards"][0]["value"]["amount"] == {"$decimal": "12.345"}
    assert kept["awards"][0]["items"][0]["quantity"] == 1  # a whole number is an integer
    # Free-form content (partyDetail) is kept whole, numbers exact too.
    assert kept["parties"][0]["details"] == {"share": {"$decimal": "0.1"}, "big": {"$decimal": "9007199254740993"}}
    back = json.loads(dumps(to_document(kept)))
    assert back["awards"][0]["value"]["amount"] == 12.345
    assert to_document(kept)["parties"][0]["details"]["big"] == Decimal("9007199254740993")


def release(rid: str, date: str, **body: Any) -> dict[str, Any]:
    return {"ocid": "ocds-a-1", "id": rid, "date": date, "tag": ["tender"], "initiationType": "tender", **body}


def test_merge_follows_the_ocds_merging_rules() -> None:
    later = release("2", "2024-01-03T00:00:00+08:00", tender={
        "id": "T", "title": None, "items": [{"id": "b", "quantity": 3}, {"id": "c"}],
        "additionalProcurementCategories": ["goods"]},
        parties=[{"id": "P", "roles": ["buyer"], "additionalIdentifiers": [{"id": "y"}]}])
    earlier = release("1", "2024-01-02T23:00:00+08:00", tender={
        "id": "T", "title": "路面工程", "status": "active", "items": [{"id": "a"}, {"id": "b", "quantity": 1}],
        "additionalProcurementCategories": ["works", "services"]},
        parties=[{"id": "P", "name": "买方", "additionalIdentifiers": [{"id": "x"}, {"id": "z"}]}])
    compiled = compile_releases([later, earlier])  # given out of order: the merge sorts by date
    assert compiled["id"] == "ocds-a-1-2024-01-03T00:00:00+08:00" and compiled["tag"] == ["compiled"]
    tender = compiled["tender"]
    assert "title" not in tender  # null removes
    assert tender["status"] == "active"
    assert tender["items"] == [{"id": "a"}, {"id": "b", "quantity": 3}, {"id": "c"}]  # identity merge
    assert tender["additionalProcurementCategories"] == ["goods"]  # arrays of strings are replaced
    # wholeListMerge: additionalIdentifiers is replaced, not merged by id.
    assert compiled["parties"] == [{"id": "P", "name": "买方", "additionalIdentifiers": [{"id": "y"}],
                                    "roles": ["buyer"]}]


def test_merge_orders_by_instant_not_by_text() -> None:
    # 23:30 at +00:00 is after 00:10 the next day at +08:00 (16:10 UTC): text order would be wrong.
    first = release("1", "2024-01-02T00:10:00+08:00", tender={"id": "T", "title": "first"})
    second = release("2", "2024-01-01T23:30:00+00:00", tender={"id": "T", "title": "second"})
    assert compile_releases([second, first])["tender"]["title"] == "second"
