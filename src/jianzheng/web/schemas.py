"""Shared request and response models of the API.

Money is integer fen (`*_fen`), scores integer centipoints or exact decimal strings,
instants ISO 8601 with a time zone. Every change answers with the witnessed events it
appended (seq, type, time), so a client can cite them and verify them on the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from jianzheng.domain import commands as c
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import invalid
from jianzheng.domain.events import WitnessedEvent
from jianzheng.services.ports import Blobs

Fen = Annotated[int, Field(ge=0, description="金额（分）/ amount in fen (1/100 yuan)")]
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


class EventOut(BaseModel):
    seq: int = Field(description="账本序号 / ledger sequence number")
    type: str = Field(description="事件类型 / event type")
    time: str = Field(description="服务器时间（UTC）/ server time")
    stream: str = Field(description="事件流 / stream")
    payload: dict[str, Any] = Field(description="事件内容 / event payload")


class Changed(BaseModel):
    """The answer to every change: the witnessed events it appended."""

    events: list[EventOut] = Field(description="本次写入的见证事件 / witnessed events appended")


def changed(events: Sequence[WitnessedEvent]) -> Changed:
    return Changed(events=[EventOut(seq=e.seq, type=e.type, time=format_instant(e.time), stream=e.stream,
                                    payload=e.payload) for e in events])


class DocumentRefIn(Strict):
    """A document stored earlier with POST /api/v1/documents."""

    name: str = Field(min_length=1, max_length=200, description="文件名 / file name")
    sha256: str = Field(description="SHA-256（上传时返回）/ SHA-256 returned by the upload")
    sm3: str = Field(description="SM3 摘要 / SM3 digest")
    size: int = Field(ge=1, description="字节数 / size in bytes")
    media_type: str = Field("application/octet-stream", description="媒体类型 / media type")

    def ref(self, blobs: Blobs, field: str = "document") -> c.DocumentRef:
        """Only documents the platform holds may be cited."""
        if not SHA256.match(self.sha256) or not blobs.exists(self.sha256):
            raise invalid(f"{field}.sha256", "未找到该文件，请先上传", "No such document; upload it first")
        return c.DocumentRef(self.name, self.sha256, self.sm3, self.size, self.media_type)


def optional_ref(doc: DocumentRefIn | None, blobs: Blobs, field: str = "document") -> c.DocumentRef | None:
    return doc.ref(blobs, field) if doc is not None else None


def centipoints(value: int | str, field: str) -> int:
    """Points as integer centipoints, or a decimal string such as "35.5" parsed exactly."""
    if isinstance(value, int):
        return value
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise invalid(field, "分值应为整数百分点或小数字符串，如 \"35.50\"",
                      "Points are integer centipoints or a decimal string such as \"35.50\"") from None
    hundredths = number * 100
    if not number.is_finite() or hundredths != hundredths.to_integral_value():
        raise invalid(field, "分值最多保留两位小数", "Points have at most two decimal places")
    return int(hundredths)
