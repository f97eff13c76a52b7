"""The plaintext inside an envelope: the bid package (投标文件) the bidder tool compiles.

Canonical JSON: ``{"format": "jianzheng-bid-package/1", "content": {...}, "documents":
[{"name", "media_type", "data"}], "metadata": {...}}`` — content is the structured bid
(price, bill of quantities, project manager, key staff, technical proposal), documents
are the attached files (base64), metadata what the documents say of themselves (author,
creator application).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from jianzheng.sealing.codec import b64, unb64
from jianzheng.sealing.errors import SealingError

PACKAGE_FORMAT = "jianzheng-bid-package/1"


@dataclass(frozen=True)
class PackedDocument:
    name: str
    data: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class BidPackage:
    content: Mapping[str, Any]
    documents: Sequence[PackedDocument] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return bytes(rfc8785.dumps({
            "format": PACKAGE_FORMAT, "content": dict(self.content), "metadata": dict(self.metadata),
            "documents": [{"name": d.name, "media_type": d.media_type, "data": b64(d.data)} for d in self.documents],
        }))


def parse_package(data: bytes) -> BidPackage:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise SealingError("投标文件包不是合法的 JSON", "The bid package is not valid JSON", "package") from None
    if not isinstance(doc, dict) or doc.get("format") != PACKAGE_FORMAT or not isinstance(doc.get("content"), dict):
        raise SealingError(f"投标文件包格式应为 {PACKAGE_FORMAT}", f"The bid package must be {PACKAGE_FORMAT}",
                           "package")
    documents = []
    for i, d in enumerate(doc.get("documents") or []):
        if not isinstance(d, dict) or not isinstance(d.get("name"), str):
            raise SealingError(f"第{i + 1}个附件格式错误", f"Attachment {i + 1} is malformed", "package")
        documents.append(PackedDocument(d["name"], unb64(d.get("data"), f"documents[{i}].data"),
                                        str(d.get("media_type") or "application/octet-stream")))
    metadata = doc.get("metadata") or {}
    return BidPackage(doc["content"], tuple(documents), {str(k): str(v) for k, v in metadata.items()})
