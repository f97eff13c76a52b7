"""Award (定标): candidates' publicity, the award, the contract and the deposits' refund."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, Field

from jianzheng.domain import commands as c
from jianzheng.web.api.common import run
from jianzheng.web.deps import Change
from jianzheng.web.schemas import Changed, DocumentRefIn, Fen, Strict, optional_ref

router = APIRouter(prefix="/lots/{lot_id}", tags=["award 定标"])


class CandidatesIn(Strict):
    publicity_end: AwareDatetime = Field(description="公示截止时间 / end of the publicity period")
    count: int = Field(3, ge=1, le=3, description="候选人数 / number of candidates")


class AwardIn(Strict):
    bidder_id: str = Field(description="中标人单位编号 / the winning bidder's company id")
    reason: str = Field("", description="定标理由（非第一名时必填）/ reason, needed when not the first candidate")
    notice: DocumentRefIn | None = Field(None, description="中标通知书 / notice of award")


class ContractIn(Strict):
    price_fen: Fen = Field(description="合同价（分）/ contract price in fen")
    performance_bond_fen: Fen = Field(description="履约保证金（分）/ performance bond in fen")
    document: DocumentRefIn | None = Field(None, description="合同文本 / the contract")


class RefundIn(Strict):
    interest_fen: Fen = Field(0, description="银行同期存款利息（分）/ interest in fen")


@router.post("/candidates", summary="公示中标候选人 / publish the candidates")
def publish_candidates(lot_id: str, body: CandidatesIn, call: Change) -> Changed:
    return run(call, lot_id, c.PublishCandidates(body.publicity_end, body.count))


@router.post("/award", summary="确定中标人 / award the contract")
def award(lot_id: str, body: AwardIn, call: Change) -> Changed:
    return run(call, lot_id, c.Award(body.bidder_id, body.reason,
                                     optional_ref(body.notice, call.services.blobs, "notice")))


@router.post("/contract", summary="签订合同 / sign the contract")
def sign_contract(lot_id: str, body: ContractIn, call: Change) -> Changed:
    return run(call, lot_id, c.SignContract(body.price_fen, body.performance_bond_fen,
                                            optional_ref(body.document, call.services.blobs)))


@router.post("/deposits/{deposit_id}/refund", summary="退还保证金 / refund a deposit")
def refund_deposit(lot_id: str, deposit_id: str, body: RefundIn, call: Change) -> Changed:
    return run(call, lot_id, c.RefundDeposit(deposit_id, body.interest_fen))
