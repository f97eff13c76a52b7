"""Refusals: why the domain said no, in Chinese and English, with the article that refused.

A refusal is a value the service layer turns into an HTTP 4xx or a CLI error. Nothing is
written for a refused command.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


# Not frozen: `contextlib.contextmanager` assigns `__traceback__` when an exception passes
# through a `with` block (e.g. `store.read()`), which a frozen dataclass refuses, turning
# every refusal there into a FrozenInstanceError. eq=False keeps identity hashing.
@dataclass(eq=False)
class Refusal(Exception):
    """A command the domain will not carry out.

    `code` is a stable machine-readable identifier (e.g. ``rule.law24``); `article` names
    the statutory source when a rule refused; `field` names the input at fault, so forms
    can show the message next to it.
    """

    code: str
    message_zh: str
    message_en: str
    article: str | None = None
    field: str | None = None
    status: int = 409
    details: dict[str, Any] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        basis = f" [{self.article}]" if self.article else ""
        return f"{self.code}: {self.message_zh} / {self.message_en}{basis}"


def invalid(field_name: str, message_zh: str, message_en: str, code: str = "invalid") -> Refusal:
    """A refusal for bad input in one field (HTTP 422)."""
    return Refusal(code, message_zh, message_en, field=field_name, status=422)


# English names for the kinds of thing a reference can miss, so each message is in one language.
KIND_EN = {"标段": "lot", "投标": "bid", "有效投标": "valid bid", "单位": "company", "人员": "person",
           "保证金": "deposit", "异议": "objection", "投诉": "complaint", "项目": "project", "用户": "user",
           "预警": "alert", "检查点": "checkpoint", "文件": "document"}


def not_found(kind: str, key: str, kind_en: str | None = None) -> Refusal:
    """A refusal for a reference to something that does not exist (HTTP 404)."""
    english = kind_en or KIND_EN.get(kind, "record")
    return Refusal(
        "not_found",
        f"未找到{kind}：{key}",
        f"No {english} with id {key!r}",
        status=404,
        details={"kind": kind, "id": key},
    )


def forbidden(message_zh: str, message_en: str) -> Refusal:
    """A refusal because the actor may not do this (HTTP 403)."""
    return Refusal("forbidden", message_zh, message_en, status=403)
