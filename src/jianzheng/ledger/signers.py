"""Signature algorithms for signed notes: Ed25519 (type 0x01) and SM2-with-SM3 (0xff + OID).

C2SP signed-note (https://c2sp.org/signed-note) assigns one-byte signature types; SM2 has
none, and the spec reserves ``0xff`` for "signature types without an identifier byte
assigned by this specification", recommending a longer identifier after it. Ours is
``0xff`` followed by the DER encoding of the OID of SM2-with-SM3 signatures,
1.2.156.10197.1.501 (GM/T 0006): ``ff 06 08 2a 81 1c cf 55 01 83 75``. A DER OID is
self-delimiting and globally registered, so it cannot collide with another party's choice.

For SM2 the note fields are:

* public key: 65 bytes, uncompressed ``04 || x || y``;
* key ID: ``SHA-256(name || 0x0A || ff 06 08 2a 81 1c cf 55 01 83 75 || public key)[:4]``;
* signature: 64 bytes ``r || s`` (each 32 bytes big-endian), computed by SM2 over SM3
  with the GM/T 0009 identity step using the default user ID ``1234567812345678``, over
  the note text (which includes its final newline).

Signing uses ``gmalglib`` (C implementation; never ``gmssl``, whose nonces come from
``random``). Ed25519 is as the spec defines, with ``cryptography``.

Public API::

    SIG_ED25519: bytes; SIG_SM2_SM3: bytes; SM2_USER_ID: bytes
    key_id(name, sig_type, public_key) -> bytes
    check_key_name(name) -> None
    class Signer(Protocol): name, key_id, sig_type, public_key; sign(message) -> bytes
    class Verifier(Protocol): name, key_id, sig_type, public_key; verify(message, signature) -> bool
    class Ed25519Signer(name, private_key: bytes | None = None); .private_key; .verifier()
    class Ed25519Verifier(name, public_key)
    class SM2Signer(name, private_key: bytes | None = None); .private_key; .verifier()
    class SM2Verifier(name, public_key)
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from gmalglib.sm2 import SM2

from jianzheng.ledger.errors import NoteFormatError

SIG_ED25519 = b"\x01"
# 0xff, then DER of OID 1.2.156.10197.1.501 (SM2 signature with SM3).
SIG_SM2_SM3 = bytes.fromhex("ff06082a811ccf55018375")
SM2_USER_ID = b"1234567812345678"


def check_key_name(name: str) -> None:
    """Refuse key names the signed-note spec forbids (empty, Unicode spaces, '+')."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise NoteFormatError(
            f"密钥名称 {name!r} 无效：不能为空，不能含空白或“+”",
            f"invalid key name {name!r}: must be non-empty, without spaces or '+'",
        )
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in name):
        raise NoteFormatError(
            f"密钥名称 {name!r} 含控制字符", f"key name {name!r} contains control characters"
        )


def key_id(name: str, sig_type: bytes, public_key: bytes) -> bytes:
    """Return the 4-byte key ID: ``SHA-256(name || 0x0A || type || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + sig_type + public_key).digest()[:4]


class Signer(Protocol):
    """Something that signs note text under a key name (see :func:`key_id`)."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...
    @property
    def sig_type(self) -> bytes: ...
    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class Verifier(Protocol):
    """Something that checks signatures made by one (name, key ID) pair."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...
    @property
    def sig_type(self) -> bytes: ...
    @property
    def public_key(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class KeyIdentity:
    """Name, type and public key, and the key ID derived from them."""

    def __init__(self, name: str, sig_type: bytes, public_key: bytes) -> None:
        check_key_name(name)
        self._name = name
        self._sig_type = sig_type
        self._public_key = public_key
        self._key_id = key_id(name, sig_type, public_key)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def sig_type(self) -> bytes:
        return self._sig_type

    @property
    def public_key(self) -> bytes:
        return self._public_key


def ed25519_public(private_key: Ed25519PrivateKey) -> bytes:
    """Return the raw 32-byte public key of an Ed25519 private key."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def ed25519_private(seed: bytes | None) -> Ed25519PrivateKey:
    """Load a 32-byte Ed25519 seed, or generate a new key when ``seed`` is None."""
    if seed is None:
        return Ed25519PrivateKey.generate()
    if len(seed) != 32:
        raise NoteFormatError("Ed25519 私钥必须为 32 字节", "Ed25519 private key must be 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def ed25519_seed(private_key: Ed25519PrivateKey) -> bytes:
    """Return the 32-byte seed of an Ed25519 private key."""
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Check an Ed25519 signature; malformed keys or signatures simply fail."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


class Ed25519Signer(KeyIdentity):
    """Signs note text with Ed25519 (signature type 0x01)."""

    def __init__(self, name: str, private_key: bytes | None = None) -> None:
        self._key = ed25519_private(private_key)
        super().__init__(name, SIG_ED25519, ed25519_public(self._key))

    @property
    def private_key(self) -> bytes:
        """The 32-byte seed, as stored in the signer key string."""
        return ed25519_seed(self._key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def verifier(self) -> Ed25519Verifier:
        """Return the matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)


class Ed25519Verifier(KeyIdentity):
    """Checks Ed25519 note signatures (type 0x01)."""

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise NoteFormatError(
                "Ed25519 公钥必须为 32 字节", "Ed25519 public key must be 32 bytes"
            )
        super().__init__(name, SIG_ED25519, public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        return len(signature) == 64 and ed25519_verify(self.public_key, message, signature)


class SM2Signer(KeyIdentity):
    """Signs note text with SM2 over SM3 (signature type ``SIG_SM2_SM3``)."""

    def __init__(self, name: str, private_key: bytes | None = None) -> None:
        if private_key is None:
            private_key, public_key = SM2().generate_keypair()
        else:
            if len(private_key) != 32 or not SM2().is_sk_valid(private_key):
                raise NoteFormatError("SM2 私钥无效", "invalid SM2 private key")
            public_key = SM2().get_pk(private_key)
        self._sk = bytes(private_key)
        super().__init__(name, SIG_SM2_SM3, bytes(public_key))

    @property
    def private_key(self) -> bytes:
        """The 32-byte SM2 private scalar."""
        return self._sk

    def sign(self, message: bytes) -> bytes:
        return bytes(SM2(sk=self._sk, uid=SM2_USER_ID).sign(message))

    def verifier(self) -> SM2Verifier:
        """Return the matching verifier."""
        return SM2Verifier(self.name, self.public_key)


class SM2Verifier(KeyIdentity):
    """Checks SM2-with-SM3 note signatures."""

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != 65 or not SM2().is_pk_valid(public_key):
            raise NoteFormatError("SM2 公钥无效", "invalid SM2 public key")
        super().__init__(name, SIG_SM2_SM3, public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            return bool(SM2(pk=self.public_key, uid=SM2_USER_ID).verify(message, signature))
        except (ValueError, TypeError):
            return False
