"""Lots (标段): reading them, and the preparation steps from documents to the announcement.

Also the special situations every lot may meet: a re-tender after a failure and a
cancellation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from jianzheng.domain import commands as c
from jianzheng.web.api.common import run
from jianzheng.web.api.evaluation import EvaluationMethodIn
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, DocumentRefIn, Fen, Strict, optional_ref

router = APIRouter(prefix="/lots", tags=["lots 标段"])


class FactorIn(Strict):
    code: str = Field(description="评分因素代码 / factor code")
    name_zh: str = Field(description="中文名称 / Chinese name")
    name_en: str = Field(description="英文名称 / English name")
    max_points: int = Field(ge=1, description="满分（百分之一分）/ maximum in centipoints")


class CompileIn(Strict):
    document: DocumentRefIn = Field(description="招标文件 / the tender documents")
    method: str = Field(description="评标办法，如 comprehensive、lowest_price / evaluation method")
    factors: list[FactorIn] = Field(default_factory=list, description="评分因素 / scoring factors")
    deposit_fen: Fen = Field(description="投标保证金（分）/ bid deposit in fen")
    qualification: str = Field("", description="资格条件 / qualification requirements")
    evaluation: EvaluationMethodIn | None = Field(None, description="评标办法细则（审查项、价格公式、阈值）/ the "
                                                                    "evaluation method's details (issue 7)")


class ConfirmIn(Strict):
    version: int = Field(ge=1, description="确认的招标文件版本 / version confirmed")


class FileIn(Strict):
    accept: bool = Field(description="是否同意备案 / accept the filing")
    remark: str = Field("", description="备案意见 / remark")


class AnnouncementIn(Strict):
    sale_start: AwareDatetime = Field(description="文件发售开始 / documents on sale from")
    sale_end: AwareDatetime = Field(description="文件发售截止 / documents on sale until")
    bid_deadline: AwareDatetime = Field(description="投标截止时间 / bid deadline")
    text: str = Field(description="公告正文 / announcement text")


class ClarificationIn(Strict):
    text: str = Field(description="澄清或修改内容 / clarification text")
    affects_bids: bool = Field(description="是否影响投标文件编制 / affects the bids")
    document: DocumentRefIn | None = Field(None, description="澄清文件 / clarification document")
    new_deadline: AwareDatetime | None = Field(None, description="新的投标截止时间 / new deadline")


class ReasonIn(Strict):
    reason: str = Field(description="原因 / reason")


@router.get("", summary="标段列表 / lots")
def list_lots(call: Call, stage: str | None = None, limit: int = Query(50, ge=1, le=500),
              offset: int = Query(0, ge=0)) -> dict[str, Any]:
    total, rows = call.services.queries.lots(call.actor, stage, limit, offset)
    return {"total": total, "items": rows}


@router.get("/{lot_id}", summary="标段详情 / one lot")
def get_lot(lot_id: str, call: Call) -> dict[str, Any]:
    return call.services.queries.lot(call.actor, lot_id)


@router.post("/{lot_id}/documents", summary="编制招标文件 / compile the tender documents")
def compile_documents(lot_id: str, body: CompileIn, call: Change) -> Changed:
    factors = tuple(c.FactorSpec(f.code, f.name_zh, f.name_en, f.max_points) for f in body.factors)
    return run(call, lot_id, c.CompileDocuments(body.document.ref(call.services.blobs), body.method, factors,
                                                body.deposit_fen, body.qualification,
                                                body.evaluation.method() if body.evaluation else None))


@router.post("/{lot_id}/documents/confirm", summary="招标人确认 / the tenderer confirms")
def confirm_documents(lot_id: str, body: ConfirmIn, call: Change) -> Changed:
    return run(call, lot_id, c.ConfirmDocuments(body.version))


@router.post("/{lot_id}/documents/filing", summary="监管备案 / the supervisor files the documents")
def file_documents(lot_id: str, body: FileIn, call: Change) -> Changed:
    return run(call, lot_id, c.FileDocuments(body.accept, body.remark))


@router.post("/{lot_id}/announcement", summary="发布招标公告 / publish the announcement")
def publish_announcement(lot_id: str, body: AnnouncementIn, call: Change) -> Changed:
    return run(call, lot_id, c.PublishAnnouncement(body.sale_start, body.sale_end, body.bid_deadline, body.text))


@router.post("/{lot_id}/clarifications", summary="澄清或修改 / clarify or amend the documents")
def issue_clarification(lot_id: str, body: ClarificationIn, call: Change) -> Changed:
    return run(call, lot_id, c.IssueClarification(body.text, body.affects_bids,
                                                  optional_ref(body.document, call.services.blobs),
                                                  body.new_deadline))


@router.post("/{lot_id}/retender", summary="重新招标 / re-tender a failed lot")
def retender(lot_id: str, body: ReasonIn, call: Change) -> Changed:
    return run(call, lot_id, c.Retender(body.reason))


@router.post("/{lot_id}/cancel", summary="终止招标 / cancel the lot")
def cancel(lot_id: str, body: ReasonIn, call: Change) -> Changed:
    return run(call, lot_id, c.CancelLot(body.reason))
