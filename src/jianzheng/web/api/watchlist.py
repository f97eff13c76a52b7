"""The watch list (重点关注名单): supervisors add and remove entries; staff may look.

While an entry is in force, its subject signing in, registering for a lot or being drawn
for a committee raises a WATCHLIST alert at once (see `GET /api/v1/alerts/stream`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Strict, changed

router = APIRouter(prefix="/watchlist", tags=["watchlist 重点关注名单"])


class WatchIn(Strict):
    kind: Literal["expert", "person", "bidder", "agency"] = Field(
        description="对象类型：评标专家、人员、投标人、代理机构 / kind of subject")
    subject_id: str = Field(description="人员或单位编号 / person or party id")
    reason: str = Field(description="列入理由 / why the subject is watched")
    valid_from: AwareDatetime | None = Field(None, description="关注起始（默认现在）/ from (default: now)")
    valid_to: AwareDatetime = Field(description="关注截止（不含）/ until (exclusive)")


class RemoveIn(Strict):
    reason: str = Field(description="移出理由 / why the entry is removed")


@router.get("", summary="重点关注名单 / the watch list")
def list_entries(
    call: Call,
    state: Annotated[Literal["in_force", "all", "removed", "expired", "upcoming"], Query(
        description="在用、全部、已移出、已到期、未生效 / which entries")] = "in_force",
    kind: Annotated[Literal["expert", "person", "bidder", "agency"] | None, Query(
        description="对象类型 / kind of subject")] = None,
    subject_id: Annotated[str | None, Query(description="人员或单位编号 / person or party id")] = None,
) -> list[dict[str, Any]]:
    return call.services.desk.watchlist(call.actor, state, kind, subject_id)


@router.get("/{entry_id}", summary="名单条目及其预警 / one entry with its alerts")
def get_entry(entry_id: str, call: Call) -> dict[str, Any]:
    return call.services.desk.watch_entry(call.actor, entry_id)


@router.post("", status_code=201, summary="列入名单 / add an entry")
def add_entry(body: WatchIn, call: Change) -> Changed:
    return changed(call.services.desk.watch(call.actor, body.kind, body.subject_id, body.reason, body.valid_to,
                                            body.valid_from, call.ip))


@router.post("/{entry_id}/removal", summary="移出名单 / remove an entry")
def remove_entry(entry_id: str, body: RemoveIn, call: Change) -> Changed:
    return changed(call.services.desk.unwatch(call.actor, entry_id, body.reason, call.ip))
