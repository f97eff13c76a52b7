"""A bidder's or custodian's key pair: SM2 by default, Ed25519 + X25519 as the option.

Suite ``sm2``: one SM2 key pair signs envelopes (SM2 with SM3, GB/T 32918.2) and receives
wrapped content keys (SM2 public-key encryption, GB/T 32918.4). Suite ``x25519-ed25519``:
Ed25519 signs, X25519 (with HKDF-SHA256 and AES-256-GCM) receives. Key files are JSON;
the private file is written owner-only (0600) and never overwritten.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from gmalglib.sm2 import SM2

from jianzheng.sealing.codec import b64, unb64
from jianzheng.sealing.errors import SealingError

SUITES = ("sm2", "x25519-ed25519")
SM2_UID = b"1234567812345678"  # GB/T 32918 default user identity
_RAW = serialization.Encoding.Raw
_PUBLIC_RAW = serialization.PublicFormat.Raw


@dataclass(frozen=True)
class PublicKeys:
    """What others need: the signature key and the key that receives wrapped keys."""

    suite: str
    sign_public: bytes
    wrap_public: bytes

    def to_json(self) -> dict[str, str]:
        return {"suite": self.suite, "sign_public": b64(self.sign_public), "wrap_public": b64(self.wrap_public)}

    @staticmethod
    def from_json(doc: object) -> PublicKeys:
        if not isinstance(doc, dict) or doc.get("suite") not in SUITES:
            raise SealingError(f"公钥文件应为 JSON 对象，suite 为 {'/'.join(SUITES)}",
                               f"A public key document is a JSON object with suite {'/'.join(SUITES)}", "key")
        keys = PublicKeys(doc["suite"], unb64(doc.get("sign_public"), "sign_public"),
                          unb64(doc.get("wrap_public"), "wrap_public"))
        keys.check()
        return keys

    def check(self) -> None:
        if self.suite == "sm2":
            valid = len(self.sign_public) == 65 and SM2().is_pk_valid(self.sign_public) \
                and self.wrap_public == self.sign_public
        else:
            valid = len(self.sign_public) == 32 and len(self.wrap_public) == 32
        if not valid:
            raise SealingError(f"{self.suite} 公钥无效", f"Invalid {self.suite} public key", "key")

    def verify(self, message: bytes, signature: bytes) -> bool:
        if self.suite == "sm2":
            if len(signature) != 64:
                return False
            try:
                return bool(SM2(pk=self.sign_public, uid=SM2_UID).verify(message, signature))
            except (ValueError, TypeError):
                return False
        try:
            Ed25519PublicKey.from_public_bytes(self.sign_public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def signature_algorithm(self) -> str:
        return "SM2-SM3" if self.suite == "sm2" else "Ed25519"


@dataclass(frozen=True)
class KeyPair:
    suite: str
    sign_private: bytes
    wrap_private: bytes
    public: PublicKeys

    def sign(self, message: bytes) -> bytes:
        if self.suite == "sm2":
            return bytes(SM2(sk=self.sign_private, uid=SM2_UID).sign(message))
        return Ed25519PrivateKey.from_private_bytes(self.sign_private).sign(message)

    def to_json(self) -> dict[str, object]:
        return {"suite": self.suite, "sign_private": b64(self.sign_private),
                "wrap_private": b64(self.wrap_private), "public": self.public.to_json()}

    @staticmethod
    def from_json(doc: object) -> KeyPair:
        if not isinstance(doc, dict) or doc.get("suite") not in SUITES:
            raise SealingError("私钥文件格式错误", "Malformed private key document", "key")
        pair = from_private(doc["suite"], unb64(doc.get("sign_private"), "sign_private"),
                            unb64(doc.get("wrap_private"), "wrap_private"))
        return pair


def from_private(suite: str, sign_private: bytes, wrap_private: bytes) -> KeyPair:
    if suite == "sm2":
        if len(sign_private) != 32 or not SM2().is_sk_valid(sign_private):
            raise SealingError("SM2 私钥无效", "Invalid SM2 private key", "key")
        public = bytes(SM2().get_pk(sign_private))
        return KeyPair(suite, sign_private, sign_private, PublicKeys(suite, public, public))
    if suite == "x25519-ed25519":
        try:
            sign_pub = Ed25519PrivateKey.from_private_bytes(sign_private).public_key().public_bytes(_RAW, _PUBLIC_RAW)
            wrap_pub = X25519PrivateKey.from_private_bytes(wrap_private).public_key().public_bytes(_RAW, _PUBLIC_RAW)
        except ValueError:
            raise SealingError("Ed25519/X25519 私钥无效", "Invalid Ed25519/X25519 private key", "key") from None
        return KeyPair(suite, sign_private, wrap_private, PublicKeys(suite, sign_pub, wrap_pub))
    raise SealingError(f"未知的密钥套件：{suite}", f"Unknown key suite: {suite}", "suite")


def generate(suite: str = "sm2") -> KeyPair:
    """A new key pair from the operating system's secure random source."""
    if suite == "sm2":
        private, _ = SM2().generate_keypair()
        return from_private(suite, bytes(private), bytes(private))
    if suite == "x25519-ed25519":
        sign = Ed25519PrivateKey.generate().private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                                         serialization.NoEncryption())
        wrap = X25519PrivateKey.generate().private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                                        serialization.NoEncryption())
        return from_private(suite, sign, wrap)
    raise SealingError(f"未知的密钥套件：{suite}", f"Unknown key suite: {suite}", "suite")


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(_RAW, _PUBLIC_RAW)


def x25519_exchange(private: bytes, peer_public: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(peer_public))


def save_key_pair(path: Path, pair: KeyPair) -> None:
    """Write the private key file (0600) and the public one beside it (``.pub.json``)."""
    if path.exists():
        raise SealingError(f"密钥文件已存在，拒绝覆盖：{path}", f"Key file exists, refusing to overwrite: {path}",
                           "key")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(pair.to_json(), handle)
    public_path(path).write_text(json.dumps(pair.public.to_json(), ensure_ascii=False), encoding="utf-8")


def public_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".json") + ".pub.json")


def load_key_pair(path: Path) -> KeyPair:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SealingError(f"找不到密钥文件：{path}", f"Key file not found: {path}", "key") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SealingError(f"密钥文件 {path} 权限过宽，应为 0600", f"Key file {path} is too open; it must be 0600",
                           "key")
    try:
        return KeyPair.from_json(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        if isinstance(exc, SealingError):
            raise
        raise SealingError(f"密钥文件不是合法的 JSON：{path}", f"Key file is not valid JSON: {path}", "key") from None


def load_public_keys(path: Path) -> PublicKeys:
    try:
        return PublicKeys.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise SealingError(f"找不到公钥文件：{path}", f"Public key file not found: {path}", "key") from None
    except ValueError as exc:
        if isinstance(exc, SealingError):
            raise
        raise SealingError(f"公钥文件不是合法的 JSON：{path}", f"Public key file is not valid JSON: {path}",
                           "key") from None
