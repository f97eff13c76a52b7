"""One JSON error shape for every refusal: `{"error": {code, message_zh, message_en, article, field, details}}`.

Domain refusals carry their own HTTP status; request validation errors become 422 naming
the field; unknown routes 404. Bad input is always answered with 4xx, never 5xx.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jianzheng.domain.errors import Refusal

log = logging.getLogger(__name__)

# Pydantic error types → (Chinese, English) explanations; the rest fall back to pydantic's message.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段", "This field is required"),
    "json_invalid": ("请求体不是合法的 JSON", "The request body is not valid JSON"),
    "int_type": ("应为整数", "Must be an integer"),
    "int_parsing": ("应为整数", "Must be an integer"),
    "int_from_float": ("应为整数，不能有小数", "Must be a whole number"),
    "string_type": ("应为字符串", "Must be a string"),
    "bool_type": ("应为 true 或 false", "Must be true or false"),
    "bool_parsing": ("应为 true 或 false", "Must be true or false"),
    "datetime_type": ("应为 ISO 8601 时间", "Must be an ISO 8601 instant"),
    "datetime_parsing": ("应为 ISO 8601 时间", "Must be an ISO 8601 instant"),
    "datetime_from_date_parsing": ("应为 ISO 8601 时间", "Must be an ISO 8601 instant"),
    "timezone_aware": ("时间须带时区，例如 +08:00", "The instant needs a time zone, e.g. +08:00"),
    "list_type": ("应为数组", "Must be an array"),
    "dict_type": ("应为对象", "Must be an object"),
    "model_attributes_type": ("应为对象", "Must be an object"),
    "greater_than_equal": ("数值过小", "The number is too small"),
    "greater_than": ("数值过小", "The number is too small"),
    "less_than_equal": ("数值过大", "The number is too large"),
    "string_too_short": ("内容过短", "The text is too short"),
    "string_too_long": ("内容过长", "The text is too long"),
    "extra_forbidden": ("不认识的字段", "Unknown field"),
    "literal_error": ("取值不在允许范围内", "The value is not one of the allowed ones"),
    "enum": ("取值不在允许范围内", "The value is not one of the allowed ones"),
    "value_error": ("取值无效", "Invalid value"),
}

_STATUS_CODES: dict[int, tuple[str, str, str]] = {
    401: ("auth.required", "请先登录", "Sign in first"),
    404: ("not_found", "未找到该地址", "No such address"),
    405: ("method_not_allowed", "该地址不支持此请求方法", "This address does not accept this method"),
    413: ("too_large", "请求体过大", "The request body is too large"),
}


def error_body(code: str, message_zh: str, message_en: str, article: str | None = None, field: str | None = None,
               details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message_zh": message_zh, "message_en": message_en, "article": article,
                      "field": field, "details": details or {}}}


def refusal_response(refusal: Refusal) -> JSONResponse:
    body = error_body(refusal.code, refusal.message_zh, refusal.message_en, refusal.article, refusal.field,
                      refusal.details)
    headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
    return JSONResponse(body, status_code=refusal.status, headers=headers)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "lots", 0, "name")` → `lots[0].name`; the request part (body, query, path) is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before", "function-plain") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validation_refusal(errors: list[Any]) -> Refusal:
    """The first error decides the message; all of them are listed in details."""
    first = errors[0] if errors else {"type": "value_error", "loc": ("body",), "msg": "invalid"}
    kind = str(first.get("type", "value_error"))
    zh, en = _MESSAGES.get(kind, ("输入无效", str(first.get("msg", "Invalid input"))))
    # For malformed JSON the location is a character offset, not a field: the whole body is at fault.
    field = "body" if kind == "json_invalid" else field_path(tuple(first.get("loc", ())))
    if kind in ("value_error", "assertion_error") and first.get("msg"):
        en = str(first["msg"]).removeprefix("Value error, ")
    listed = [{"field": field_path(tuple(e.get("loc", ()))), "type": e.get("type"), "message": e.get("msg")}
              for e in errors]
    code = "json.invalid" if kind == "json_invalid" else "invalid"
    return Refusal(code, f"{field}：{zh}", f"{field}: {en}", field=field, status=422, details={"errors": listed})


async def _on_refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return refusal_response(exc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return refusal_response(validation_refusal(list(exc.errors())))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, zh, en = _STATUS_CODES.get(exc.status_code, ("http.error", "请求无法处理", str(exc.detail)))
    if exc.status_code == 404 and exc.detail not in ("Not Found", None):
        en = str(exc.detail)
    return JSONResponse(error_body(code, zh, en, details={"path": request.url.path}), status_code=exc.status_code,
                        headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A server fault, not the user's: logged with its traceback, answered without internals.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    body = error_body("server.error", "服务器内部错误，已记录", "Internal server error; it has been logged")
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Refusal, _on_refusal)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
