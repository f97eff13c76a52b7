"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed tree head.

The checkpoint is the text of a signed note::

    <origin>
    <tree size, decimal, no leading zeroes>
    <base64 root hash>
    [extension lines, each non-empty]

The platform signs it with Ed25519 and SM2 (see :mod:`jianzheng.ledger.signers`); its
key names should equal the origin. Witnesses add cosignature lines
(:mod:`jianzheng.ledger.cosignature`).

Public API::

    class Checkpoint(origin: str, size: int, root_hash: bytes, extensions: tuple[str, ...] = ())
        .to_text() -> str
    parse_checkpoint(text: str) -> Checkpoint
    sign_checkpoint(checkpoint, signers) -> bytes
    open_checkpoint(data, verifiers) -> tuple[Checkpoint, NoteReport]
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jianzheng.ledger.errors import NoteFormatError
from jianzheng.ledger.hashing import HASH_SIZE
from jianzheng.ledger.note import NoteReport, check_text, open_note, sign_note
from jianzheng.ledger.signers import Signer, Verifier

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _error(zh: str, en: str) -> NoteFormatError:
    return NoteFormatError(f"检查点格式错误：{zh}", f"malformed checkpoint: {en}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size, root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise _error("来源行不能为空或含换行", "the origin must be one non-empty line")
        if self.size < 0:
            raise _error("树大小不能为负", "the tree size cannot be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise _error("根哈希必须为 32 字节", "the root hash must be 32 bytes")
        for ext in self.extensions:
            if not ext or "\n" in ext:
                raise _error("扩展行必须是非空单行", "extension lines must be non-empty lines")

    def to_text(self) -> str:
        """Return the note text, ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        text = "\n".join([*lines, *self.extensions]) + "\n"
        check_text(text)
        return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text, refusing bad sizes, hashes and empty lines."""
    check_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _error("至少需要三行", "at least three lines are required")
    origin, size_text, root_text, *extensions = lines
    if not _DECIMAL.fullmatch(size_text):
        raise _error(
            f"树大小 {size_text!r} 不是无前导零的十进制数",
            f"tree size {size_text!r} is not a decimal without leading zeroes",
        )
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _error("根哈希不是有效的 base64", "the root hash is not valid base64") from exc
    if base64.b64encode(root_hash).decode() != root_text:
        raise _error("根哈希的 base64 编码不规范", "the root hash is not canonical base64")
    return Checkpoint(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> bytes:
    """Return the checkpoint as a signed note, signed by every signer."""
    return sign_note(checkpoint.to_text(), signers)


def open_checkpoint(
    data: bytes | str, verifiers: Sequence[Verifier]
) -> tuple[Checkpoint, NoteReport]:
    """Verify a signed checkpoint (see :func:`jianzheng.ledger.note.open_note`) and parse it."""
    report = open_note(data, verifiers)
    return parse_checkpoint(report.text), report
