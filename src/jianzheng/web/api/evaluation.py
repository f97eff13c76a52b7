"""Evaluation (评标): the committee, the members' scores, rejections and the chair's report."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field, model_validator

from jianzheng.domain import commands as c
from jianzheng.web.api.common import run
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, DocumentRefIn, Strict, centipoints, optional_ref

router = APIRouter(prefix="/lots/{lot_id}", tags=["evaluation 评标"])


class MemberIn(Strict):
    person_id: str = Field(description="人员编号 / person id")
    kind: Literal["expert", "tenderer_representative"] = Field("expert", description="专家或招标人代表 / kind")
    chair: bool = Field(False, description="是否主任委员 / the chair")


class CommitteeIn(Strict):
    members: list[MemberIn] = Field(description="评标委员会成员 / committee members")


class ScoresIn(Strict):
    """Exactly one of points_centi (integer centipoints) and points (decimal strings)."""

    bid_id: str = Field(description="投标编号 / bid id")
    points_centi: dict[str, int] | None = Field(None, description="各因素得分（百分之一分）/ points in centipoints")
    points: dict[str, str] | None = Field(None, description="各因素得分（小数字符串，如 \"35.5\"）/ decimal points")
    comment: str = Field("", description="评审意见 / comment")

    @model_validator(mode="after")
    def _one_form(self) -> ScoresIn:
        if (self.points_centi is None) == (self.points is None):
            raise ValueError("give exactly one of points_centi and points")
        return self

    def as_centipoints(self) -> dict[str, int]:
        if self.points_centi is not None:
            return dict(self.points_centi)
        return {k: centipoints(v, f"points.{k}") for k, v in (self.points or {}).items()}


class RejectIn(Strict):
    reason: str = Field(description="否决理由 / reason for rejecting the bid")


class ReportIn(Strict):
    document: DocumentRefIn | None = Field(None, description="评标报告 / the evaluation report")


@router.post("/committee", summary="组建评标委员会 / form the committee")
def form_committee(lot_id: str, body: CommitteeIn, call: Change) -> Changed:
    members = tuple(c.CommitteeMember(m.person_id, m.kind, m.chair) for m in body.members)
    return run(call, lot_id, c.FormCommittee(members))


@router.get("/committee", summary="评标委员会 / the committee")
def get_committee(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.queries.committee(call.actor, lot_id)


@router.post("/scores", summary="提交评分 / submit scores")
def submit_scores(lot_id: str, body: ScoresIn, call: Change) -> Changed:
    return run(call, lot_id, c.SubmitScores(body.bid_id, body.as_centipoints(), body.comment))


@router.get("/scores", summary="评分 / scores")
def get_scores(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.queries.scores(call.actor, lot_id)


@router.post("/bids/{bid_id}/rejection", summary="否决投标 / reject a bid")
def reject_bid(lot_id: str, bid_id: str, body: RejectIn, call: Change) -> Changed:
    return run(call, lot_id, c.RejectBid(bid_id, body.reason))


@router.post("/evaluation-report", summary="提交评标报告 / report the evaluation")
def report_evaluation(lot_id: str, body: ReportIn, call: Change) -> Changed:
    return run(call, lot_id, c.ReportEvaluation(optional_ref(body.document, call.services.blobs)))
