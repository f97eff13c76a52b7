"""Disputes: objections (异议) to the tenderer and complaints (投诉) to the supervisor.

An objection or a complaint may suspend the lot; answering or deciding it resumes it.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, Field

from jianzheng.domain import commands as c
from jianzheng.web.api.common import run
from jianzheng.web.deps import Change
from jianzheng.web.schemas import Changed, Strict

router = APIRouter(prefix="/lots/{lot_id}", tags=["disputes 异议投诉"])


class ObjectionIn(Strict):
    subject: Literal["documents", "opening", "result"] = Field(
        description="异议对象：招标文件、开标、评标结果 / what is objected to")
    text: str = Field(description="异议内容 / objection")


class AnswerIn(Strict):
    answer: str = Field(description="答复内容 / answer")


class ComplaintIn(Strict):
    text: str = Field(description="投诉内容 / complaint")
    known_at: AwareDatetime = Field(description="知道或应当知道之日 / when the complainant knew")


class AcceptIn(Strict):
    accept: bool = Field(description="是否受理 / accept the complaint")
    reason: str = Field("", description="不予受理理由 / reason for not accepting")


class DecideIn(Strict):
    upheld: bool = Field(description="投诉是否成立 / complaint upheld")
    decision: str = Field(description="处理决定 / decision")


@router.post("/objections", summary="提出异议 / raise an objection")
def raise_objection(lot_id: str, body: ObjectionIn, call: Change) -> Changed:
    return run(call, lot_id, c.RaiseObjection(body.subject, body.text))


@router.post("/objections/{objection_id}/answer", summary="答复异议 / answer an objection")
def answer_objection(lot_id: str, objection_id: str, body: AnswerIn, call: Change) -> Changed:
    return run(call, lot_id, c.AnswerObjection(objection_id, body.answer))


@router.post("/complaints", summary="投诉 / file a complaint")
def file_complaint(lot_id: str, body: ComplaintIn, call: Change) -> Changed:
    return run(call, lot_id, c.FileComplaint(body.text, body.known_at))


@router.post("/complaints/{complaint_id}/acceptance", summary="受理投诉 / accept a complaint")
def accept_complaint(lot_id: str, complaint_id: str, body: AcceptIn, call: Change) -> Changed:
    return run(call, lot_id, c.AcceptComplaint(complaint_id, body.accept, body.reason))


@router.post("/complaints/{complaint_id}/decision", summary="投诉处理决定 / decide a complaint")
def decide_complaint(lot_id: str, complaint_id: str, body: DecideIn, call: Change) -> Changed:
    return run(call, lot_id, c.DecideComplaint(complaint_id, body.upheld, body.decision))
