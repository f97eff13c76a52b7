"""Sealed bids and the online opening hall (不见面开标): keys, sealed submission, the hall, its live feed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Strict, changed

router = APIRouter(tags=["开标大厅 / opening hall"])
POLL_SECONDS = 1.0


class BidKeyIn(Strict):
    suite: str = Field(description="密钥套件：sm2 或 x25519-ed25519 / key suite")
    sign_public: str = Field(description="签名公钥（Base64）/ signature public key, base64")
    wrap_public: str = Field(description="密钥封装公钥（Base64）/ key-wrapping public key, base64")


class KeyReleaseIn(Strict):
    key_b64: str = Field(description="内容密钥（Base64），截止后由投标人释放 / the content key, base64")


class EscrowRequestIn(Strict):
    bid_id: str
    reason: str = Field(description="非投标人原因的说明 / why the failure is not the bidder's fault")


class EscrowShareIn(Strict):
    bid_id: str
    custodian: str = Field(description="托管方名称 / custodian's name")
    x: int = Field(ge=1, le=255, description="份额序号 / share index")
    share_b64: str = Field(description="解开的份额（Base64）/ the unwrapped share, base64")


@router.get("/sealing/config", summary="加密投标配置（公开）/ sealing configuration (public)")
def sealing_config(call: Call) -> dict[str, Any]:
    return call.services.sealed.config()


@router.post("/bid-keys", summary="登记投标密钥 / register the bidder's bid key")
def register_bid_key(body: BidKeyIn, call: Change) -> Changed:
    return changed(call.services.sealed.register_key(call.actor, body.model_dump(), call.ip))


@router.post("/lots/{lot_id}/bids/sealed", summary="递交加密投标（信封 JSON）/ submit a sealed bid envelope")
async def submit_sealed(lot_id: str, request: Request, call: Change) -> dict[str, Any]:
    data = await request.body()
    return call.services.sealed.submit(call.actor, lot_id, data, call.ip)


@router.get("/lots/{lot_id}/hall", summary="开标大厅状态（公开）/ the opening hall's state (public)")
def hall_state(lot_id: str, call: Call) -> dict[str, Any]:
    return call.services.sealed.hall(lot_id)


@router.get("/lots/{lot_id}/hall/stream", summary="开标大厅实时推送（SSE）/ live feed of the hall")
async def hall_stream(lot_id: str, request: Request, call: Call) -> StreamingResponse:
    sealed = call.services.sealed
    first = sealed.hall(lot_id)  # a missing lot is a 404 before the stream starts

    async def feed() -> AsyncIterator[str]:
        state, last = first, -1
        while not await request.is_disconnected():
            if state["last_seq"] != last:
                last = state["last_seq"]
                yield f"event: hall\nid: {last}\ndata: {json.dumps(state, ensure_ascii=False)}\n\n"
            else:
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_SECONDS)
            state = await asyncio.to_thread(sealed.hall, lot_id)
    return StreamingResponse(feed(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post("/lots/{lot_id}/hall/start", summary="开启开标大厅 / open the hall at the deadline")
def start_hall(lot_id: str, call: Change) -> Changed:
    return changed(call.services.sealed.start_hall(call.actor, lot_id, call.ip))


@router.post("/lots/{lot_id}/hall/sign-in", summary="投标人签到 / a bidder signs in")
def sign_in(lot_id: str, call: Change) -> Changed:
    return changed(call.services.sealed.sign_in(call.actor, lot_id, call.ip))


@router.post("/lots/{lot_id}/hall/key-release", summary="释放内容密钥并解密 / release the key and decrypt")
def release_key(lot_id: str, body: KeyReleaseIn, call: Change) -> Changed:
    return changed(call.services.sealed.release_key(call.actor, lot_id, body.key_b64, call.ip))


@router.post("/lots/{lot_id}/hall/escrow-requests", summary="申请托管解密 / ask the custodians to open a bid")
def request_escrow(lot_id: str, body: EscrowRequestIn, call: Change) -> Changed:
    return changed(call.services.sealed.request_escrow(call.actor, lot_id, body.bid_id, body.reason, call.ip))


@router.post("/lots/{lot_id}/hall/escrow-shares", summary="提交托管份额 / a custodian gives its share")
def escrow_share(lot_id: str, body: EscrowShareIn, call: Change) -> Changed:
    return changed(call.services.sealed.submit_share(call.actor, lot_id, body.bid_id, body.custodian, body.x,
                                                     body.share_b64, call.ip))


@router.post("/lots/{lot_id}/hall/open", summary="结束解密并开标 / close the key release and open")
def open_hall(lot_id: str, call: Change) -> Changed:
    return changed(call.services.sealed.open(call.actor, lot_id, call.ip))
