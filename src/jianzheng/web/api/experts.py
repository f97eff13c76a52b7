"""The expert pool (专家库) and the verifiable draw (专家抽取): profiles, draws, answers, the re-check."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from jianzheng.domain.draw import Requirement
from jianzheng.domain.experts import SetExpertAvailability, SetExpertProfile
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Strict, changed

router = APIRouter(tags=["experts 专家"])


class ProfileIn(Strict):
    specialties: list[str] = Field(description="评标专业代码，如 A0101 / specialty codes")
    level: Literal["senior", "associate", "intermediate"] = Field(description="职称级别 / level of title")
    region: str = Field(description="所在地区的6位行政区划代码，如 530100 / region code (GB/T 2260)")
    employer_id: str | None = Field(None, description="工作单位编号 / employer's company id")


class AvailabilityIn(Strict):
    available: bool = Field(description="是否可参加评标 / available to evaluate")
    reason: str = Field("", description="暂停原因（不可参加时必填）/ why not available")
    until: AwareDatetime | None = Field(None, description="暂停至（不含）/ unavailable until (exclusive)")


class LineIn(Strict):
    specialty: str = Field(description="评标专业代码（含其下级专业）/ specialty code (and its sub-specialties)")
    count: int = Field(description="抽取人数 / experts to draw")
    reserves: int = Field(2, description="备选人数 / reserves")
    scope: Literal["any", "local", "remote"] = Field("any", description="本地、异地或不限 / local, remote or any")


class DrawIn(Strict):
    requirements: list[LineIn] = Field(description="抽取条件 / requirement lines")
    local_region: str = Field(description="项目所在地区代码，如 530100 / the lot's region code")
    evaluation_at: AwareDatetime = Field(description="评标时间 / when the evaluation takes place")


class AnswerIn(Strict):
    person_id: str = Field(description="被抽取专家的人员编号 / the drawn expert")
    accept: bool = Field(description="是否参加 / whether the expert attends")
    reason: str = Field("", description="不能参加的理由 / why not")


@router.get("/experts", summary="专家库 / the expert pool")
def pool(call: Call, specialty: str | None = Query(None, description="按专业筛选 / filter by specialty")
         ) -> list[dict[str, Any]]:
    return call.services.experts.pool(call.actor, specialty)


@router.put("/experts/{person_id}/profile", summary="登记专家信息 / set an expert's profile")
def set_profile(person_id: str, body: ProfileIn, call: Change) -> Changed:
    return changed(call.services.experts.set_profile(call.actor, SetExpertProfile(
        person_id, tuple(body.specialties), body.level, body.region, body.employer_id), call.ip))


@router.put("/experts/{person_id}/availability", summary="专家可参加状态 / an expert's availability")
def set_availability(person_id: str, body: AvailabilityIn, call: Change) -> Changed:
    return changed(call.services.experts.set_availability(call.actor, SetExpertAvailability(
        person_id, body.available, body.reason, body.until), call.ip))


@router.get("/experts/me/draws", summary="我的抽取通知 / my draw notices")
def my_draws(call: Call) -> list[dict[str, Any]]:
    return call.services.experts.my_calls(call.actor)


@router.post("/lots/{lot_id}/expert-draws", summary="申请抽取专家 / request a draw of experts")
def request_draw(lot_id: str, body: DrawIn, call: Change) -> Changed:
    lines = [Requirement(r.specialty.strip().upper(), r.count, r.reserves, r.scope) for r in body.requirements]
    return changed(call.services.experts.request_draw(call.actor, lot_id, lines, body.local_region,
                                                      body.evaluation_at, call.ip))


@router.post("/lots/{lot_id}/expert-draws/{request_id}/run", summary="执行已申请的抽取 / run a requested draw")
def run_draw(lot_id: str, request_id: str, call: Change) -> Changed:
    return changed(call.services.experts.run_draw(call.actor, lot_id, request_id, call.ip))


@router.get("/lots/{lot_id}/expert-draws", summary="抽取记录 / the lot's draws")
def draws(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.experts.draws(call.actor, lot_id)


@router.get("/lots/{lot_id}/expert-draws/check", summary="重新抽取核验 / re-run the draws from the ledger")
def check(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.experts.check_draws(call.actor, lot_id)


@router.post("/lots/{lot_id}/expert-draws/{request_id}/answers", summary="专家答复抽取 / a drawn expert answers")
def answer(lot_id: str, request_id: str, body: AnswerIn, call: Change) -> Changed:
    return changed(call.services.experts.answer(call.actor, lot_id, request_id, body.person_id, body.accept,
                                                body.reason, call.ip))
