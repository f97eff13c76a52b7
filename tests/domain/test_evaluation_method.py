"""The evaluation under a method from the tender documents: formulas, deviations, low prices, signatures, telemetry.

Pure domain (`LotDriver`); the same flow through the HTTP API is in tests/web/test_web_evaluation.py.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.methods import EvaluationMethod, PriceFormula, ReviewItem
from tests.domain.lotkit import AGENCY, DOC, EXPERTS, TENDERER, LotDriver

FACTORS = (c.FactorSpec("technical", "技术", "Technical", 6000), c.FactorSpec("commercial", "商务", "Commercial", 1000),
           c.FactorSpec("price", "报价", "Price", 3000))
PRICES = {"P-BIDDER1": 9_000_000, "P-BIDDER2": 10_000_000, "P-BIDDER3": 12_000_000}
LOW_PRICE = EvaluationMethod(review_items=(ReviewItem("Q1", "营业执照", "Business licence", "qualification"),),
                             price=PriceFormula("low_price", "price"))


def refused(d: LotDriver, command: object, code: str, party: str | None = None, person: str | None = None) -> Refusal:
    with pytest.raises(Refusal) as caught:
        d.run(command, party, person)
    assert caught.value.code == code, caught.value
    return caught.value


def evaluating(method: EvaluationMethod | None, kind: str = "comprehensive", prices: dict[str, int] = PRICES,
               factors: tuple[c.FactorSpec, ...] = FACTORS) -> LotDriver:
    d = LotDriver()
    d.run(c.CompileDocuments(DOC, kind, factors, 10_000_000, evaluation=method), AGENCY)
    d.run(c.ConfirmDocuments(d.state.documents_version), TENDERER)
    d.run(c.FileDocuments(True, "备案"))
    d.announce()
    for bidder in prices:
        d.bid(bidder)
    d.to_deadline()
    d.open(prices)
    d.run(c.FormCommittee(d.committee()))
    return d


def bids(d: LotDriver) -> dict[str, str]:
    """bidder -> bid id of the opened bids."""
    return {b.bidder_id: b.bid_id for b in d.state.bids.values() if b.status == "opened"}


def score_all(d: LotDriver, technical: dict[str, int], commercial: int = 800, price: int | None = None) -> None:
    for member in d.state.committee:
        for bidder, bid_id in bids(d).items():
            points = {"technical": technical[bidder], "commercial": commercial}
            if price is not None:
                points["price"] = price
            d.run(c.SubmitScores(bid_id, points), person_id=member.person_id)


def test_the_method_is_checked_and_recorded_with_the_documents() -> None:
    d = LotDriver()
    bad = EvaluationMethod(price=PriceFormula("low_price", "no-such-factor"))
    refusal = refused(d, c.CompileDocuments(DOC, "comprehensive", FACTORS, 10_000_000, evaluation=bad), "invalid",
                      AGENCY)
    assert refusal.field == "evaluation.price.factor"
    odd = EvaluationMethod(abnormal_low_percent=Decimal(95))
    assert refused(d, c.CompileDocuments(DOC, "comprehensive", FACTORS, 10_000_000, evaluation=odd), "invalid",
                   AGENCY).field == "evaluation.abnormal_low_percent"
    [compiled] = d.run(c.CompileDocuments(DOC, "comprehensive", FACTORS, 10_000_000, evaluation=LOW_PRICE), AGENCY)
    assert compiled.payload["evaluation"]["price"]["kind"] == "low_price"
    assert d.state.evaluation.method == LOW_PRICE


def test_under_a_price_formula_the_experts_do_not_score_the_price() -> None:
    d = evaluating(LOW_PRICE)
    bid_id = bids(d)["P-BIDDER1"]
    refusal = refused(d, c.SubmitScores(bid_id, {"technical": 5000, "commercial": 800, "price": 3000}), "invalid",
                      person=EXPERTS[0])
    assert "price" in refusal.message_en
    score_all(d, {"P-BIDDER1": 4500, "P-BIDDER2": 5000, "P-BIDDER3": 5900})
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    # Low price (Order 87 Art. 55): 9.0/9.0×3000 = 3000, 9.0/10.0×3000 = 2700, 9.0/12.0×3000 = 2250.
    # Totals: B1 4500+800+3000 = 8300, B2 5000+800+2700 = 8500, B3 5900+800+2250 = 8950 (centipoints).
    ranking = [(r["bidder_id"], r["score"]) for r in report.payload["ranking"]]
    assert ranking == [("P-BIDDER3", 895_000), ("P-BIDDER2", 850_000), ("P-BIDDER1", 830_000)]
    assert report.payload["price_formula"]["lowest_fen"] == 9_000_000
    points = {r["bid_id"]: r["price_points"] for r in report.payload["scoring"]}
    assert points[bids(d)["P-BIDDER3"]] == 2250


def test_benchmark_formula_in_the_ranking() -> None:
    method = EvaluationMethod(price=PriceFormula("benchmark", "price", k_percent=Decimal(3)))
    d = evaluating(method)
    score_all(d, {"P-BIDDER1": 5000, "P-BIDDER2": 5000, "P-BIDDER3": 5000})
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    # mean (9+10+12)/3 = 10.333… M; × 0.97 = 10 023 333.33 fen; B2 at 10.0 M is −0.2328% → 3000 − 11.64 → 2988.
    formula = report.payload["price_formula"]
    assert formula["benchmark_fen"] == "10023333.33"
    points = {r["bid_id"]: r["price_points"] for r in report.payload["scoring"]}
    assert points[bids(d)["P-BIDDER2"]] == 2988
    assert report.payload["ranking"][0]["bidder_id"] == "P-BIDDER2"


def test_a_deviating_score_needs_its_experts_written_reason() -> None:
    d = evaluating(None, factors=(c.FactorSpec("technical", "技术", "Technical", 6000),
                                  c.FactorSpec("commercial", "商务", "Commercial", 4000)))
    ids = bids(d)
    lenient = EXPERTS[4]
    for member in d.state.committee:
        for bidder, bid_id in ids.items():
            technical = 5800 if (member.person_id == lenient and bidder == "P-BIDDER3") else 4000
            d.run(c.SubmitScores(bid_id, {"technical": technical, "commercial": 3000}), person_id=member.person_id)
    # 5800 against the others' mean 4000: 18 points off, the threshold is 20% of 60 = 12 points.
    refusal = refused(d, c.ReportEvaluation(), "evaluation.deviation_unexplained", person=EXPERTS[0])
    assert refusal.details["deviations"] == [{"person_id": lenient, "bid_id": ids["P-BIDDER3"], "factor": "technical",
                                              "points": 5800, "others_mean": "40.00"}]
    # Only that expert, only for that score, and with a reason.
    refused(d, c.ExplainDeviation(ids["P-BIDDER3"], "technical", "理由"), "deviation.none", person=EXPERTS[0])
    refused(d, c.ExplainDeviation(ids["P-BIDDER1"], "technical", "理由"), "deviation.none", person=lenient)
    blank = refused(d, c.ExplainDeviation(ids["P-BIDDER3"], "technical", " "), "invalid", person=lenient)
    assert blank.field == "reason"
    d.run(c.ExplainDeviation(ids["P-BIDDER3"], "technical", "该投标的施工组织设计有BIM全过程应用，明显优于其他"),
          person_id=lenient)
    # A changed score needs a new reason.
    d.run(c.SubmitScores(ids["P-BIDDER3"], {"technical": 5900, "commercial": 3000}), person_id=lenient)
    refused(d, c.ReportEvaluation(), "evaluation.deviation_unexplained", person=EXPERTS[0])
    d.run(c.ExplainDeviation(ids["P-BIDDER3"], "technical", "复核后维持并提高评分：BIM应用完整"), person_id=lenient)
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    assert report.payload["deviations"][0]["reason"] == "复核后维持并提高评分：BIM应用完整"


def test_an_abnormally_low_price_is_clarified_then_accepted_or_rejected() -> None:
    method = EvaluationMethod(price=PriceFormula("low_price", "price"), abnormal_low_percent=Decimal(10))
    prices = {"P-BIDDER1": 8_000_000, "P-BIDDER2": 10_000_000, "P-BIDDER3": 10_500_000}
    d = evaluating(method, prices=prices)
    ids = bids(d)
    score_all(d, {"P-BIDDER1": 5000, "P-BIDDER2": 5000, "P-BIDDER3": 5000})
    # mean 9.5 M, 10% below = 8.55 M: bidder 1 at 8.0 M must explain its costs.
    assert refused(d, c.ReportEvaluation(), "evaluation.abnormal_price", person=EXPERTS[0]).details["bids"] == [
        ids["P-BIDDER1"]]
    refused(d, c.AcceptLowPrice(ids["P-BIDDER1"], "成本合理"), "price.unclarified", person=EXPERTS[0])
    refused(d, c.AcceptLowPrice(ids["P-BIDDER2"], "成本合理"), "price.not_abnormal", person=EXPERTS[0])
    [asked] = d.run(c.AskBidder(ids["P-BIDDER1"], "请说明报价低于成本的理由并提供成本分析", d.now + timedelta(hours=4),
                                "cost"), person_id=EXPERTS[0])
    question = asked.payload["question_id"]
    refused(d, c.AnswerQuestion(question, "自有设备"), "forbidden", party="P-BIDDER2")
    d.advance(hours=1)
    d.run(c.AnswerQuestion(question, "我公司自有沥青拌合站，材料成本低15%"), "P-BIDDER1")
    refused(d, c.AnswerQuestion(question, "补充"), "question.answered", party="P-BIDDER1")
    d.run(c.AcceptLowPrice(ids["P-BIDDER1"], "成本分析可信，自有拌合站"), person_id=EXPERTS[1])
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    assert report.payload["abnormally_low"]["threshold_fen"] == "8550000.00"
    assert list(report.payload["abnormally_low"]["accepted"]) == [ids["P-BIDDER1"]]


def test_an_answer_after_the_deadline_is_refused() -> None:
    d = evaluating(None, factors=(c.FactorSpec("technical", "技术", "Technical", 10000),))
    bid_id = bids(d)["P-BIDDER2"]
    refused(d, c.AskBidder(bid_id, "工期能否保证？", d.now - timedelta(minutes=1)), "invalid", person=EXPERTS[0])
    refused(d, c.AskBidder(bid_id, "工期能否保证？", d.now + timedelta(days=1)), "forbidden", person="H-NOBODY")
    [asked] = d.run(c.AskBidder(bid_id, "工期能否保证？", d.now + timedelta(hours=2)), person_id=EXPERTS[2])
    d.advance(hours=3)
    refusal = refused(d, c.AnswerQuestion(asked.payload["question_id"], "能"), "question.late", party="P-BIDDER2")
    assert refusal.details["deadline"] == asked.payload["deadline"]


def test_rejection_names_the_review_item() -> None:
    d = evaluating(LOW_PRICE)
    bid_id = bids(d)["P-BIDDER3"]
    assert refused(d, c.RejectBid(bid_id, "缺营业执照", "Q9"), "invalid", person=EXPERTS[0]).field == "item"
    [rejected] = d.run(c.RejectBid(bid_id, "未提供有效营业执照", "Q1"), person_id=EXPERTS[0])
    assert (rejected.payload["item"], rejected.payload["review_stage"]) == ("Q1", "qualification")
    assert d.state.bids[bid_id].status == "rejected"


def test_lowest_evaluated_price_with_the_committees_adjustments() -> None:
    d = evaluating(None, kind="lowest_price", factors=())
    ids = bids(d)
    refused(d, c.AdjustPrice(ids["P-BIDDER1"], 0, "无"), "invalid", person=EXPERTS[0])
    # Bidder 1's 9.0 M lacks an item worth 1.5 M; bidder 2's 10.0 M offers a longer warranty worth 0.2 M.
    d.run(c.AdjustPrice(ids["P-BIDDER1"], 1_500_000, "漏项：交通导改费用"), person_id=EXPERTS[0])
    d.run(c.AdjustPrice(ids["P-BIDDER2"], -200_000, "质保期延长两年"), person_id=EXPERTS[0])
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    assert [r["bidder_id"] for r in report.payload["ranking"]] == ["P-BIDDER2", "P-BIDDER1", "P-BIDDER3"]
    evaluated = {r["bid_id"]: r["evaluated_price_fen"] for r in report.payload["scoring"]}
    assert evaluated[ids["P-BIDDER2"]] == 9_800_000 and evaluated[ids["P-BIDDER1"]] == 10_500_000
    other = evaluating(LOW_PRICE)
    refused(other, c.AdjustPrice(bids(other)["P-BIDDER1"], 100, "x"), "price.method", person=EXPERTS[0])


def test_ties_are_broken_by_price_then_the_first_factor() -> None:
    factors = (c.FactorSpec("technical", "技术", "Technical", 5000),
               c.FactorSpec("commercial", "商务", "Commercial", 5000))
    d = evaluating(None, factors=factors, prices={"P-BIDDER1": 9_000_000, "P-BIDDER2": 9_000_000,
                                                  "P-BIDDER3": 8_000_000})
    ids = bids(d)
    sheets = {"P-BIDDER1": (3000, 4000), "P-BIDDER2": (4000, 3000), "P-BIDDER3": (3500, 3500)}
    for member in d.state.committee:
        for bidder, (technical, commercial) in sheets.items():
            d.run(c.SubmitScores(ids[bidder], {"technical": technical, "commercial": commercial}),
                  person_id=member.person_id)
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    # All total 70 points: the lowest price first, then the higher technical score.
    assert [r["bidder_id"] for r in report.payload["ranking"]] == ["P-BIDDER3", "P-BIDDER2", "P-BIDDER1"]
    ties = {r["bid_id"]: r["tie_broken_by"] for r in report.payload["scoring"]}
    assert ties[ids["P-BIDDER3"]] == "price" and ties[ids["P-BIDDER2"]] == "first_factor"


def test_every_member_signs_or_dissents_before_the_candidates() -> None:
    d = evaluating(LOW_PRICE)
    score_all(d, {"P-BIDDER1": 5000, "P-BIDDER2": 5000, "P-BIDDER3": 5000})
    [report] = d.run(c.ReportEvaluation(), person_id=EXPERTS[0])
    refusal = refused(d, c.PublishCandidates(d.now + timedelta(days=3)), "evaluation.report_unsigned", AGENCY)
    assert refusal.details == {"unsigned": 5} and refusal.article is not None
    assert refused(d, c.SignReport(False, ""), "invalid", person=EXPERTS[1]).field == "dissent"
    for member in EXPERTS[:4]:
        [signed] = d.run(c.SignReport(), person_id=member)
        assert signed.payload["report_sha256"] == report.payload["report_sha256"]
    refused(d, c.SignReport(), "report.signed", person=EXPERTS[0])
    refused(d, c.SignReport(), "forbidden", person="H-NOBODY")
    d.run(c.SignReport(False, "第二名的技术方案更优，价格分权重过高"), person_id=EXPERTS[4])
    d.run(c.PublishCandidates(d.now + timedelta(days=3)), AGENCY)
    assert d.state.stage is Stage.CANDIDATES_PUBLISHED
    assert d.state.evaluation.signatures[EXPERTS[4]] == (False, "第二名的技术方案更优，价格分权重过高")


def test_review_telemetry_is_recorded_as_sent_and_checked() -> None:
    d = evaluating(None, factors=(c.FactorSpec("technical", "技术", "Technical", 10000),))
    bid_id = bids(d)["P-BIDDER1"]
    content = d.state.bids[bid_id].content_sha256
    d.advance(hours=2)
    view = c.PageView(bid_id, content, 3, d.now - timedelta(minutes=5), 42)
    [event] = d.run(c.RecordReviewPages((view, c.PageView(bid_id, content, 4, d.now - timedelta(minutes=4), 0))),
                    person_id=EXPERTS[1])
    assert event.payload["person_id"] == EXPERTS[1] and [v["page"] for v in event.payload["views"]] == [3, 4]
    assert d.state.evaluation.review_seconds[(EXPERTS[1], bid_id)] == 42
    bad = [(dataclass_with(view, document="e" * 64), "views[0].document"),
           (dataclass_with(view, opened_at=d.now - timedelta(hours=3)), "views[0].opened_at"),  # before the opening
           (dataclass_with(view, page=0), "views[0].page"),
           (dataclass_with(view, seconds=-1), "views[0].seconds"),
           (dataclass_with(view, opened_at=d.now + timedelta(hours=1)), "views[0].opened_at"),
           (dataclass_with(view, bid_id="B-NONE"), "views[0].bid_id")]
    for wrong, field in bad:
        assert refused(d, c.RecordReviewPages((wrong,)), "invalid", person=EXPERTS[1]).field == field
    refused(d, c.RecordReviewPages((view,)), "forbidden", person="H-NOBODY")
    assert refused(d, c.RecordReviewPages(()), "invalid", person=EXPERTS[1]).field == "views"


def dataclass_with(view: c.PageView, **changes: object) -> c.PageView:
    return dataclasses.replace(view, **changes)  # type: ignore[arg-type]
