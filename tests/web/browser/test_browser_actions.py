"""End to end in headless Chromium: the opening hall live, the alert workbench, the certificate check.

These pages act, so they run against a site of their own (`action_site`, the world of
`tests/web/pages/action_world.py`), at 1920x1080 and at a phone's 390x844.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.tender import PASSWORD
from tests.web.browser.conftest import ActionSite, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_the_hall_table_updates_live_when_a_bidder_signs_in(action_site: ActionSite, browser_page: Any,
                                                            size: str) -> None:
    page = browser_page
    world = action_site.world.world
    lot = action_site.world.hall_lot if size == "wide" else action_site.world.spare_hall_lot
    sign_in(page, action_site, "staff")
    page.goto(action_site.url(f"/lots/{lot}"))
    page.click("[data-hall-link]")
    page.wait_for_url(action_site.url(f"/lots/{lot}/hall"))
    assert page.inner_text('[data-countdown="deadline"] [data-countdown-value]') == "已到时"
    page.click('[data-hall-action="start"] button')
    page.wait_for_selector('[data-done="start"]')
    page.wait_for_selector('[data-live-state="hall"][data-state="live"]', timeout=10_000)
    # The release window counts down on the server's clock: 30 minutes or less, never "passed".
    remaining = page.inner_text('[data-countdown="release"] [data-countdown-value]')
    assert remaining != "已到时" and ":" in remaining
    assert page.locator('tr[data-signed-in="true"]').count() == 0
    # bidder2 signs in from its own office: the staff's page shows it without reloading.
    world.services.sealed.sign_in(world.actors["bidder2"], lot, "10.2.2.2")
    row = page.locator(f'tr[data-bidder="{world.parties["bidder2"]}"][data-signed-in="true"]')
    row.wait_for(timeout=10_000)
    assert "已签到" in row.inner_text()
    assert "已签到 1 / 3" in page.inner_text("[data-hall-counts]")
    screenshot(page, "hall-live", size)
    page.click('[data-hall-action="open"] button')
    page.wait_for_selector('[data-done="open"]')
    assert page.locator("tr[data-result]").count() == 3
    assert "¥9,500,000.00" in page.inner_text('[data-table="hall-results"]')
    screenshot(page, "hall-opened", size)


def test_a_supervisor_acknowledges_an_alert_in_the_workbench(action_site: ActionSite, browser_page: Any,
                                                             size: str) -> None:
    page = browser_page
    world = action_site.world.world
    world.services.auth.login("bidder4", PASSWORD, "10.4.4.4")  # the watched bidder: a new alert
    desk, supervisor = world.services.desk, world.actors["supervisor"]
    _, newest = desk.alerts(supervisor, {"status": ["new"], "indicator": ["WATCHLIST"]}, "-raised", 1, 0)
    alert_id = newest[0]["alert_id"]
    sign_in(page, action_site, "supervisor")
    page.goto(action_site.url("/alerts?status=new"))
    row = page.locator(f'tr[data-alert-id="{alert_id}"]')
    assert row.get_attribute("data-status") == "new"
    screenshot(page, "alerts-workbench", size)
    row.locator("[data-quick-ack] button").click()
    page.wait_for_url(action_site.url("/alerts?status=new"))
    assert page.locator(f'tr[data-alert-id="{alert_id}"]').count() == 0
    assert desk.alert(supervisor, alert_id)["status"] == "acknowledged"
    page.goto(action_site.url(f"/alerts/{alert_id}"))
    assert page.locator('[data-alert-status="acknowledged"]').first.inner_text() == "已签收"
    assert page.locator("[data-event-link]").count() >= 1
    # An empty required field is named next to it, and nothing is written.
    page.click('form[data-action="review"] button')
    page.wait_for_selector('[data-done="review"]')
    page.click('form[data-action="dismiss"] button')
    assert page.inner_text('[data-error-for="dismiss.reason"]') == "请填写排除理由"
    assert desk.alert(supervisor, alert_id)["status"] == "under_review"
    screenshot(page, "alert-evidence", size)


def test_a_certificate_upload_verifies_and_a_tampered_one_names_the_event(action_site: ActionSite,
                                                                          browser_page: Any, size: str,
                                                                          tmp_path: Path) -> None:
    page = browser_page
    lot = action_site.world.early_lot
    sign_in(page, action_site, "staff")
    answer = page.request.get(action_site.url(f"/lots/{lot}/certificate?format=json"))
    assert answer.ok
    genuine = tmp_path / "certificate.json"
    genuine.write_bytes(answer.body())
    page.click("[data-logout]")
    page.goto(action_site.url("/public"))
    page.click("[data-cert-link]")
    page.wait_for_url(action_site.url("/certificates/check"))
    page.set_input_files("#file", str(genuine))
    page.click("form[data-cert-form] button[type=submit]")
    verdict = page.locator("[data-verdict]")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "ok" and "证书核验通过" in verdict.inner_text()
    screenshot(page, "certificate-ok", size)
    doc = json.loads(genuine.read_text(encoding="utf-8"))
    event = doc["events"][-1]
    event["event"]["source_ip"] = "6.6.6.6"  # the stated event no longer matches its witnessed leaf
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("#file", str(tampered))
    page.click("form[data-cert-form] button[type=submit]")
    page.wait_for_selector('[data-verdict="failed"]')
    assert page.locator(f'tr[data-failure][data-seq="{event["seq"]}"]').count() >= 1
    screenshot(page, "certificate-failed", size)
