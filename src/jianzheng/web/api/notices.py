"""Public notices (公告公示): announcements, opening records, candidates, awards — no sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from jianzheng.web.deps import Call

router = APIRouter(prefix="/notices", tags=["notices 公告"])


@router.get("", summary="公告公示 / public notices")
def list_notices(call: Call, kind: str | None = None, limit: int = Query(50, ge=1, le=500),
                 offset: int = Query(0, ge=0)) -> list[dict[str, Any]]:
    return call.services.queries.notices(kind, limit, offset)
