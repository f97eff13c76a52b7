"""Bidding: registration, deposits, sealed bids (multipart or JSON), withdrawal and the opening.

A bid's content is validated by the domain (`parse_bid_content`) whichever way it arrives;
the files are stored content-addressed and the event carries only their digests.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import Field

from jianzheng.domain import commands as c
from jianzheng.domain.errors import invalid
from jianzheng.services.platform import Upload
from jianzheng.web.api.common import run
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Fen, Strict, changed

router = APIRouter(tags=["bids 投标"])


class DepositIn(Strict):
    amount_fen: Fen = Field(description="保证金金额（分）/ deposit in fen")
    paying_account: str = Field(min_length=1, description="转出账号（应为基本账户）/ paying account")
    paying_bank: str = Field(min_length=1, description="转出银行 / paying bank")


class FileIn(Strict):
    name: str = Field(min_length=1, description="文件名 / file name")
    data_base64: str = Field(description="文件内容（Base64）/ file content, base64")
    media_type: str = Field("application/octet-stream", description="媒体类型 / media type")


class BidIn(Strict):
    content: dict[str, Any] = Field(description="投标内容：price_fen、boq、project_manager_id… / bid content")
    documents: list[FileIn] = Field(default_factory=list, description="投标文件 / bid documents")
    fingerprint: dict[str, str] | None = Field(
        None, description="编制工具记录的机器指纹：machine_code、mac、cpu_id、disk_serial、author、tool / "
                          "the compiling machine's fingerprint as the bid tool recorded it")


def _decode(index: int, f: FileIn) -> Upload:
    try:
        data = base64.b64decode(f.data_base64, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"documents[{index}].data_base64", "文件内容不是合法的 Base64",
                      "The file content is not valid base64") from None
    return Upload(f.name, data, f.media_type)


@router.post("/lots/{lot_id}/registrations", summary="投标报名 / register as a bidder")
def register_bidder(lot_id: str, call: Change) -> Changed:
    return run(call, lot_id, c.RegisterBidder())


@router.post("/lots/{lot_id}/deposits", summary="缴纳保证金 / pay the bid deposit")
def pay_deposit(lot_id: str, body: DepositIn, call: Change) -> Changed:
    return run(call, lot_id, c.PayDeposit(body.amount_fen, body.paying_account.strip(), body.paying_bank.strip()))


@router.get("/lots/{lot_id}/deposits", summary="保证金 / deposits")
def list_deposits(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.queries.deposits(call.actor, lot_id)


@router.post("/lots/{lot_id}/bids", summary="递交投标（JSON）/ submit a bid as JSON")
def submit_bid_json(lot_id: str, body: BidIn, call: Change) -> Changed:
    uploads = [_decode(i, f) for i, f in enumerate(body.documents)]
    return changed(call.services.platform.submit_bid(call.actor, lot_id, body.content, uploads, call.ip,
                                                     fingerprint=body.fingerprint))


@router.post("/lots/{lot_id}/bids/upload", summary="递交投标（表单上传）/ submit a bid as multipart")
async def submit_bid_multipart(
    lot_id: str, call: Change,
    content: Annotated[str, Form(description="投标内容 JSON / bid content as JSON text")],
    files: Annotated[list[UploadFile] | None, File(description="投标文件 / bid documents")] = None,
    fingerprint: Annotated[str | None, Form(description="机器指纹 JSON / the compiling machine's fingerprint as JSON")]
    = None,
) -> Changed:
    try:
        parsed = json.loads(content)
    except ValueError:
        raise invalid("content", "投标内容不是合法的 JSON", "The bid content is not valid JSON") from None
    try:
        machine = json.loads(fingerprint) if fingerprint else None
    except ValueError:
        raise invalid("fingerprint", "机器指纹不是合法的 JSON", "The fingerprint is not valid JSON") from None
    uploads = [Upload(f.filename or "", await f.read(), f.content_type or "application/octet-stream")
               for f in files or []]
    return changed(call.services.platform.submit_bid(call.actor, lot_id, parsed, uploads, call.ip,
                                                     fingerprint=machine))


@router.post("/lots/{lot_id}/bids/withdrawal", summary="撤回投标 / withdraw the bid")
def withdraw_bid(lot_id: str, call: Change) -> Changed:
    return run(call, lot_id, c.WithdrawBid())


@router.get("/lots/{lot_id}/bids", summary="投标列表 / bids")
def list_bids(lot_id: str, call: Call) -> list[dict[str, Any]]:
    return call.services.queries.bids(call.actor, lot_id)


@router.get("/bids/{bid_id}/content", summary="投标内容 / a bid's content")
def bid_content(bid_id: str, call: Call) -> dict[str, Any]:
    return call.services.queries.bid_content(call.actor, bid_id)


@router.post("/lots/{lot_id}/opening", summary="开标 / open the bids")
def open_bids(lot_id: str, call: Change) -> Changed:
    return changed(call.services.platform.open_bids(call.actor, lot_id, call.ip))
