"""Documents: upload a file once, then cite it by its digests in commands (招标文件、报告、合同)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile

from jianzheng.domain.errors import forbidden
from jianzheng.domain.roles import Role
from jianzheng.services.platform import Upload
from jianzheng.web.deps import Change

router = APIRouter(prefix="/documents", tags=["documents 文件"])


@router.post("", status_code=201, summary="上传文件 / upload a document")
async def upload(file: UploadFile, call: Change) -> dict[str, Any]:
    """Stores the bytes content-addressed; answers the reference (name, SHA-256, SM3, size) to cite."""
    if call.actor.role is Role.PUBLIC:
        raise forbidden("社会公众账号不能上传文件", "A public account may not upload documents")
    data = await file.read()
    ref = call.services.platform.store_document(Upload(file.filename or "", data,
                                                       file.content_type or "application/octet-stream"))
    return ref.as_payload()
