"""Wrapping a content key (or an escrow share) to a recipient's public key, and unwrapping it.

SM2 suite: SM2 public-key encryption of the key (ciphertext C1‖C3‖C2). X25519 suite: an
ephemeral X25519 agreement, HKDF-SHA256 bound to both public keys, then AES-256-GCM; the
wrapped form is ephemeral public key ‖ nonce ‖ ciphertext and tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from gmalglib.sm2 import SM2

from jianzheng.sealing.errors import SealingError
from jianzheng.sealing.keys import KeyPair, PublicKeys, x25519_exchange, x25519_public

_INFO = b"jianzheng sealed-bid key wrap v1"


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + ephemeral + recipient).derive(shared)


def wrap_key(key: bytes, recipient: PublicKeys) -> bytes:
    if recipient.suite == "sm2":
        return bytes(SM2(pk=recipient.wrap_public).encrypt(key))
    ephemeral_private = os.urandom(32)
    ephemeral = x25519_public(ephemeral_private)
    kek = _kek(x25519_exchange(ephemeral_private, recipient.wrap_public), ephemeral, recipient.wrap_public)
    nonce = os.urandom(12)
    return ephemeral + nonce + AESGCM(kek).encrypt(nonce, key, None)


def unwrap_key(wrapped: bytes, keys: KeyPair) -> bytes:
    failure = SealingError("无法用此私钥解开密钥：不是发给这把钥匙的，或已损坏",
                           "The key cannot be unwrapped with this private key: wrong key or damaged", "key")
    if keys.suite == "sm2":
        try:
            return bytes(SM2(sk=keys.wrap_private).decrypt(wrapped))
        except (ValueError, TypeError):
            raise failure from None
    if len(wrapped) < 32 + 12 + 16:
        raise failure
    ephemeral, nonce, body = wrapped[:32], wrapped[32:44], wrapped[44:]
    try:
        kek = _kek(x25519_exchange(keys.wrap_private, ephemeral), ephemeral, keys.public.wrap_public)
        return AESGCM(kek).decrypt(nonce, body, None)
    except (InvalidTag, ValueError):
        raise failure from None
