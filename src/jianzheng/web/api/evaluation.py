"""Evaluation (评标): the committee, scores, deviations, questions, telemetry, the report and its signatures."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, Field, model_validator

from jianzheng.domain import commands as c
from jianzheng.domain.errors import invalid
from jianzheng.domain.methods import EvaluationMethod, PriceFormula, ReviewItem
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
    item: str = Field("", description="未通过的审查项代码（招标文件列明时）/ the review item the bid fails")


def _decimal(value: str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise invalid(field, "应为小数字符串，如 \"3.5\"", "must be a decimal string such as \"3.5\"") from None
    if not number.is_finite():
        raise invalid(field, "应为有限的数", "must be a finite number")
    return number


class ReviewItemIn(Strict):
    code: str = Field(description="审查项代码 / item code")
    name_zh: str = Field(description="中文名称 / Chinese name")
    name_en: str = Field("", description="英文名称 / English name")
    stage: Literal["qualification", "compliance"] = Field("compliance", description="资格或符合性审查 / stage")


class PriceFormulaIn(Strict):
    kind: Literal["benchmark", "low_price"] = Field(description="基准价法或低价优先法 / the formula")
    factor: str = Field(description="价格因素代码 / the price factor's code")
    k_percent: str = Field("0", description="下浮系数K（%），如 \"3\" / downward float K in percent")
    drop_extremes: bool = Field(False, description="去掉最高最低报价 / leave out the highest and lowest price")
    drop_min_bids: int = Field(5, description="去掉最高最低价所需的最少有效投标数 / bids needed to drop them")
    above_per_percent: int = Field(100, description="高于基准价每1%扣分（百分之一分）/ centipoints lost per % above")
    below_per_percent: int = Field(50, description="低于基准价每1%扣分（百分之一分）/ centipoints lost per % below")


class EvaluationMethodIn(Strict):
    """The evaluation method's details, fixed in the tender documents (issue 7)."""

    review_items: list[ReviewItemIn] = Field(default_factory=list, description="审查项 / review items")
    price: PriceFormulaIn | None = Field(None, description="价格计分公式 / price formula")
    abnormal_low_percent: str | None = Field(None, description="低于有效报价均值该百分比即为异常低价 / % below the "
                                                               "mean that makes a price abnormally low")
    deviation_threshold_percent: str | None = Field(None, description="评分偏离阈值（%）/ deviation threshold")
    signatures_required: bool = Field(True, description="公示前须全体成员签署报告 / all sign before the candidates")

    def method(self) -> EvaluationMethod:
        price = None
        if self.price is not None:
            p = self.price
            price = PriceFormula(p.kind, p.factor, _decimal(p.k_percent, "evaluation.price.k_percent") or Decimal(0),
                                 p.drop_extremes, p.drop_min_bids, p.above_per_percent, p.below_per_percent)
        return EvaluationMethod(
            review_items=tuple(ReviewItem(i.code.strip(), i.name_zh, i.name_en, i.stage) for i in self.review_items),
            price=price,
            abnormal_low_percent=_decimal(self.abnormal_low_percent, "evaluation.abnormal_low_percent"),
            deviation_threshold_percent=_decimal(self.deviation_threshold_percent,
                                                 "evaluation.deviation_threshold_percent"),
            signatures_required=self.signatures_required)


class PageViewIn(Strict):
    bid_id: str = Field(description="投标编号 / bid id")
    document: str = Field(description="所看文件的 SHA-256 / the document's SHA-256")
    page: int = Field(description="页码 / page number")
    opened_at: AwareDatetime = Field(description="打开该页的时间 / when the page was opened")
    seconds: int = Field(description="停留秒数 / seconds the page stayed open")


class TelemetryIn(Strict):
    views: list[PageViewIn] = Field(description="一批阅读记录（最多500条）/ a batch of page views (at most 500)")


class ExplainIn(Strict):
    bid_id: str = Field(description="投标编号 / bid id")
    factor: str = Field(description="评分因素代码 / factor code")
    reason: str = Field(description="评分偏离的书面理由 / the written reason for the score")


class QuestionIn(Strict):
    bid_id: str = Field(description="投标编号 / bid id")
    question: str = Field(description="询标问题 / the question")
    deadline: AwareDatetime = Field(description="答复截止时间 / answer by")
    kind: Literal["clarification", "cost"] = Field("clarification", description="澄清或成本说明 / clarification or "
                                                                                 "cost (abnormally low price)")


class AnswerIn(Strict):
    answer: str = Field(description="答复内容 / the answer")
    document: DocumentRefIn | None = Field(None, description="答复附件 / a document with the answer")


class ReasonIn(Strict):
    reason: str = Field(description="理由 / reason")


class AdjustmentIn(Strict):
    amount_fen: int = Field(description="调整金额（分，可为负）/ adjustment in fen (may be negative)")
    reason: str = Field(description="调整理由 / reason")


class SignatureIn(Strict):
    agrees: bool = Field(True, description="是否同意评标结果 / agrees with the result")
    dissent: str = Field("", description="不同意见及理由（不同意时必填）/ the dissent and its reasons")


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
    return run(call, lot_id, c.RejectBid(bid_id, body.reason, body.item.strip()))


@router.post("/review-telemetry", summary="上报评审阅读记录 / report review page views")
def record_telemetry(lot_id: str, body: TelemetryIn, call: Change) -> Changed:
    views = tuple(c.PageView(v.bid_id, v.document, v.page, v.opened_at, v.seconds) for v in body.views)
    return run(call, lot_id, c.RecordReviewPages(views))


@router.get("/review-telemetry", summary="评审阅读记录 / review page views")
def get_telemetry(lot_id: str, call: Call) -> dict[str, Any]:
    return call.services.evaluation.telemetry(call.actor, lot_id)


@router.get("/deviations", summary="评分偏离 / scores beyond the deviation threshold")
def get_deviations(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.evaluation.deviations(call.actor, lot_id)


@router.post("/deviations", summary="说明评分偏离 / explain a deviating score")
def explain_deviation(lot_id: str, body: ExplainIn, call: Change) -> Changed:
    return run(call, lot_id, c.ExplainDeviation(body.bid_id, body.factor, body.reason))


@router.post("/questions", summary="询标 / ask a bidder")
def ask_bidder(lot_id: str, body: QuestionIn, call: Change) -> Changed:
    return run(call, lot_id, c.AskBidder(body.bid_id, body.question, body.deadline, body.kind))


@router.get("/questions", summary="询标记录 / the committee's questions")
def get_questions(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.evaluation.questions(call.actor, lot_id)


@router.post("/questions/{question_id}/answer", summary="答复询标 / answer a question")
def answer_question(lot_id: str, question_id: str, body: AnswerIn, call: Change) -> Changed:
    return run(call, lot_id, c.AnswerQuestion(question_id, body.answer,
                                              optional_ref(body.document, call.services.blobs)))


@router.post("/bids/{bid_id}/low-price-acceptance", summary="确认异常低价 / accept an abnormally low price")
def accept_low_price(lot_id: str, bid_id: str, body: ReasonIn, call: Change) -> Changed:
    return run(call, lot_id, c.AcceptLowPrice(bid_id, body.reason))


@router.post("/bids/{bid_id}/price-adjustments", summary="调整评标价 / adjust the evaluated price")
def adjust_price(lot_id: str, bid_id: str, body: AdjustmentIn, call: Change) -> Changed:
    return run(call, lot_id, c.AdjustPrice(bid_id, body.amount_fen, body.reason))


@router.post("/evaluation-report", summary="提交评标报告 / report the evaluation")
def report_evaluation(lot_id: str, body: ReportIn, call: Change) -> Changed:
    return run(call, lot_id, c.ReportEvaluation(optional_ref(body.document, call.services.blobs)))


@router.get("/evaluation-report", summary="评标报告 / the evaluation report")
def get_report(lot_id: str, call: Call) -> dict[str, Any]:
    return call.services.evaluation.report(call.actor, lot_id)


@router.post("/evaluation-report/signatures", summary="签署评标报告 / sign the report (or dissent)")
def sign_report(lot_id: str, body: SignatureIn, call: Change) -> Changed:
    return run(call, lot_id, c.SignReport(body.agrees, body.dissent))
