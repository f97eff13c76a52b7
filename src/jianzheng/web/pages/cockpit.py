"""The supervision cockpit (监管驾驶舱): lots by stage, trading volume, counts, and the live operations.

The live stream is server-sent events: the server follows the event log by sequence number
(one indexed query a second) and sends each new operation as a rendered fragment; the browser's
EventSource reconnects on its own with `Last-Event-ID`, so nothing is lost between
connections. A connection lasts at most `STREAM_SECONDS` so that stale sessions end and a
revoked or expired sign-in is noticed at the next reconnect. No broker is needed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from jianzheng.domain.alerts import SEVERITIES, AlertStatus
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.roles import Role
from jianzheng.web.api.alerts import alert_event_stream
from jianzheng.web.pages import figures
from jianzheng.web.pages.render import PageRoute, finish, render, render_text
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

WATCHERS = (Role.STAFF, Role.SUPERVISOR)
POLL_SECONDS = 1.0
STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0
BATCH = 50


def stage_chart(v: Visitor, by_stage: dict[str, int]) -> list[dict[str, Any]]:
    return [{"stage": s.value, "label": v.t.label("stage", s.value), "count": by_stage.get(s.value, 0)}
            for s in Stage]


def volume_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    # Chart values in 万元 as numbers; the exact figures are in the table beside the chart.
    return {"months": [r["month"] for r in rows],
            "estimated": [round(r["estimated_fen"] / 1_000_000, 2) for r in rows],
            "awarded": [round(r["awarded_fen"] / 1_000_000, 2) for r in rows]}


@cache
def indicator_names() -> dict[str, tuple[str, str]]:
    """Chinese and English names of the registered indicators, by code."""
    from jianzheng.supervision.registry import all_indicators

    return {code: (spec.name_zh, spec.name_en) for code, spec in all_indicators().items()}


def indicator_name(v: Visitor, code: str) -> str:
    names = indicator_names().get(code)
    if names:
        return v.t.both(*names)
    return v.t.label("indicator", code)


def alert_panels(v: Visitor) -> dict[str, Any]:
    """The cockpit's alert block: counts by status and severity, open alerts by indicator, the latest."""
    desk = v.services.desk
    counts = desk.alert_counts(v.actor)
    by_indicator = figures.open_alerts_by_indicator(v.services.engine)
    chart = {"indicators": [indicator_name(v, code) for code in by_indicator],
             "series": [{"severity": s, "label": v.t(f"severity.{s}"),
                         "counts": [by_indicator[code].get(s, 0) for code in by_indicator]}
                        for s in reversed(SEVERITIES)]}
    _, latest = desk.alerts(v.actor, {"status": list(figures.OPEN_ALERTS)}, "-raised", 10, 0)
    lots = figures.lot_names(v.services.engine, {lot for row in latest for lot in row["lot_ids"]})
    return {"status_counts": [(s.value, counts["status"].get(s.value, 0)) for s in AlertStatus],
            "open_total": sum(counts["open_severity"].values()),
            "severity_counts": [(s, counts["open_severity"].get(s, 0)) for s in reversed(SEVERITIES)],
            "alert_chart": chart, "latest_alerts": [alert_item(v, row, lots) for row in latest],
            "last_alert_seq": figures.latest_alert_seq(v.services.engine)}


def alert_item(v: Visitor, row: dict[str, Any], lots: dict[str, str]) -> dict[str, Any]:
    """An alert as the cockpit lists it, from a stored row or a live `alert.raised` message."""
    explanation = row.get("explanation") or {"zh": row.get("explanation_zh"), "en": row.get("explanation_en")}
    return {"alert_id": row["alert_id"], "indicator": row["indicator"],
            "indicator_name": indicator_name(v, row["indicator"]), "severity": row["severity"],
            "status": row["status"], "explanation": v.t.both(explanation.get("zh"), explanation.get("en")),
            "time": row.get("raised_at") or row.get("time"),
            "lots": [(lot, lots.get(lot, lot)) for lot in row.get("lot_ids") or []]}


@router.get("/cockpit")
def cockpit(v: Page) -> HTMLResponse:
    v.require(*WATCHERS)
    engine = v.services.engine
    by_stage = figures.lots_by_stage(engine)
    volume = figures.volume_by_month(engine)
    events = figures.latest_events(engine, 20)
    return render(v, "cockpit.html", counts=figures.counts(engine), stages=stage_chart(v, by_stage),
                  volume=volume, volume_chart=volume_chart(volume), events=events,
                  last_seq=events[0]["seq"] if events else 0, warnings_by_rule=figures.warnings_by_rule(engine),
                  **alert_panels(v))


def sse_message(event: str, seq: int, html: str) -> str:
    data = "\n".join(f"data: {line}" for line in html.strip().splitlines())
    return f"id: {seq}\nevent: {event}\n{data}\n\n"


def stream_start(request: Request, after: str | None, latest: int) -> int:
    """Resume after Last-Event-ID (a reconnect), else after `after`, else from now."""
    for candidate in (request.headers.get("last-event-id"), after):
        if candidate and candidate.isdigit():
            return min(int(candidate), latest)
    return latest


@router.get("/cockpit/stream")
async def operations_stream(request: Request, v: Page, after: str | None = None) -> StreamingResponse:
    v.require(*WATCHERS)
    engine = v.services.engine
    latest = await run_in_threadpool(figures.latest_seq, engine)
    position = stream_start(request, after, latest)

    async def messages() -> AsyncIterator[str]:
        nonlocal position
        ends = time.monotonic() + STREAM_SECONDS
        yield "retry: 2000\n\n"
        idle = 0.0
        while time.monotonic() < ends:
            if await request.is_disconnected():
                return
            rows = await run_in_threadpool(figures.events_after, engine, position, BATCH)
            for row in rows:
                yield sse_message("operation", int(row["seq"]), render_text(v, "cockpit/_event.html", e=row))
                position = int(row["seq"])
            if len(rows) < BATCH:
                await asyncio.sleep(POLL_SECONDS)
                idle = 0.0 if rows else idle + POLL_SECONDS
                if idle >= 15:
                    # A comment line keeps proxies from closing an idle connection.
                    yield ": keep-alive\n\n"
                    idle = 0.0

    response = StreamingResponse(messages(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    finish(v, response)
    return response


def alert_message(v: Visitor, chunk: str) -> str | None:
    """Turn one message of the desk's alert stream into the cockpit's: a rendered item or a status change."""
    fields: dict[str, str] = {}
    for line in chunk.strip().splitlines():
        name, _, value = line.partition(": ")
        if name in ("event", "id", "data"):
            fields[name] = value
    if "data" not in fields or "id" not in fields:
        return None
    data = json.loads(fields["data"])
    if fields.get("event") == "alert.raised":
        lots = figures.lot_names(v.services.engine, set(data.get("lot_ids") or []))
        html = render_text(v, "cockpit/_alert.html", a=alert_item(v, data, lots))
        return sse_message("alert", int(fields["id"]), html)
    if data.get("status") and data.get("alert_id"):
        change = {"alert_id": data["alert_id"], "status": data["status"],
                  "label": v.t.label("alert.status", data["status"])}
        return f"id: {fields['id']}\nevent: alert-status\ndata: {json.dumps(change, ensure_ascii=False)}\n\n"
    return None


@router.get("/cockpit/alerts/stream")
async def alerts_stream(request: Request, v: Page, after: str | None = None) -> StreamingResponse:
    """The desk's live alert stream for a signed-in page (the API's stream needs a bearer token)."""
    v.require(*WATCHERS)
    latest = await run_in_threadpool(figures.latest_alert_seq, v.services.engine)
    position = stream_start(request, after, max(latest, await run_in_threadpool(figures.latest_seq,
                                                                                v.services.engine)))
    source = alert_event_stream(v.services, v.actor, request, position, heartbeat=HEARTBEAT_SECONDS)

    async def messages() -> AsyncIterator[str]:
        ends = time.monotonic() + STREAM_SECONDS
        async for chunk in source:
            if chunk.startswith(("retry:", ":")):
                yield chunk
            else:
                message = await run_in_threadpool(alert_message, v, chunk)
                if message:
                    yield message
            if time.monotonic() >= ends:
                return

    response = StreamingResponse(messages(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    finish(v, response)
    return response
