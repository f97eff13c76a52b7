"""The certificate check page (证书核验): anyone uploads a witness certificate and sees what verifies.

The page runs the same offline verification as `POST /api/v1/certificates/verify`
(`services.certificates.verify_bundle`): nothing is read from the database and nothing is
written. Optional platform keys obtained out of band (one per line) replace the bundle's own
keys as the trust anchor, witness keys demand those witnesses' cosignatures, and uploaded
files are checked against the digests the certified events cite. The answer says whether the
certificate verifies and lists every failure with the event sequence number, leaf index or
key it concerns, the notes, who signed and cosigned, and each file's match.

Bad input — no file, a file too large, a malformed key — is named next to its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jianzheng.domain.errors import Refusal
from jianzheng.services.certificates import verify_bundle
from jianzheng.web.api.certificates import MAX_UPLOAD
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_DOCUMENTS = 20


def _form(v: Visitor, status: int = 200, errors: dict[str, str] | None = None, keys: str = "",
          witness_keys: str = "", result: dict[str, Any] | None = None, filename: str = "") -> HTMLResponse:
    return render(v, "certificates/check.html", status=status, errors=errors or {}, keys=keys,
                  witness_keys=witness_keys, result=result, filename=filename, max_mib=MAX_UPLOAD // (1024 * 1024))


@router.get("/certificates/check")
def check_form(v: Page) -> HTMLResponse:
    return _form(v)


async def _read(item: UploadFile) -> bytes | None:
    """The upload's bytes, or None when it is larger than the limit (never read whole first)."""
    data = await item.read(MAX_UPLOAD + 1)
    return None if len(data) > MAX_UPLOAD else data


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/certificates/check")
async def check_submit(v: Page) -> HTMLResponse:
    t = v.t
    form = await v.request.form(max_part_size=MAX_UPLOAD)
    errors: dict[str, str] = {}
    keys = str(form.get("keys") or "")
    witness_keys = str(form.get("witness_keys") or "")
    bundle = form.get("file")
    data: bytes | None = None
    filename = ""
    if not isinstance(bundle, UploadFile) or not bundle.filename:
        errors["file"] = t("cert.file_required")
    else:
        filename = bundle.filename
        data = await _read(bundle)
        if data is None:
            errors["file"] = t("cert.too_large", n=MAX_UPLOAD // (1024 * 1024))
        elif not data.strip():
            errors["file"] = t("cert.file_empty")
    documents: list[tuple[str, bytes]] = []
    uploads = [item for item in form.getlist("document") if isinstance(item, UploadFile) and item.filename]
    if len(uploads) > MAX_DOCUMENTS:
        errors["document"] = t("cert.too_many", n=MAX_DOCUMENTS)
    else:
        for item in uploads:
            content = await _read(item)
            if content is None:
                errors["document"] = t("cert.too_large", n=MAX_UPLOAD // (1024 * 1024))
                break
            documents.append((item.filename or "document", content))
    if not errors:
        try:
            v.check_csrf(str(form.get("csrf_token") or ""))
        except Refusal:
            errors["form"] = t("csrf.failed")
    if errors or data is None:
        return _form(v, 403 if "form" in errors else 422, errors, keys, witness_keys, filename=filename)
    try:
        outcome = await run_in_threadpool(verify_bundle, data, _lines(keys), _lines(witness_keys), documents)
    except Refusal as refusal:
        field = {"key": "keys", "witness_key": "witness_keys"}.get(refusal.field or "", "form")
        return _form(v, 422, {field: t.both(refusal.message_zh, refusal.message_en)}, keys, witness_keys,
                     filename=filename)
    return _form(v, 200, {}, keys, witness_keys, outcome.to_json(), filename)
