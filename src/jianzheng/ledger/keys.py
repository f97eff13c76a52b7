"""Key strings and key files for signers, verifiers and witnesses.

Formats (those of Go's golang.org/x/mod/sumdb/note, extended to our SM2 type):

* verifier key: ``<name>+<8 hex digits key ID>+<base64(signature type || public key)>``
* signer key:   ``PRIVATE+KEY+<name>+<8 hex digits key ID>+<base64(type || private key)>``

The private key is the 32-byte Ed25519 seed (types 0x01 and 0x04) or the 32-byte SM2
private scalar (type ``0xff 06 08 2a 81 1c cf 55 01 83 75``). Signer key files are written
owner-only (file 0600 inside a directory 0700), atomically, and refused when they are
readable by anyone else.

Public API::

    ALGORITHMS = ("ed25519", "sm2", "cosignature")
    generate_signer(name, algorithm) -> Ed25519Signer | SM2Signer | CosignatureSigner
    signer_key(signer) -> str
    verifier_key(signer_or_verifier) -> str
    parse_signer_key(text) -> Ed25519Signer | SM2Signer | CosignatureSigner
    parse_verifier_key(text) -> Ed25519Verifier | SM2Verifier | CosignatureVerifier
    save_signer_key(path, signer) -> None
    load_signer_key(path) -> signer
    save_verifier_key(path, key) -> None     # public: 0644
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
import tempfile
from pathlib import Path

from jianzheng.ledger.cosignature import (
    SIG_COSIGNATURE_V1,
    CosignatureSigner,
    CosignatureVerifier,
)
from jianzheng.ledger.errors import KeyFileError, NoteFormatError
from jianzheng.ledger.signers import (
    SIG_ED25519,
    SIG_SM2_SM3,
    Ed25519Signer,
    Ed25519Verifier,
    Signer,
    SM2Signer,
    SM2Verifier,
    Verifier,
    check_key_name,
    key_id,
)

ALGORITHMS = ("ed25519", "sm2", "cosignature")
AnySigner = Ed25519Signer | SM2Signer | CosignatureSigner
AnyVerifier = Ed25519Verifier | SM2Verifier | CosignatureVerifier
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_TYPES = (SIG_SM2_SM3, SIG_ED25519, SIG_COSIGNATURE_V1)  # longest first for prefix matching


def _error(zh: str, en: str) -> NoteFormatError:
    return NoteFormatError(f"密钥格式错误：{zh}", f"malformed key: {en}")


def generate_signer(name: str, algorithm: str) -> AnySigner:
    """Generate a new signer: ``ed25519`` or ``sm2`` for the platform, ``cosignature``
    for a witness."""
    if algorithm == "ed25519":
        return Ed25519Signer(name)
    if algorithm == "sm2":
        return SM2Signer(name)
    if algorithm == "cosignature":
        return CosignatureSigner(name)
    raise _error(f"未知算法 {algorithm!r}", f"unknown algorithm {algorithm!r}")


def _encode(sig_type: bytes, material: bytes) -> str:
    return base64.b64encode(sig_type + material).decode()


def signer_key(signer: AnySigner) -> str:
    """Return the signer key string (secret!)."""
    return (
        f"{_PRIVATE_PREFIX}{signer.name}+{signer.key_id.hex()}+"
        f"{_encode(signer.sig_type, signer.private_key)}"
    )


def verifier_key(key: Signer | Verifier) -> str:
    """Return the verifier key string (public) for a signer or verifier."""
    return f"{key.name}+{key.key_id.hex()}+{_encode(key.sig_type, key.public_key)}"


def _split(text: str) -> tuple[str, bytes, bytes, bytes]:
    # Standard base64 may itself contain '+': only the first two '+' separate fields.
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise _error("应为“名称+密钥ID+base64”", "expected 'name+keyid+base64'")
    name, hex_id, encoded = parts
    check_key_name(name)
    if len(hex_id) != 8:
        raise _error("密钥 ID 必须是 8 位十六进制", "key ID must be 8 hex digits")
    try:
        kid = bytes.fromhex(hex_id)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise _error("密钥 ID 或密钥数据编码错误", "bad key ID or key data encoding") from exc
    for sig_type in _TYPES:
        if raw.startswith(sig_type):
            return name, kid, sig_type, raw[len(sig_type) :]
    raise _error(f"不支持的签名类型 {raw[:1].hex()}", f"unsupported signature type {raw[:1].hex()}")


def parse_verifier_key(text: str) -> AnyVerifier:
    """Parse a verifier key string, checking that its key ID matches its contents."""
    name, kid, sig_type, public = _split(text)
    verifier: AnyVerifier
    if sig_type == SIG_ED25519:
        verifier = Ed25519Verifier(name, public)
    elif sig_type == SIG_SM2_SM3:
        verifier = SM2Verifier(name, public)
    else:
        verifier = CosignatureVerifier(name, public)
    if verifier.key_id != kid:
        raise _error("密钥 ID 与公钥不符", "key ID does not match the public key")
    return verifier


def parse_signer_key(text: str) -> AnySigner:
    """Parse a signer key string, checking that its key ID matches the derived public key."""
    stripped = text.strip()
    if not stripped.startswith(_PRIVATE_PREFIX):
        raise _error("签名私钥应以 PRIVATE+KEY+ 开头", "signer keys start with PRIVATE+KEY+")
    name, kid, sig_type, private = _split(stripped[len(_PRIVATE_PREFIX) :])
    signer: AnySigner
    if sig_type == SIG_ED25519:
        signer = Ed25519Signer(name, private)
    elif sig_type == SIG_SM2_SM3:
        signer = SM2Signer(name, private)
    else:
        signer = CosignatureSigner(name, private)
    if signer.key_id != kid or key_id(name, sig_type, signer.public_key) != kid:
        raise _error("密钥 ID 与私钥不符", "key ID does not match the private key")
    return signer


def _write_atomic(path: Path, text: str, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_signer_key(path: str | os.PathLike[str], signer: AnySigner) -> None:
    """Write a signer key file (0600) in a directory made or kept owner-only (0700).

    Refuses to overwrite an existing key file: losing a signing key cannot be undone.
    """
    target = Path(path)
    if target.exists():
        raise KeyFileError(
            f"密钥文件已存在，拒绝覆盖：{target}",
            f"key file exists, refusing to overwrite: {target}",
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(target.parent, 0o700)
    _write_atomic(target, signer_key(signer) + "\n", 0o600)


def load_signer_key(path: str | os.PathLike[str]) -> AnySigner:
    """Read a signer key file, refusing one that group or others can read or write."""
    target = Path(path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyFileError(f"找不到密钥文件：{target}", f"key file not found: {target}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"密钥文件 {target} 权限过宽（{stat.filemode(mode)}），应为 0600",
            f"key file {target} is too open ({stat.filemode(mode)}); it must be 0600",
        )
    return parse_signer_key(target.read_text(encoding="utf-8"))


def save_verifier_key(path: str | os.PathLike[str], key: Signer | Verifier) -> None:
    """Write a public verifier key file (0644): it is meant to be published."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(target, verifier_key(key) + "\n", 0o644)


def load_verifier_key(path: str | os.PathLike[str]) -> AnyVerifier:
    """Read a verifier key file."""
    return parse_verifier_key(Path(path).read_text(encoding="utf-8"))
