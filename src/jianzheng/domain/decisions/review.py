"""Stage 6, the reviewing itself: questions to bidders, low prices, price adjustments, page views.

* 不见面询标 — the committee asks a bidder a question online with a deadline; the bidder
  answers before it or not at all (``lot.bidder_questioned``, ``lot.bidder_answered``);
* an abnormally low price (Regs 51 item 5) stands only after a ``cost`` question was
  answered and the committee accepts it with a reason (``lot.low_price_accepted``);
* the lowest evaluated price method: the committee adjusts a bid's price for evaluation,
  each adjustment with its reason (``lot.price_adjusted``);
* review telemetry: which bid document pages each expert had open, from when and for how
  long, as the expert's client reported them (``lot.review_pages_viewed``). The platform
  records the batch as sent and never fills in pages or times it was not told about.
"""

from __future__ import annotations

from datetime import timedelta

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.commands import AcceptLowPrice, AdjustPrice, AnswerQuestion, AskBidder, RecordReviewPages
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import conflict, event, require_stage, require_text
from jianzheng.domain.decisions.evaluation import MAX_TEXT, abnormal_bids
from jianzheng.domain.errors import Refusal, forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState

QUESTION_KINDS = ("clarification", "cost")
MAX_ANSWER_DAYS = 7
MAX_VIEWS = 500
MAX_SECONDS = 86_400
MAX_PAGE = 100_000
CLOCK_SKEW = timedelta(minutes=5)  # a client's clock may run a little ahead of the server's


def _member(state: LotState, ctx: Context) -> str:
    person = ctx.actor_person_id
    if person is None or person not in {m.person_id for m in state.committee}:
        raise forbidden("只有本标段评标委员会成员可以执行此操作", "Only members of this lot's committee may do this")
    return person


def _text(value: str, field_name: str, what_zh: str, what_en: str) -> str:
    text = require_text(value, field_name, what_zh, what_en)
    if len(text) > MAX_TEXT:
        raise invalid(field_name, f"{what_zh}不能超过{MAX_TEXT}字", f"The {what_en} exceeds {MAX_TEXT} characters")
    return text


def _valid_bid(state: LotState, bid_id: str) -> None:
    bid = state.bids.get(bid_id)
    if bid is None or bid.status != "opened":
        raise not_found("有效投标", bid_id)


def ask_bidder(state: LotState, cmd: AskBidder, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bidder_questioned", Stage.EVALUATION)
    person = _member(state, ctx)
    _valid_bid(state, cmd.bid_id)
    if cmd.kind not in QUESTION_KINDS:
        raise invalid("kind", f"询标类型应为：{'、'.join(QUESTION_KINDS)}",
                      f"kind must be one of {', '.join(QUESTION_KINDS)}")
    question = _text(cmd.question, "question", "询标问题", "question")
    if not ctx.now < cmd.deadline <= ctx.now + timedelta(days=MAX_ANSWER_DAYS):
        raise invalid("deadline", f"答复截止时间应在现在之后、{MAX_ANSWER_DAYS}日之内",
                      f"The answer deadline must be after now and within {MAX_ANSWER_DAYS} days")
    return [event(state, "lot.bidder_questioned", {
        "question_id": ctx.new_id("Q"), "bid_id": cmd.bid_id, "bidder_id": state.bids[cmd.bid_id].bidder_id,
        "kind": cmd.kind, "question": question, "deadline": format_instant(cmd.deadline), "asked_by": person})]


def answer_question(state: LotState, cmd: AnswerQuestion, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.bidder_answered", Stage.EVALUATION)
    question = state.evaluation.questions.get(cmd.question_id)
    if question is None:
        raise not_found("询标问题", cmd.question_id, "question")
    if ctx.actor_party_id != question.bidder_id:
        raise forbidden("只有被询标的投标人可以答复", "Only the bidder asked may answer")
    if question.answered_at is not None:
        raise conflict("question.answered", "该问题已答复", "This question has already been answered")
    if ctx.now > question.deadline:
        raise Refusal("question.late", "已过答复截止时间，不再接受答复", "The answer deadline has passed",
                      status=409, details={"deadline": format_instant(question.deadline)})
    answer = _text(cmd.answer, "answer", "答复内容", "answer")
    return [event(state, "lot.bidder_answered", {
        "question_id": question.question_id, "bid_id": question.bid_id, "bidder_id": question.bidder_id,
        "answer": answer, "document": cmd.document.as_payload() if cmd.document else None})]


def accept_low_price(state: LotState, cmd: AcceptLowPrice, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.low_price_accepted", Stage.EVALUATION)
    _member(state, ctx)
    _valid_bid(state, cmd.bid_id)
    if cmd.bid_id not in abnormal_bids(state):
        raise conflict("price.not_abnormal", "该投标报价不属于异常低价", "This bid's price is not abnormally low")
    if cmd.bid_id in state.evaluation.accepted_low:
        raise conflict("price.accepted", "已确认该报价", "This price has already been accepted")
    answered = [q for q in state.evaluation.questions.values()
                if q.bid_id == cmd.bid_id and q.kind == "cost" and q.answered_at is not None]
    if not answered:
        raise conflict("price.unclarified", "异常低价须先由投标人就成本作出澄清说明（实施条例第五十一条）",
                       "The bidder must first explain its costs in answer to a cost question (Regs 51)")
    reason = _text(cmd.reason, "reason", "确认理由", "reason for accepting the price")
    return [event(state, "lot.low_price_accepted", {
        "bid_id": cmd.bid_id, "bidder_id": state.bids[cmd.bid_id].bidder_id, "reason": reason,
        "questions": [q.question_id for q in answered]})]


def adjust_price(state: LotState, cmd: AdjustPrice, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.price_adjusted", Stage.EVALUATION)
    person = _member(state, ctx)
    if state.method != "lowest_price":
        raise conflict("price.method", "只有经评审的最低投标价法才调整评标价",
                       "Prices are adjusted for evaluation only under the lowest evaluated price method")
    _valid_bid(state, cmd.bid_id)
    price = state.bids[cmd.bid_id].price_fen or 0
    if cmd.amount_fen == 0 or abs(cmd.amount_fen) > price:
        raise invalid("amount_fen", "调整金额不能为零，也不能超过投标报价",
                      "The adjustment is not zero and at most the price")
    reason = _text(cmd.reason, "reason", "调整理由", "reason for the adjustment")
    return [event(state, "lot.price_adjusted", {
        "bid_id": cmd.bid_id, "amount_fen": cmd.amount_fen, "reason": reason, "person_id": person})]


def record_review_pages(state: LotState, cmd: RecordReviewPages, ctx: Context) -> list[EventDraft]:
    require_stage(state, "lot.review_pages_viewed", Stage.EVALUATION)
    person = _member(state, ctx)
    if not 1 <= len(cmd.views) <= MAX_VIEWS:
        raise invalid("views", f"每批应有 1 至 {MAX_VIEWS} 条阅读记录", f"A batch has 1 to {MAX_VIEWS} page views")
    opened_at = state.opened_at
    views = []
    for index, v in enumerate(cmd.views):
        name = f"views[{index}]"
        bid = state.bids.get(v.bid_id)
        if bid is None or bid.status not in ("opened", "rejected"):
            raise invalid(f"{name}.bid_id", f"未找到已开标的投标：{v.bid_id}", f"No opened bid {v.bid_id!r}")
        if v.document != bid.content_sha256 and v.document not in bid.documents:
            raise invalid(f"{name}.document", "该文件不属于此投标", "The document is not one of this bid's documents")
        if not 1 <= v.page <= MAX_PAGE:
            raise invalid(f"{name}.page", f"页码应为 1 至 {MAX_PAGE}", f"page must be 1 to {MAX_PAGE}")
        if not 0 <= v.seconds <= MAX_SECONDS:
            raise invalid(f"{name}.seconds", "阅读时长应为 0 至 86400 秒", "seconds must be 0 to 86400")
        if v.opened_at > ctx.now + CLOCK_SKEW or (opened_at is not None and v.opened_at < opened_at):
            raise invalid(f"{name}.opened_at", "打开时间应在开标之后、当前时间之前",
                          "opened_at must be after the opening and not in the future")
        views.append({"bid_id": v.bid_id, "document": v.document, "page": v.page,
                      "opened_at": format_instant(v.opened_at), "seconds": v.seconds})
    return [event(state, "lot.review_pages_viewed", {"person_id": person, "views": views})]
