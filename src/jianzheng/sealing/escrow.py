"""Key escrow for openings that fail through no fault of the bidder (Order 20 Art. 31).

The content key is split k-of-n with Shamir's scheme over GF(2^128) (pycryptodome): a
16-byte SM4 key directly, a 32-byte AES key as two halves sharing the x coordinates. Each
share is wrapped to one custodian's public key, so neither the operator nor any single
custodian can open a bid. Too few or wrong shares would give a wrong key silently, so the
envelope carries an SM3 check value of the key and :func:`combine` compares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir

from jianzheng.sealing.codec import sm3
from jianzheng.sealing.errors import SealingError


@dataclass(frozen=True)
class Share:
    x: int
    value: bytes  # 16 bytes per 16-byte half of the key


def split(key: bytes, threshold: int, count: int) -> list[Share]:
    if len(key) not in (16, 32):
        raise SealingError("内容密钥应为16或32字节", "The content key must be 16 or 32 bytes", "key")
    if not 1 <= threshold <= count or count > 255:
        raise SealingError(f"托管门限 {threshold}/{count} 无效", f"Invalid escrow threshold {threshold} of {count}",
                           "escrow")
    if threshold == 1:
        return [Share(i, key) for i in range(1, count + 1)]
    halves = [Shamir.split(threshold, count, key[i:i + 16]) for i in range(0, len(key), 16)]
    return [Share(parts[0][0], b"".join(h[n][1] for h in halves)) for n, parts in enumerate(zip(*halves, strict=True))]


def combine(shares: Sequence[Share], threshold: int, key_check_sm3: str) -> bytes:
    distinct = {s.x: s for s in shares}
    if len(distinct) < threshold:
        raise SealingError(f"托管份额不足：需要 {threshold} 份，只有 {len(distinct)} 份",
                           f"Not enough escrow shares: {threshold} needed, {len(distinct)} given", "escrow")
    chosen = list(distinct.values())[:threshold]
    size = len(chosen[0].value)
    if size not in (16, 32) or any(len(s.value) != size for s in chosen):
        raise SealingError("托管份额长度不一致", "Escrow shares differ in length", "escrow")
    if threshold == 1:
        key = chosen[0].value
    else:
        key = b"".join(Shamir.combine([(s.x, s.value[i:i + 16]) for s in chosen]) for i in range(0, size, 16))
    if sm3(key) != key_check_sm3:
        raise SealingError("托管份额恢复出的密钥与校验值不符：份额错误或被篡改",
                           "The key recovered from the escrow shares does not match its check value: "
                           "wrong or altered shares", "escrow")
    return key
