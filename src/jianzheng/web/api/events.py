"""The operation log (操作日志): who did what, when and from where, filtered by lot, person, type, time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from jianzheng.domain.calendar import format_instant
from jianzheng.web.deps import Call

router = APIRouter(tags=["log 操作日志"])


@router.get("/events", summary="操作日志 / operation log")
def operation_log(
    call: Call,
    lot_id: Annotated[str | None, Query(description="标段编号 / lot id")] = None,
    actor: Annotated[str | None, Query(description="操作人账号编号 / the acting user's id")] = None,
    role: Annotated[str | None, Query(description="操作人角色 / the acting role")] = None,
    type: Annotated[str | None, Query(description="事件类型，可用 * 通配，如 lot.* / event type, * allowed")] = None,
    since: Annotated[AwareDatetime | None, Query(description="起始时间（含）/ from (inclusive), ISO 8601")] = None,
    until: Annotated[AwareDatetime | None, Query(description="截止时间（含）/ until (inclusive), ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数 / page size")] = 100,
    offset: Annotated[int, Query(ge=0, description="跳过条数 / offset")] = 0,
) -> dict[str, Any]:
    filters = {"lot_id": lot_id, "actor": actor, "role": role, "type": type,
               "since": format_instant(since) if since else None, "until": format_instant(until) if until else None}
    total, items = call.services.queries.log(call.actor, filters, limit, offset)
    return {"total": total, "items": items}


@router.get("/warnings", summary="规则预警 / rule warnings")
def warnings(call: Call, limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    return call.services.queries.warnings(call.actor, limit)
