"""The witness ledger over HTTP: the latest checkpoint, checkpoints, leaves, proofs and keys.

`GET /ledger/checkpoint` answers the latest checkpoint as a C2SP signed note in
``text/plain`` (platform signatures and witness cosignatures), ready for any note verifier.
Proofs are RFC 9162 hashes in base64. Everything is public except the leaves themselves,
which only the center's staff, supervisors and witnesses may read.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from jianzheng.services.ledger_queries import MAX_CHECKPOINTS, MAX_LEAVES, checkpoint_json
from jianzheng.web.deps import Call

router = APIRouter(prefix="/ledger", tags=["ledger 见证账本"])


@router.get("/checkpoint", response_class=PlainTextResponse,
            summary="最新检查点（C2SP 签名注记）/ the latest checkpoint as a C2SP signed note")
def latest_checkpoint(call: Call) -> PlainTextResponse:
    note = call.services.ledger.latest().cosigned_note()
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


@router.get("/checkpoints", summary="检查点列表 / checkpoints, largest tree first")
def checkpoints(
    call: Call,
    limit: Annotated[int, Query(ge=1, le=MAX_CHECKPOINTS, description="每页条数 / page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="跳过条数 / offset")] = 0,
) -> dict[str, Any]:
    total, rows = call.services.ledger.checkpoints(limit, offset)
    return {"total": total, "items": [checkpoint_json(c) for c in rows]}


@router.get("/leaves", summary="叶子（事件规范 JSON，base64）/ leaf entries, base64 (staff, supervisors, witnesses)")
def leaves(
    call: Call,
    start: Annotated[int, Query(ge=0, description="起始叶子序号（含）/ first leaf index, inclusive")],
    end: Annotated[int, Query(ge=0, description=f"结束序号（不含），一次最多 {MAX_LEAVES} 个 / end, exclusive")],
) -> dict[str, Any]:
    entries = call.services.ledger.leaves(call.actor, start, end)
    return {"start": start, "end": end, "leaves": [base64.b64encode(e).decode("ascii") for e in entries]}


@router.get("/proof/inclusion", summary="包含证明 / inclusion proof (RFC 9162)")
def inclusion_proof(
    call: Call,
    index: Annotated[int, Query(ge=0, description="叶子序号（事件序号 - 1）/ leaf index (event seq - 1)")],
    size: Annotated[int | None, Query(ge=0, description="树大小，默认最新检查点 / tree size (default: latest "
                                                         "checkpoint)")] = None,
) -> dict[str, Any]:
    return call.services.ledger.inclusion_proof(index, size)


@router.get("/proof/consistency", summary="一致性证明 / consistency proof (RFC 9162)")
def consistency_proof(
    call: Call,
    old: Annotated[int, Query(ge=0, description="旧树大小 / old tree size")],
    new: Annotated[int, Query(ge=0, description="新树大小 / new tree size")],
) -> dict[str, Any]:
    return call.services.ledger.consistency_proof(old, new)


@router.get("/keys", summary="平台检查点公钥 / the platform's checkpoint verifier keys")
def keys(call: Call) -> dict[str, Any]:
    return {"origin": call.services.settings.ledger_origin, "keys": call.services.ledger.verifier_keys()}
