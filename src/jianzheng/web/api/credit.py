"""Credit records (信用记录): public reading, recording and revoking by supervisors.

Published, unrevoked records are public (社会公众, no token needed): the portal shows who
was sanctioned, for what, on which basis and for how long. Staff and supervisors see
every record. A sanction that bars bidding makes bid registration refuse the party while
its period runs (一处失信，处处受限).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from jianzheng.domain import credit as cr
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Strict, changed

router = APIRouter(prefix="/credit-records", tags=["credit 信用记录"])


class CreditIn(Strict):
    subject_kind: Literal["party", "person"] = Field("party", description="对象：单位或人员 / a party or a person")
    subject_id: str = Field(description="单位或人员编号 / party or person id")
    behaviour: str = Field(description="失信行为 / the bad behaviour")
    sanction: str = Field(description="处理措施：warning criticism fine bid_ban blacklist expert_suspension "
                                      "expert_disqualified / the sanction")
    basis: str = Field(description="处理依据（法条）/ legal basis")
    authority: str = Field(description="决定机关 / deciding authority")
    period_from: AwareDatetime = Field(description="记录期限起始 / record period from")
    period_to: AwareDatetime = Field(description="记录期限截止（不含）/ record period until (exclusive)")
    decision_ref: str = Field("", description="决定文号 / decision document number")
    published: bool = Field(True, description="是否向社会公开 / published on the portal")

    def command(self) -> cr.RecordCredit:
        return cr.RecordCredit(
            subject_kind=self.subject_kind, subject_id=self.subject_id, behaviour=self.behaviour,
            sanction=self.sanction, basis=self.basis, authority=self.authority, period_from=self.period_from,
            period_to=self.period_to, decision_ref=self.decision_ref, published=self.published)


class RevokeIn(Strict):
    reason: str = Field(description="撤销理由 / reason for revoking")


@router.get("", summary="信用记录（公开）/ credit records (public)")
def list_records(
    call: Call,
    subject_id: Annotated[str | None, Query(description="单位或人员编号 / party or person id")] = None,
    sanction: Annotated[str | None, Query(description="处理措施 / sanction")] = None,
    in_force: Annotated[bool, Query(description="只看期限内的 / only records in force now")] = False,
    bars_bidding: Annotated[bool | None, Query(description="是否限制投标 / sanctions that bar bidding")] = None,
    text: Annotated[str | None, Query(max_length=100,
                                      description="名称或行为关键词 / search name or behaviour")] = None,
    include_revoked: Annotated[bool, Query(description="含已撤销（仅工作人员可见）/ include revoked")] = True,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数 / page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="跳过条数 / offset")] = 0,
) -> dict[str, Any]:
    total, items = call.services.desk.credit_records(call.actor, subject_id, sanction, in_force, bars_bidding, text,
                                                     include_revoked, limit, offset)
    return {"total": total, "items": items}


@router.get("/sanctions", summary="处理措施种类 / kinds of sanction")
def sanctions() -> list[dict[str, Any]]:
    return [{"code": s.code, "label_zh": s.label_zh, "label_en": s.label_en, "bars_bidding": s.bars_bidding,
             "applies_to": sorted(s.applies_to)} for s in cr.SANCTIONS.values()]


@router.get("/{record_id}", summary="一条信用记录 / one credit record")
def get_record(record_id: str, call: Call) -> dict[str, Any]:
    return call.services.desk.credit_record(call.actor, record_id)


@router.post("", status_code=201, summary="记录失信行为 / record a credit record")
def record(body: CreditIn, call: Change) -> Changed:
    return changed(call.services.desk.record_credit(call.actor, body.command(), call.ip))


@router.post("/{record_id}/revocation", summary="撤销信用记录 / revoke a credit record")
def revoke(record_id: str, body: RevokeIn, call: Change) -> Changed:
    return changed(call.services.desk.revoke_credit(call.actor, record_id, body.reason, call.ip))
