"""Stage 1-2: tender documents compiled, confirmed by the tenderer, filed, announced (seed 002)."""

from __future__ import annotations

from decimal import Decimal

from jianzheng.domain.calendar import days_between
from jianzheng.domain.commands import (
    CompileDocuments,
    ConfirmDocuments,
    FileDocuments,
    PublishAnnouncement,
)
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import event, iso, require_text
from jianzheng.domain.errors import invalid
from jianzheng.domain.events import EventDraft, lot_stream
from jianzheng.domain.lot import LotState
from jianzheng.domain.methods import check_method, method_payload

METHODS = ("comprehensive", "lowest_price")


def compile_documents(state: LotState, cmd: CompileDocuments, ctx: Context) -> list[EventDraft]:
    if cmd.method not in METHODS:
        raise invalid("method", f"未知的评标办法：{cmd.method}", f"Unknown evaluation method: {cmd.method}")
    if cmd.method == "comprehensive" and not cmd.factors:
        raise invalid("factors", "综合评估法须列明评分因素", "The comprehensive method needs scoring factors")
    codes = [f.code for f in cmd.factors]
    if len(set(codes)) != len(codes):
        raise invalid("factors", "评分因素代码重复", "Scoring factor codes repeat")
    if any(f.max_points <= 0 for f in cmd.factors):
        raise invalid("factors", "评分因素的分值必须大于零", "Each factor's maximum points must be positive")
    if cmd.evaluation is not None:
        check_method(cmd.evaluation, cmd.method, {f.code: f.max_points for f in cmd.factors})
    # Regs 26: the deposit may not exceed 2% of the estimated price.
    limit = Decimal(state.estimated_price_fen) * ctx.procedure.limits.max_deposit_ratio
    warnings = ctx.check(
        "regs26.deposit-ratio",
        Decimal(cmd.deposit_fen) <= limit,
        lot_stream(state.lot_id),
        {"deposit_fen": cmd.deposit_fen, "estimated_price_fen": state.estimated_price_fen,
         "max_ratio": str(ctx.procedure.limits.max_deposit_ratio)},
    )
    return [
        event(state, "lot.documents_compiled", {
            "version": state.documents_version + 1,
            "document": cmd.document.as_payload(),
            "method": cmd.method,
            "factors": [
                {"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "max_points": f.max_points}
                for f in cmd.factors
            ],
            "deposit_fen": cmd.deposit_fen,
            "qualification": cmd.qualification,
            **({"evaluation": method_payload(cmd.evaluation)} if cmd.evaluation is not None else {}),
        }),
        *warnings,
    ]


def confirm_documents(state: LotState, cmd: ConfirmDocuments, ctx: Context) -> list[EventDraft]:
    if cmd.version != state.documents_version:
        raise invalid(
            "version",
            f"只能确认最新版本的招标文件（第{state.documents_version}版）",
            f"Only the latest version of the tender documents ({state.documents_version}) can be confirmed",
        )
    return [event(state, "lot.documents_confirmed", {"version": cmd.version})]


def file_documents(state: LotState, cmd: FileDocuments, ctx: Context) -> list[EventDraft]:
    if cmd.accept:
        return [event(state, "lot.documents_filed", {"version": state.confirmed_version, "remark": cmd.remark})]
    remark = require_text(cmd.remark, "remark", "退回理由", "reason for returning the documents")
    return [event(state, "lot.documents_returned", {"version": state.confirmed_version, "remark": remark})]


def publish_announcement(state: LotState, cmd: PublishAnnouncement, ctx: Context) -> list[EventDraft]:
    text = require_text(cmd.text, "text", "公告内容", "announcement text")
    if not (cmd.sale_start <= cmd.sale_end <= cmd.bid_deadline):
        raise invalid(
            "sale_end",
            "时间顺序应为：发售开始 ≤ 发售结束 ≤ 投标截止",
            "The order must be: sale start ≤ sale end ≤ bid deadline",
        )
    if cmd.bid_deadline <= ctx.now:
        raise invalid("bid_deadline", "投标截止时间必须在将来", "The bid deadline must be in the future")
    stream = lot_stream(state.lot_id)
    p = ctx.procedure.periods
    start = max(cmd.sale_start, ctx.now)
    warnings = ctx.check(
        "law24.issue-to-deadline",
        days_between(start, cmd.bid_deadline) >= p.min_days_issue_to_deadline,
        stream,
        {"issue_start": iso(start), "bid_deadline": iso(cmd.bid_deadline),
         "days": days_between(start, cmd.bid_deadline), "minimum": p.min_days_issue_to_deadline},
    )
    warnings += ctx.check(
        "regs16.sale-period",
        days_between(cmd.sale_start, cmd.sale_end) >= p.min_sale_days,
        stream,
        {"sale_start": iso(cmd.sale_start), "sale_end": iso(cmd.sale_end),
         "days": days_between(cmd.sale_start, cmd.sale_end), "minimum": p.min_sale_days},
    )
    return [
        event(state, "lot.announced", {
            "sale_start": iso(cmd.sale_start),
            "sale_end": iso(cmd.sale_end),
            "bid_deadline": iso(cmd.bid_deadline),
            "opening": "online",
            "deposit_fen": state.deposit_fen,
            "text": text,
            "documents_version": state.confirmed_version,
        }),
        *warnings,
    ]
