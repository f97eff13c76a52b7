"""The certificate check page: upload a bundle, see whether it verifies and exactly what fails."""

from __future__ import annotations

import json

import pytest

from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


@pytest.fixture(scope="module")
def bundle(page_app: object, page_world: PageWorld) -> bytes:
    staff = PageClient(page_app)  # type: ignore[arg-type]
    staff.signed_in("staff")
    answer = staff.get(f"/lots/{page_world.lots['completed']}/certificate?format=json")
    assert answer.status_code == 200, answer.text
    staff.client.close()
    return answer.content


def upload(client: PageClient, data: bytes | None, **fields: str) -> tuple[int, str]:
    page = client.ok("/certificates/check")
    files = {"file": ("certificate.json", data, "application/json")} if data is not None else None
    answer = client.client.post("/certificates/check", data={"csrf_token": client.csrf(page), **fields},
                                files=files)
    return answer.status_code, answer.text


def test_the_check_page_is_public(visitor: PageClient) -> None:
    html = visitor.ok("/certificates/check")
    assert 'enctype="multipart/form-data"' in html and "data-no-result" in html


def test_a_genuine_certificate_verifies(visitor: PageClient, bundle: bytes, page_world: PageWorld) -> None:
    status, html = upload(visitor, bundle)
    assert status == 200 and 'data-verdict="ok"' in html and "证书核验通过" in html
    assert page_world.lots["completed"] in html and "data-signature=" in html
    assert 'data-table="failure"' not in html


def test_an_altered_event_fails_and_the_page_names_it(visitor: PageClient, bundle: bytes) -> None:
    doc = json.loads(bundle)
    events = doc["events"]
    target = next(e for e in events if e["event"].get("type") == "lot.opened")
    target["event"]["payload"]["bids"][0]["price_fen"] += 100  # the stated event no longer matches its leaf
    status, html = upload(visitor, json.dumps(doc, ensure_ascii=False).encode())
    assert status == 200 and 'data-verdict="failed"' in html
    assert f'data-seq="{target["seq"]}"' in html


def test_bad_input_is_named_next_to_its_field(visitor: PageClient, bundle: bytes) -> None:
    status, html = upload(visitor, None)
    assert status == 422 and 'data-error-for="file"' in html
    status, html = upload(visitor, bundle, keys="not a key")
    assert status == 422 and 'data-error-for="keys"' in html and "not a key" in html
    status, html = upload(visitor, b"{ not json")
    assert status == 200 and 'data-verdict="failed"' in html  # a malformed bundle fails verification
    page = visitor.ok("/certificates/check")
    answer = visitor.client.post("/certificates/check", data={"csrf_token": "forged"},
                                 files={"file": ("c.json", bundle, "application/json")})
    assert answer.status_code == 403 and 'data-error-for="form"' in answer.text
    assert page
