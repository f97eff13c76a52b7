"""C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature): timestamped Ed25519.

A witness cosigns a checkpoint by adding a note signature line with signature type
``0x04``. The key ID is ``SHA-256(name || 0x0A || 0x04 || Ed25519 public key)[:4]`` and the
signature bytes are ``u64 big-endian timestamp || 64-byte Ed25519 signature`` over::

    cosignature/v1
    time <timestamp, decimal>
    <the whole checkpoint note text, with its final newline>

The statement is: as of that time, this is the largest consistent tree the witness has
seen for that origin. The same Ed25519 key must not serve two cosigners, since the message
does not name the cosigner.

The signer and verifier fit the :class:`~jianzheng.ledger.signers.Signer` and
``Verifier`` protocols, so ``sign_note``/``add_signatures``/``check_note`` handle
cosignatures like any other signature line.

Public API::

    SIG_COSIGNATURE_V1 = b"\\x04"
    cosigned_message(text: str, timestamp: int) -> bytes
    class CosignatureSigner(name, private_key: bytes | None = None, clock=time.time)
        .sign(text) -> bytes; .sign_at(text, timestamp) -> bytes; .cosign(data) -> NoteSignature
        .verifier() -> CosignatureVerifier; .private_key
    class CosignatureVerifier(name, public_key)
        .verify(text, signature) -> bool; .timestamp(signature) -> int
    verify_cosignature(data, verifier) -> int   # the timestamp; raises if absent or bad
"""

from __future__ import annotations

import time
from collections.abc import Callable

from jianzheng.ledger.errors import NoteFormatError, NoteVerificationError
from jianzheng.ledger.note import NoteSignature, check_note, parse_note
from jianzheng.ledger.signers import (
    KeyIdentity,
    ed25519_private,
    ed25519_public,
    ed25519_seed,
    ed25519_verify,
)

SIG_COSIGNATURE_V1 = b"\x04"
_MAX_TIMESTAMP = 2**63 - 1


def cosigned_message(text: str, timestamp: int) -> bytes:
    """Return the bytes a v1 cosignature signs for checkpoint ``text`` at ``timestamp``."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteFormatError("副签时间戳超出范围", "cosignature timestamp out of range")
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


class CosignatureSigner(KeyIdentity):
    """A witness's Ed25519 cosigning key (signature type 0x04)."""

    def __init__(
        self,
        name: str,
        private_key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = ed25519_private(private_key)
        self._clock = clock
        super().__init__(name, SIG_COSIGNATURE_V1, ed25519_public(self._key))

    @property
    def private_key(self) -> bytes:
        """The 32-byte Ed25519 seed."""
        return ed25519_seed(self._key)

    def sign_at(self, message: bytes, timestamp: int) -> bytes:
        """Cosign note text ``message`` as of ``timestamp`` (POSIX seconds)."""
        signed = cosigned_message(message.decode(), timestamp)
        return timestamp.to_bytes(8, "big") + self._key.sign(signed)

    def sign(self, message: bytes) -> bytes:
        return self.sign_at(message, int(self._clock()))

    def cosign(self, data: bytes | str) -> NoteSignature:
        """Return this witness's signature line for a (signed) checkpoint note."""
        note = parse_note(data)
        return NoteSignature(self.name, self.key_id, self.sign(note.text.encode()))

    def verifier(self) -> CosignatureVerifier:
        """Return the matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)


class CosignatureVerifier(KeyIdentity):
    """Checks v1 cosignatures of one witness."""

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise NoteFormatError(
                "Ed25519 公钥必须为 32 字节", "Ed25519 public key must be 32 bytes"
            )
        super().__init__(name, SIG_COSIGNATURE_V1, public_key)

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """Return the timestamp carried by a cosignature."""
        return int.from_bytes(signature[:8], "big")

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 72:
            return False
        stamp = self.timestamp(signature)
        if stamp > _MAX_TIMESTAMP:
            return False
        signed = cosigned_message(message.decode(), stamp)
        return ed25519_verify(self.public_key, signed, signature[8:])


def verify_cosignature(data: bytes | str, verifier: CosignatureVerifier) -> int:
    """Check that the note carries a valid cosignature by ``verifier``; return its time."""
    report = check_note(data, [verifier])
    if report.failed or not report.verified:
        raise NoteVerificationError(
            f"缺少见证方 {verifier.name} 的有效副签",
            f"no valid cosignature from witness {verifier.name}",
        )
    return CosignatureVerifier.timestamp(report.verified[0].signature)
