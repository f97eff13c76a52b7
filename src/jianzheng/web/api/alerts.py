"""Alerts (预警): the supervisors' workbench — list, evidence, workflow, comments, live stream.

Staff and supervisors read; supervisors act. The workflow is new → acknowledged →
under_review → transferred / dismissed / confirmed; each action answers with the witnessed
events it appended. `GET /alerts/stream` is a server-sent-event stream of alert events as
they are committed (``event: alert.raised`` etc., ``id:`` the ledger sequence number);
a client that reconnects with ``Last-Event-ID`` (or ``?after=``) first gets the alerts
raised since, from the read tables.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from jianzheng.bootstrap import Services
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import invalid
from jianzheng.services.actor import Actor
from jianzheng.services.desk import raised_data
from jianzheng.services.policy import authorize
from jianzheng.web.api.credit import CreditIn
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Strict, changed

router = APIRouter(prefix="/alerts", tags=["alerts 预警"])

Status = Literal["new", "acknowledged", "under_review", "transferred", "dismissed", "confirmed"]
Severity = Literal["info", "low", "medium", "high"]
Source = Literal["batch", "realtime", "rule", "watchlist", "manual"]


class NoteIn(Strict):
    note: str = Field("", description="备注 / note")


class TransferIn(Strict):
    recipient: str = Field(description="移送机关，如某纪委监委 / the discipline inspection body receiving the clue")
    note: str = Field(description="移送说明 / what is transferred and why")


class DismissIn(Strict):
    reason: str = Field(description="排除理由 / why the alert is dismissed")


class ConfirmIn(Strict):
    finding: str = Field(description="核查结论 / the finding")
    credit: CreditIn | None = Field(None, description="同时记录的信用记录 / a credit record to record with it")


class AssignIn(Strict):
    assignee: str = Field(description="承办人（行政监督人员的账号编号或用户名）/ supervisor's user id or username")
    note: str = Field("", description="备注 / note")


class CommentIn(Strict):
    text: str = Field(description="意见 / comment")


@router.get("", summary="预警列表 / alerts")
def list_alerts(
    call: Call,
    status: Annotated[list[Status] | None, Query(description="状态（可多选）/ status, repeatable")] = None,
    severity: Annotated[list[Severity] | None, Query(description="严重程度（可多选）/ severity, repeatable")] = None,
    indicator: Annotated[list[str] | None, Query(description="指标代码（可多选）/ indicator code, repeatable")] = None,
    source: Annotated[list[Source] | None, Query(description="来源（可多选）/ source, repeatable")] = None,
    assignee: Annotated[str | None, Query(
        description="承办人账号编号或用户名；none 为未分派 / assignee (user id or username; none: unassigned)")] = None,
    lot_id: Annotated[str | None, Query(description="涉及的标段 / lot concerned")] = None,
    party_id: Annotated[str | None, Query(description="涉及的单位 / party concerned")] = None,
    person_id: Annotated[str | None, Query(description="涉及的人员 / person concerned")] = None,
    since: Annotated[AwareDatetime | None, Query(description="预警时间起（含）/ raised from (inclusive)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="预警时间止（含）/ raised until (inclusive)")] = None,
    text: Annotated[str | None, Query(max_length=100, description="说明中的关键词 / words in the explanation")] = None,
    order: Annotated[Literal["-raised", "raised", "-severity", "-updated"], Query(
        description="排序：最新、最早、严重程度、最近处理 / newest, oldest, severity, last handled")] = "-raised",
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数 / page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="跳过条数 / offset")] = 0,
) -> dict[str, Any]:
    filters: dict[str, Any] = {"status": status, "severity": severity, "indicator": indicator, "source": source,
                               "assignee": assignee, "lot_id": lot_id, "party_id": party_id, "person_id": person_id,
                               "since": since, "until": until, "text": text}
    total, items = call.services.desk.alerts(call.actor, filters, order, limit, offset)
    return {"total": total, "items": items}


@router.get("/counts", summary="预警统计 / alert counts by status and severity")
def counts(call: Call) -> dict[str, dict[str, int]]:
    return call.services.desk.alert_counts(call.actor)


def _sse(event: str, seq: int, data: dict[str, Any]) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {event}\nid: {seq}\ndata: {body}\n\n"


async def alert_event_stream(services: Services, actor: Actor, request: Request, after: int | None = None,
                             limit: int | None = None, heartbeat: float = 15.0) -> AsyncIterator[str]:
    """Server-sent events of alert events for `actor` (already authorized to view alerts).

    Alerts raised after ledger position `after` come first (from the read tables), then
    every alert event as it is committed; a comment line every `heartbeat` seconds keeps
    proxies from closing an idle stream. Stops after `limit` events, or when the client
    goes away. Page routers with cookie sign-in can stream through this function too.
    """
    sent = 0
    last = after or 0
    # Subscribe before reading the backlog, so nothing committed in between is missed.
    with services.live.subscription({"alert"}) as sub:
        yield f"retry: 3000\n: {format_instant(services.platform.clock.now())}\n\n"
        if after is not None:
            backlog = await run_in_threadpool(services.desk.alerts_after, actor, after, 500)
            for row in backlog:
                if limit is not None and sent >= limit:
                    return
                data = raised_data(row)
                yield _sse("alert.raised", data["seq"], data)
                sent += 1
                last = max(last, int(data["seq"]))
        while limit is None or sent < limit:
            if await request.is_disconnected():
                return
            message = await sub.next(heartbeat)
            if message is None:
                yield ": keep-alive\n\n"
                continue
            if message.seq <= last and message.topic == "alert.raised":
                continue  # already sent from the backlog
            yield _sse(message.topic, message.seq, message.data)
            sent += 1


@router.get("/stream", summary="实时预警（服务器推送事件）/ live alerts (server-sent events)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "text/event-stream"}})
async def stream(
    request: Request,
    call: Call,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", description="断线续传 / resume after")] = None,
    after: Annotated[int | None, Query(ge=0, description="先补发此账本序号之后的预警 / replay alerts after")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10000, description="推送若干条后结束 / close after n")] = None,
    heartbeat: Annotated[float, Query(ge=1, le=300, description="心跳间隔（秒）/ keep-alive seconds")] = 15.0,
) -> StreamingResponse:
    await run_in_threadpool(authorize, call.actor, "alert.view")
    resume = after
    if resume is None and last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise invalid("Last-Event-ID", "Last-Event-ID 应为账本序号",
                          "Last-Event-ID must be a ledger sequence number")
        resume = int(last_event_id.strip())
    body = alert_event_stream(call.services, call.actor, request, resume, limit, heartbeat)
    return StreamingResponse(body, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/{alert_id}", summary="预警详情与证据 / one alert with its evidence and history")
def get_alert(alert_id: str, call: Call) -> dict[str, Any]:
    return call.services.desk.alert(call.actor, alert_id)


@router.post("/{alert_id}/acknowledge", summary="签收 / acknowledge")
def acknowledge(alert_id: str, body: NoteIn, call: Change) -> Changed:
    return changed(call.services.desk.acknowledge(call.actor, alert_id, body.note, call.ip))


@router.post("/{alert_id}/review", summary="开始核查 / start the review")
def review(alert_id: str, body: NoteIn, call: Change) -> Changed:
    return changed(call.services.desk.start_review(call.actor, alert_id, body.note, call.ip))


@router.post("/{alert_id}/transfer", summary="线索移送纪检监察 / transfer to discipline inspection")
def transfer(alert_id: str, body: TransferIn, call: Change) -> Changed:
    return changed(call.services.desk.transfer(call.actor, alert_id, body.recipient, body.note, call.ip))


@router.post("/{alert_id}/dismiss", summary="排除 / dismiss with a reason")
def dismiss(alert_id: str, body: DismissIn, call: Change) -> Changed:
    return changed(call.services.desk.dismiss(call.actor, alert_id, body.reason, call.ip))


@router.post("/{alert_id}/confirm", summary="确认（可同时记录信用记录）/ confirm, optionally recording credit")
def confirm(alert_id: str, body: ConfirmIn, call: Change) -> Changed:
    credit = body.credit.command() if body.credit else None
    return changed(call.services.desk.confirm(call.actor, alert_id, body.finding, credit, call.ip))


@router.post("/{alert_id}/assign", summary="分派承办人 / assign to a supervisor")
def assign(alert_id: str, body: AssignIn, call: Change) -> Changed:
    return changed(call.services.desk.assign(call.actor, alert_id, body.assignee, body.note, call.ip))


@router.post("/{alert_id}/comments", status_code=201, summary="批注意见 / comment")
def comment(alert_id: str, body: CommentIn, call: Change) -> Changed:
    return changed(call.services.desk.comment(call.actor, alert_id, body.text, call.ip))
