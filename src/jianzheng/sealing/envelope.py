"""The sealed-bid envelope: format, sealing, the platform's checks, and opening.

An envelope is a JSON object (format ``jianzheng-sealed-bid/1``)::

    {"format", "lot_id", "bidder_id", "cipher": "SM4-GCM" | "AES-256-GCM",
     "nonce", "ciphertext",                      # base64; ciphertext includes the GCM tag
     "commitment": {"sm3", "sha256"},            # hex digests of the plaintext bid package
     "plaintext_size", "fingerprint", "sealed_at",
     "recipient": {"suite", "wrap_public", "wrapped_key"},
     "escrow": null | {"threshold", "key_check_sm3",
                       "shares": [{"custodian", "suite", "wrap_public", "x", "wrapped_share"}]},
     "signer": {"suite", "sign_public", "wrap_public"},
     "signature"}          # over the RFC 8785 form of the header plus the ciphertext's SHA-256

The header (everything but ciphertext and signature) is the GCM additional data, so no
field can be swapped between envelopes. The platform checks the form and the bidder's
signature (:func:`check_envelope`) without any secret; only a released content key or
enough escrow shares open it (:func:`open_envelope`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jianzheng.sealing.codec import b64, sha256, sm3, unb64
from jianzheng.sealing.errors import SealingError
from jianzheng.sealing.escrow import Share, split
from jianzheng.sealing.keys import KeyPair, PublicKeys
from jianzheng.sealing.wrap import unwrap_key, wrap_key

FORMAT = "jianzheng-sealed-bid/1"
CIPHERS = {"SM4-GCM": 16, "AES-256-GCM": 32}
_TAG = 16
_FIELDS = {"format", "lot_id", "bidder_id", "cipher", "nonce", "ciphertext", "commitment", "plaintext_size",
           "fingerprint", "sealed_at", "recipient", "escrow", "signer", "signature"}


@dataclass(frozen=True)
class Custodian:
    """A holder of escrow shares (the trading center, the supervisor, a notary)."""

    name: str
    keys: PublicKeys


def _canonical(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def _header(envelope: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in envelope.items() if k not in ("ciphertext", "signature")}


def signed_bytes(envelope: Mapping[str, Any]) -> bytes:
    """What the signature covers: the header and the SHA-256 of the ciphertext's base64 text.

    Signing the digest rather than the ciphertext keeps canonicalisation to the small
    header (a megabyte-sized string through RFC 8785 costs tens of milliseconds).
    """
    ciphertext = envelope.get("ciphertext")
    digest = hashlib.sha256(ciphertext.encode("ascii")).hexdigest() if isinstance(ciphertext, str) else ""
    return _canonical({**_header(envelope), "ciphertext_sha256": digest})


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(data) + encryptor.finalize()
    return body + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, data[-_TAG:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(data[:-_TAG]) + decryptor.finalize()


def seal(plaintext: bytes, lot_id: str, bidder_id: str, keys: KeyPair, *, cipher: str = "SM4-GCM",
         custodians: Sequence[Custodian] = (), threshold: int = 0, fingerprint: Mapping[str, str] | None = None,
         sealed_at: str = "") -> tuple[dict[str, Any], bytes]:
    """Encrypt a bid package; return the envelope and the content key (kept by the bidder)."""
    if cipher not in CIPHERS:
        raise SealingError(f"不支持的加密算法：{cipher}", f"Unsupported cipher: {cipher}", "cipher")
    if not plaintext:
        raise SealingError("投标文件为空", "The bid package is empty", "plaintext")
    key = os.urandom(CIPHERS[cipher])
    nonce = os.urandom(12)
    escrow: dict[str, Any] | None = None
    if custodians:
        k = threshold or (len(custodians) // 2 + 1)
        shares = split(key, k, len(custodians))
        escrow = {"threshold": k, "key_check_sm3": sm3(key), "shares": [
            {"custodian": c.name, "suite": c.keys.suite, "wrap_public": b64(c.keys.wrap_public), "x": s.x,
             "wrapped_share": b64(wrap_key(s.value, c.keys))} for c, s in zip(custodians, shares, strict=True)]}
    envelope: dict[str, Any] = {
        "format": FORMAT, "lot_id": lot_id, "bidder_id": bidder_id, "cipher": cipher, "nonce": b64(nonce),
        "commitment": {"sm3": sm3(plaintext), "sha256": sha256(plaintext)}, "plaintext_size": len(plaintext),
        "fingerprint": dict(fingerprint) if fingerprint else None, "sealed_at": sealed_at,
        "recipient": {"suite": keys.suite, "wrap_public": b64(keys.public.wrap_public),
                      "wrapped_key": b64(wrap_key(key, keys.public))},
        "escrow": escrow, "signer": keys.public.to_json(),
    }
    aad = _canonical(_header(envelope))
    if cipher == "SM4-GCM":
        envelope["ciphertext"] = b64(_sm4_gcm_encrypt(key, nonce, plaintext, aad))
    else:
        envelope["ciphertext"] = b64(AESGCM(key).encrypt(nonce, plaintext, aad))
    envelope["signature"] = b64(keys.sign(signed_bytes(envelope)))
    return envelope, key


def parse_envelope(data: bytes | str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise SealingError("投标信封不是合法的 JSON：未加密的投标文件会被拒收",
                           "The bid envelope is not valid JSON: unencrypted bids are refused") from None
    if not isinstance(doc, dict):
        raise SealingError("投标信封应为 JSON 对象", "The bid envelope must be a JSON object")
    return doc


def _b64_length(text: object) -> int:
    """Decoded length of base64 text without decoding a megabyte (opening decodes and checks it)."""
    if not isinstance(text, str) or len(text) % 4:
        raise SealingError("ciphertext 不是合法的 Base64", "ciphertext is not valid base64", "ciphertext")
    return len(text) // 4 * 3 - len(text[-2:]) + len(text[-2:].rstrip("="))


def check_envelope(envelope: Mapping[str, Any], lot_id: str, bidder_id: str,
                   bidder_keys: PublicKeys | None = None,
                   custodians: Sequence[Custodian] = (), threshold: int = 0) -> PublicKeys:
    """The platform's checks before storing an envelope; returns the signer's keys.

    Checks the form, that it is encrypted with a known cipher, that it is for this lot and
    bidder, that the signer is the bidder's registered key (when given), the signature,
    and that the escrow names exactly the configured custodians (when escrow is required).
    """
    missing = sorted(_FIELDS - set(envelope))
    if envelope.get("format") != FORMAT or missing:
        raise SealingError(f"不是加密投标信封（格式 {FORMAT}，缺少 {', '.join(missing) or '—'}）："
                           "未加密的投标文件会被拒收",
                           f"Not a sealed bid envelope (format {FORMAT}; missing {', '.join(missing) or '—'}): "
                           "unencrypted bids are refused (Order 20 Art. 25)")
    extra = sorted(set(envelope) - _FIELDS)
    if extra:
        raise SealingError(f"投标信封含未知字段：{', '.join(extra)}", f"Unknown envelope fields: {', '.join(extra)}")
    cipher = envelope["cipher"]
    if cipher not in CIPHERS:
        raise SealingError(f"不支持的加密算法：{cipher}", f"Unsupported cipher: {cipher}", "cipher")
    if envelope["lot_id"] != lot_id or envelope["bidder_id"] != bidder_id:
        raise SealingError("信封不是为本标段和本投标人加密的", "The envelope was sealed for another lot or bidder")
    if len(unb64(envelope["nonce"], "nonce")) != 12:
        raise SealingError("随机数长度应为12字节", "The nonce must be 12 bytes", "nonce")
    size = envelope["plaintext_size"]
    if not isinstance(size, int) or size <= 0 or _b64_length(envelope["ciphertext"]) != size + _TAG:
        raise SealingError("密文长度与明文长度不符", "The ciphertext length does not match the plaintext size",
                           "ciphertext")
    commitment = envelope["commitment"]
    if not isinstance(commitment, dict) or not all(
            isinstance(commitment.get(k), str) and len(commitment[k]) == 64 for k in ("sm3", "sha256")):
        raise SealingError("承诺值应含 sm3 与 sha256 十六进制摘要", "The commitment needs sm3 and sha256 hex digests",
                           "commitment")
    signer = PublicKeys.from_json(envelope["signer"])
    if bidder_keys is not None and signer != bidder_keys:
        raise SealingError("信封签名密钥不是该投标人登记的密钥", "The envelope is signed by a key the bidder has not "
                           "registered", "signature")
    if not signer.verify(signed_bytes(envelope), unb64(envelope["signature"], "signature")):
        raise SealingError("信封签名验证失败：内容被改动或签名密钥不符",
                           "The envelope signature does not verify: altered "
                           "or signed by another key", "signature")
    recipient = envelope["recipient"]
    if not isinstance(recipient, dict) or not recipient.get("wrapped_key"):
        raise SealingError("信封缺少包装的内容密钥", "The envelope lacks the wrapped content key", "recipient")
    if custodians:
        escrow = envelope["escrow"]
        names = [s.get("custodian") for s in escrow["shares"]] if isinstance(escrow, dict) else []
        if names != [c.name for c in custodians]:
            raise SealingError(f"托管份额应分给：{'、'.join(c.name for c in custodians)}",
                               f"Escrow shares must go to: {', '.join(c.name for c in custodians)}", "escrow")
        assert isinstance(escrow, dict)
        for custodian, share in zip(custodians, escrow["shares"], strict=True):
            if unb64(share.get("wrap_public"), "wrap_public") != custodian.keys.wrap_public:
                raise SealingError(f"托管份额未加密给 {custodian.name} 的登记密钥",
                                   f"The escrow share is not wrapped to {custodian.name}'s registered key", "escrow")
        if threshold and escrow.get("threshold") != threshold:
            raise SealingError(f"托管门限应为 {threshold}", f"The escrow threshold must be {threshold}", "escrow")
    return signer


def unwrap_content_key(envelope: Mapping[str, Any], keys: KeyPair) -> bytes:
    """On the bidder's machine: recover the content key to release at the opening."""
    return unwrap_key(unb64(envelope["recipient"]["wrapped_key"], "wrapped_key"), keys)


def unwrap_share(envelope: Mapping[str, Any], custodian: str, keys: KeyPair) -> Share:
    """On a custodian's machine: recover its escrow share of an envelope's key."""
    escrow = envelope.get("escrow")
    for share in (escrow or {}).get("shares", []):
        if share.get("custodian") == custodian:
            return Share(int(share["x"]), unwrap_key(unb64(share["wrapped_share"], "wrapped_share"), keys))
    raise SealingError(f"此信封没有给 {custodian} 的托管份额", f"The envelope holds no escrow share for {custodian}",
                       "escrow")


def open_envelope(envelope: Mapping[str, Any], key: bytes) -> bytes:
    """Decrypt with a released key; check the commitment. Raises SealingError naming what failed."""
    if len(key) != CIPHERS.get(envelope.get("cipher", ""), -1):
        raise SealingError("释放的密钥长度与加密算法不符", "The released key has the wrong length for the cipher",
                           "key")
    nonce = unb64(envelope["nonce"], "nonce")
    ciphertext = unb64(envelope["ciphertext"], "ciphertext")
    aad = _canonical(_header(envelope))
    try:
        if envelope["cipher"] == "SM4-GCM":
            plaintext = _sm4_gcm_decrypt(key, nonce, ciphertext, aad)
        else:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError):
        raise SealingError("解密失败：密钥错误或密文被改动", "Decryption failed: wrong key or altered ciphertext",
                           "key") from None
    commitment = envelope["commitment"]
    if sm3(plaintext) != commitment["sm3"] or sha256(plaintext) != commitment["sha256"]:
        raise SealingError("解密内容与投标时的承诺值不符",
                           "The decrypted content does not match the commitment made at "
                           "submission", "commitment")
    return plaintext


def envelope_bytes(envelope: Mapping[str, Any]) -> bytes:
    """A compact JSON form of an envelope (the platform stores the bytes it received)."""
    return json.dumps(dict(envelope), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
