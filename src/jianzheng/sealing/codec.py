"""Small encodings shared by the envelope format: base64 fields and digests."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import hashes

from jianzheng.sealing.errors import SealingError


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, field: str) -> bytes:
    if not isinstance(text, str):
        raise SealingError(f"{field} 应为 Base64 文本", f"{field} must be base64 text", field)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SealingError(f"{field} 不是合法的 Base64", f"{field} is not valid base64", field) from None


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
