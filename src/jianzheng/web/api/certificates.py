"""Witness certificates over HTTP: issue a lot's certificate, and verify an uploaded one (public).

``GET /lots/{lot_id}/certificate`` answers the bundle (JSON) or its readable rendering
(``?format=html`` or ``pdf``); it is open to those who may read the lot's operation log,
and may first make a checkpoint (reason ``certificate``) when the newest events are not
yet covered by one. ``POST /certificates/verify`` checks a bundle offline — nothing is
read from the database and nothing is written — and answers the verification report: the
certificate check page is built on it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from jianzheng.adapters.certificate_render import certificate_view, render_html, render_pdf
from jianzheng.domain.errors import Refusal, invalid
from jianzheng.services.certificates import CertificateIssuer, verify_bundle
from jianzheng.web.deps import Call

router = APIRouter(tags=["certificates 见证证书"])

MAX_UPLOAD = 64 * 1024 * 1024  # bytes per uploaded file (bundle or document)
COSIGN_WAIT = 5.0  # seconds to let witnesses cosign a checkpoint made for the certificate
VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary", "description": "证书文件（JSON）/ the bundle"},
                "key": {"type": "array", "items": {"type": "string"},
                        "description": "带外获得的平台公钥（可多个）/ pinned platform verifier keys"},
                "witness_key": {"type": "array", "items": {"type": "string"},
                                "description": "要求其副签的见证方公钥 / required witness keys"},
                "document": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "与证书摘要核对的文件 / files to check against the digests"},
            }}},
            "application/json": {"schema": {"type": "object", "description": "证书文件本身 / the bundle itself; "
                                                                              "keys as ?key=…&witness_key=…"}},
        },
    }
}


def _filename(lot_id: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in lot_id if ch.isascii()) or "lot"
    return f'attachment; filename="{safe}.certificate.{extension}"'


@router.get("/lots/{lot_id}/certificate", summary="电子见证证书 / the lot's witness certificate",
            responses={200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}}})
def certificate(
    lot_id: str,
    call: Call,
    format: Annotated[Literal["json", "html", "pdf"], Query(
        description="json：机器可读证书；html、pdf：可读版本 / json bundle, or the html or pdf rendering")] = "json",
) -> Response:
    services = call.services
    issuer = CertificateIssuer(
        services.store, services.checkpointer, services.platform.clock,
        witness_keys=lambda: [w.key for w in services.cosigner.registry.witnesses()],
        settle=lambda: services.cosigner.wait(COSIGN_WAIT))
    cert = issuer.issue(call.actor, lot_id)
    data = cert.to_bytes()
    if format == "json":
        return Response(data, media_type="application/json",
                        headers={"Content-Disposition": _filename(cert.lot_id, "json")})
    view = certificate_view(cert, bundle_bytes=data)
    if format == "html":
        return HTMLResponse(render_html(view))
    return Response(render_pdf(view), media_type="application/pdf",
                    headers={"Content-Disposition": _filename(cert.lot_id, "pdf")})


async def _upload_bytes(value: UploadFile, field_name: str) -> bytes:
    data = await value.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Refusal("too_large", f"上传的文件超过 {MAX_UPLOAD // (1024 * 1024)} MiB",
                      f"The uploaded file exceeds {MAX_UPLOAD // (1024 * 1024)} MiB", field=field_name, status=413)
    return data


async def _body(request: Request) -> bytes:
    """The request body, refused once it passes ``MAX_UPLOAD`` (never read whole into memory first)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise Refusal("too_large", f"证书文件超过 {MAX_UPLOAD // (1024 * 1024)} MiB",
                          f"The certificate exceeds {MAX_UPLOAD // (1024 * 1024)} MiB", field="body", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/certificates/verify", summary="验证电子见证证书（公开）/ verify a witness certificate (public)",
             openapi_extra=VERIFY_BODY)
async def verify(request: Request) -> dict[str, Any]:
    """Upload the bundle as multipart (`file`, with optional `key`, `witness_key`, `document` fields) or as the
    JSON body itself (keys as query parameters). Answers `ok`, the failures (each naming the event seq, leaf index
    or key, in Chinese and English), notes, the signatures and cosignatures that verified, and document checks."""
    content_type = request.headers.get("content-type", "")
    keys: list[str]
    witnesses: list[str]
    documents: list[tuple[str, bytes]] = []
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_part_size=MAX_UPLOAD)
        bundle = form.get("file")
        if not isinstance(bundle, UploadFile):
            raise invalid("file", "请上传证书文件（字段 file）", "Upload the certificate bundle as the field 'file'")
        data = await _upload_bytes(bundle, "file")
        keys = [str(v) for v in form.getlist("key") if isinstance(v, str)]
        witnesses = [str(v) for v in form.getlist("witness_key") if isinstance(v, str)]
        for item in form.getlist("document"):
            if isinstance(item, UploadFile):
                documents.append((item.filename or "document", await _upload_bytes(item, "document")))
    elif content_type.startswith("application/json"):
        data = await _body(request)
        try:
            json.loads(data)
        except ValueError as exc:
            raise invalid("body", "请求体不是合法的 JSON", "The request body is not valid JSON") from exc
        keys = request.query_params.getlist("key")
        witnesses = request.query_params.getlist("witness_key")
    else:
        raise Refusal("unsupported_media_type", "请以 multipart/form-data 或 application/json 上传证书",
                      "Send the certificate as multipart/form-data or application/json", status=415)
    return verify_bundle(data, keys, witnesses, documents).to_json()
