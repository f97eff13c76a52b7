"""The supervision cockpit: counts, lots by stage, volume by Beijing-time month, warnings, the live stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jianzheng.web.app import create_app
from jianzheng.web.pages import cockpit, figures
from tests.support.tender import build_world, register_lot
from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


def chart_data(html: str, element_id: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def kpi(html: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}">.*?<span class="kpi-value"[^>]*>([^<]+)</span>', html, re.S)
    assert found, name
    return found.group(1)


def test_the_cockpit_counts_lots_and_shows_them_by_stage(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok("/cockpit")
    assert kpi(html, "lots") == "7"
    assert kpi(html, "bidding") == "1" and kpi(html, "completed") == "1"
    assert kpi(html, "warnings") == "1"  # the contract signed 35 days after the award
    stages = {s["stage"]: s["count"] for s in chart_data(html, "stage-data")}  # type: ignore[union-attr]
    assert stages["completed"] == 1 and stages["awarded"] == 1 and stages["contracted"] == 1
    assert stages["failed"] == 1 and stages["evaluation"] == 1 and stages["bidding"] == 1
    assert stages["documents_compiled"] == 1 and sum(stages.values()) == 7
    assert 'data-chart="stages"' in html and "/static/vendor/echarts/echarts.min.js" in html


def test_the_cockpit_sums_estimated_and_awarded_value_exactly(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("staff").ok("/cockpit")
    counts = figures.counts(page_world.world.services.engine)
    estimates = [1_000_000_000, 620_000_000, 1_480_000_000, 310_000_000, 2_150_000_000, 880_000_000, 150_000_000]
    assert counts.estimated_fen == sum(estimates)
    assert kpi(html, "estimated") == "6,590.00"  # 万元
    # Awarded: the completed and late lots by their contract price, the overdue lot by its winning bid.
    queries, staff = page_world.world.services.queries, page_world.world.actors["staff"]
    expected = 0
    for key in ("completed", "overdue", "late_contract"):
        lot = queries.lot(staff, page_world.lots[key])
        winning = next(b["price_fen"] for b in queries.bids(staff, lot["lot_id"])
                       if b["bidder_id"] == lot["awarded_bidder_id"] and b["status"] == "opened")
        expected += lot["contract_price_fen"] or winning
    assert counts.awarded_fen == expected
    volume = chart_data(html, "volume-data")
    assert volume["months"][0] == "2026-03"  # type: ignore[index]
    assert volume["months"] == figures.month_range(volume["months"])  # type: ignore[index]


def test_the_cockpit_shows_alerts_by_status_severity_and_indicator(visitor: PageClient,
                                                                   page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok("/cockpit")
    desk, supervisor = page_world.world.services.desk, page_world.world.actors["supervisor"]
    counts = desk.alert_counts(supervisor)
    total, latest = desk.alerts(supervisor, {"status": ["new", "acknowledged", "under_review"]}, "-raised", 10, 0)
    assert total >= 2  # the rule warning of the late contract, and the batch's late-contract alert(s)
    assert re.search(rf'data-open-alerts>{total}<', html)
    assert re.search(rf'data-alert-count="new"><td>新预警</td><td class="num">{counts["status"]["new"]}</td>', html)
    listed = re.findall(r'<li class="alert-item severity-[a-z]+" data-alert-id="([0-9a-f]+)"', html)
    assert listed == [row["alert_id"] for row in latest]
    chart = chart_data(html, "alert-data")
    codes = figures.open_alerts_by_indicator(page_world.world.services.engine)
    names = cockpit.indicator_names()
    assert chart["indicators"] == [names[code][0] for code in codes]  # type: ignore[index]
    assert "PROC-RULE" in codes
    assert sum(sum(s["counts"]) for s in chart["series"]) == total  # type: ignore[index]
    assert 'data-alert-stream="/cockpit/alerts/stream?after=' in html


def test_the_cockpit_lists_rule_warnings_and_the_latest_operations(visitor: PageClient) -> None:
    html = visitor.signed_in("supervisor").ok("/cockpit")
    assert 'data-block="alerts"' in html
    assert "招标人和中标人应当自中标通知书发出之日起三十日内订立书面合同" in html
    assert "招标投标法第四十六条 / Law 46" in html
    operations = re.findall(r'<li class="op" data-seq="(\d+)"', html)
    assert len(operations) == 20
    assert [int(s) for s in operations] == sorted((int(s) for s in operations), reverse=True)
    assert "用户登录" in html  # the supervisor's own sign-in is the newest operation


def stream_text(client: TestClient, url: str, **headers: str) -> str:
    with client.stream("GET", url, headers={"Accept": "text/event-stream", **headers}) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        return "".join(answer.iter_text())


@pytest.fixture
def short_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The stream ends by itself after STREAM_SECONDS; the browser then reconnects with Last-Event-ID.
    monkeypatch.setattr(cockpit, "STREAM_SECONDS", 0.6)
    monkeypatch.setattr(cockpit, "POLL_SECONDS", 0.2)
    yield


def test_the_live_stream_sends_operations_after_a_sequence_number(
        visitor: PageClient, page_world: PageWorld, short_stream: None) -> None:
    visitor.signed_in("supervisor")
    latest = figures.latest_seq(page_world.world.services.engine)
    text = stream_text(visitor.client, f"/cockpit/stream?after={latest - 3}")
    assert text.startswith("retry: 2000")
    ids = [int(i) for i in re.findall(r"^id: (\d+)$", text, re.M)]
    assert ids == [latest - 2, latest - 1, latest]
    assert text.count("event: operation") == 3
    assert all(line.startswith(("data: ", "id: ", "event: ", "retry: ")) for line in text.splitlines() if line)
    # A reconnect resumes after the Last-Event-ID the browser sends, whatever the URL says.
    resumed = stream_text(visitor.client, "/cockpit/stream?after=0", **{"Last-Event-ID": str(latest - 1)})
    assert [int(i) for i in re.findall(r"^id: (\d+)$", resumed, re.M)] == [latest]


def test_the_live_stream_is_for_supervisors_and_staff_only(page_app: object) -> None:
    bidder = PageClient(page_app).signed_in("bidder1")  # type: ignore[arg-type]
    assert bidder.get("/cockpit/stream").status_code == 403
    assert bidder.get("/cockpit/alerts/stream").status_code == 403


def test_the_alert_stream_replays_alerts_after_a_position_as_rendered_items(
        visitor: PageClient, page_world: PageWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cockpit, "STREAM_SECONDS", 0.5)
    monkeypatch.setattr(cockpit, "HEARTBEAT_SECONDS", 0.2)
    visitor.signed_in("supervisor")
    _, rows = page_world.world.services.desk.alerts(page_world.world.actors["supervisor"], {}, "raised", 100, 0)
    first = rows[0]
    text = stream_text(visitor.client, f"/cockpit/alerts/stream?after={first['raised_seq'] - 1}")
    ids = re.findall(r'data-alert-id="([0-9a-f]+)"', text)
    assert ids == [row["alert_id"] for row in rows]
    assert text.count("event: alert\n") == len(rows)
    assert "业务流程预警" in text


@pytest.mark.parametrize("hour_utc, month", [(15, "2026-03"), (16, "2026-04")])
def test_volume_is_grouped_by_beijing_month_on_sqlite_and_postgresql(
        database_url: str, tmp_path: Path, hour_utc: int, month: str) -> None:
    # 2026-03-31 16:00 UTC is already 1 April in Beijing; 15:00 UTC is still 31 March.
    world = build_world(tmp_path / "data", database_url, bidders=0, experts=0)
    try:
        world.clock.set(datetime(2026, 3, 31, hour_utc, 0, tzinfo=UTC))
        register_lot(world, estimate_fen=123_456_789)
        rows = figures.volume_by_month(world.services.engine)
        assert [(r["month"], r["estimated_fen"], r["registered"]) for r in rows] == [(month, 123_456_789, 1)]
        page = PageClient(create_app(world.services))
        with page.client:
            html = page.signed_in("supervisor").ok("/cockpit")
        assert month in html and "123.46" in html  # 万元
    finally:
        world.services.engine.dispose()
