"""C2SP tlog-proof (https://c2sp.org/tlog-proof): an offline-verifiable inclusion proof.

::

    c2sp.org/tlog-proof@v1
    [extra <base64 opaque data>]
    index <decimal, no leading zeroes>
    <base64 proof hash, leaf's sibling first, one per line>
    <empty line>
    <the signed checkpoint, verbatim, with its signature and cosignature lines>

The extra data is not authenticated; callers must not trust it. Verification checks the
checkpoint signatures (platform and, if the caller asks, witnesses) and the inclusion of
the caller-computed leaf hash at the index.

Public API::

    HEADER = "c2sp.org/tlog-proof@v1"
    class TlogProof(index: int, proof: tuple[bytes, ...], checkpoint: str, extra: bytes | None)
        .to_text() -> str
    parse_tlog_proof(data: bytes | str) -> TlogProof
    verify_tlog_proof(tlog_proof, leaf_hash, log_verifiers, witness_verifiers=()) -> Checkpoint
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jianzheng.ledger.checkpoint import Checkpoint, open_checkpoint
from jianzheng.ledger.errors import NoteVerificationError, ProofError, ProofFormatError
from jianzheng.ledger.hashing import HASH_SIZE
from jianzheng.ledger.note import check_note, parse_note
from jianzheng.ledger.proofs import verify_inclusion
from jianzheng.ledger.signers import Verifier

HEADER = "c2sp.org/tlog-proof@v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _error(zh: str, en: str) -> ProofFormatError:
    return ProofFormatError(f"证明文件格式错误：{zh}", f"malformed tlog-proof: {en}")


def _b64(text: str, what_zh: str, what_en: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _error(f"{what_zh}不是有效的 base64", f"{what_en} is not valid base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise _error(f"{what_zh}的 base64 编码不规范", f"{what_en} is not canonical base64")
    return raw


@dataclass(frozen=True)
class TlogProof:
    """An entry's index, its inclusion proof and the (co)signed checkpoint it proves into."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def to_text(self) -> str:
        """Serialise in the tlog-proof format."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint


def parse_tlog_proof(data: bytes | str) -> TlogProof:
    """Parse a tlog-proof document; the embedded checkpoint must be a well-formed note."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise _error("不是有效的 UTF-8", "not valid UTF-8") from exc
    head, separator, checkpoint = text.partition("\n\n")
    if not separator:
        raise _error("缺少证明与检查点之间的空行", "no empty line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise _error(f"首行必须是 {HEADER}", f"the first line must be {HEADER}")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _b64(lines[position][len("extra ") :], "附加数据", "extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise _error("缺少 index 行", "missing the index line")
    index_text = lines[position][len("index ") :]
    if not _DECIMAL.fullmatch(index_text):
        raise _error(f"序号 {index_text!r} 无效", f"invalid index {index_text!r}")
    hashes = []
    for number, line in enumerate(lines[position + 1 :], start=1):
        raw = _b64(line, f"第 {number} 个证明哈希", f"proof hash {number}")
        if len(raw) != HASH_SIZE:
            raise _error(
                f"第 {number} 个证明哈希不是 32 字节", f"proof hash {number} is not 32 bytes"
            )
        hashes.append(raw)
    parse_note(checkpoint)
    return TlogProof(int(index_text), tuple(hashes), checkpoint, extra)


def verify_tlog_proof(
    tlog_proof: TlogProof,
    leaf_hash: bytes,
    log_verifiers: Sequence[Verifier],
    witness_verifiers: Sequence[Verifier] = (),
) -> Checkpoint:
    """Verify the checkpoint's signatures and the leaf's inclusion; return the checkpoint.

    Every verifier in ``witness_verifiers`` must have a valid cosignature on it.
    """
    checkpoint, _ = open_checkpoint(tlog_proof.checkpoint, log_verifiers)
    if witness_verifiers:
        report = check_note(tlog_proof.checkpoint, witness_verifiers)
        signed = {(s.name, s.key_id) for s in report.verified}
        missing = [w.name for w in witness_verifiers if (w.name, w.key_id) not in signed]
        if missing or report.failed:
            names = ", ".join(missing + [s.name for s in report.failed])
            raise NoteVerificationError(
                f"缺少见证方的有效副签：{names}", f"missing valid witness cosignatures: {names}"
            )
    if not verify_inclusion(
        leaf_hash, tlog_proof.index, checkpoint.size, tlog_proof.proof, checkpoint.root_hash
    ):
        raise ProofError(
            f"第 {tlog_proof.index} 条记录的包含证明未通过",
            f"inclusion proof for entry {tlog_proof.index} does not verify",
        )
    return checkpoint
