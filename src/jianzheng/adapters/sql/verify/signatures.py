"""Checking every stored checkpoint's signed note: platform signatures and witness cosignatures.

Each checkpoint must carry a valid signature from every platform key given (Ed25519 and
SM2; a line from a given key that does not verify is a failure too), its note must parse
as a C2SP checkpoint whose origin is the keys' name, and its table columns (tree size,
root hash) must say what the signed note says. Each cosignature line is checked against
the witness keys given; a cosignature from a witness whose key is unknown is reported as a
warning, since nothing can be said about it.

:func:`check_signatures` takes and returns plain, picklable values (key strings, rows,
discrepancies), so a long list of checkpoints can be checked in a worker process while the
main process recomputes the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jianzheng.adapters.sql.verify.report import WARNING, Discrepancy
from jianzheng.ledger.checkpoint import parse_checkpoint
from jianzheng.ledger.cosignature import CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.note import check_note, parse_note
from jianzheng.ledger.signers import SIG_ED25519, SIG_SM2_SM3, Verifier


@dataclass(frozen=True)
class CosignatureRow:
    witness: str
    key_id: str
    line: str
    timestamp: int


@dataclass(frozen=True)
class CheckpointRow:
    checkpoint_id: int
    tree_size: int
    root_hash: bytes
    note: str
    cosignatures: tuple[CosignatureRow, ...]


@dataclass(frozen=True)
class SignedHead:
    """What a checkpoint's signed note says (None when the note could not be read)."""

    checkpoint_id: int
    column_size: int
    column_root: bytes
    size: int | None
    root: bytes | None


def algorithm(verifier: Verifier) -> str:
    if verifier.sig_type == SIG_ED25519:
        return "Ed25519"
    if verifier.sig_type == SIG_SM2_SM3:
        return "SM2"
    return "cosignature/v1"


def _where(row: CheckpointRow) -> tuple[str, str]:
    return (f"检查点 #{row.checkpoint_id}（树大小 {row.tree_size}）",
            f"checkpoint #{row.checkpoint_id} (tree size {row.tree_size})")


def check_signatures(rows: Sequence[CheckpointRow], platform_keys: Sequence[str],
                     witness_keys: Sequence[str]) -> tuple[list[Discrepancy], list[SignedHead]]:
    """Check the notes of ``rows``; keys are signed-note verifier key strings."""
    platform = [parse_verifier_key(k) for k in platform_keys]
    witnesses = {(v.name, v.key_id): v for v in (parse_verifier_key(k) for k in witness_keys)
                 if isinstance(v, CosignatureVerifier)}
    found: list[Discrepancy] = []
    heads: list[SignedHead] = []
    for row in rows:
        zh, en = _where(row)
        size: int | None = None
        root: bytes | None = None
        try:
            report = check_note(row.note, platform)
            checkpoint = parse_checkpoint(report.text)
        except LedgerError as exc:
            found.append(Discrepancy("checkpoint.malformed", f"{zh}的签名注记无法解析：{exc.zh}",
                                     f"{en}: the signed note cannot be read: {exc.en}", checkpoint=row.tree_size))
            heads.append(SignedHead(row.checkpoint_id, row.tree_size, row.root_hash, None, None))
            continue
        size, root = checkpoint.size, checkpoint.root_hash
        heads.append(SignedHead(row.checkpoint_id, row.tree_size, row.root_hash, size, root))
        verified = {(s.name, s.key_id) for s in report.verified}
        for signature in report.failed:
            key = next(v for v in platform if (v.name, v.key_id) == (signature.name, signature.key_id))
            found.append(Discrepancy(
                "checkpoint.signature", f"{zh}的 {algorithm(key)} 签名（密钥 {key.name}）验证失败",
                f"{en}: the {algorithm(key)} signature (key {key.name}) does not verify", checkpoint=row.tree_size))
        for key in platform:
            if (key.name, key.key_id) not in verified and all(
                    (s.name, s.key_id) != (key.name, key.key_id) for s in report.failed):
                found.append(Discrepancy(
                    "checkpoint.unsigned", f"{zh}缺少平台 {algorithm(key)} 密钥 {key.name} 的签名",
                    f"{en} lacks a signature by the platform's {algorithm(key)} key {key.name}",
                    checkpoint=row.tree_size))
            if key.name != checkpoint.origin:
                found.append(Discrepancy(
                    "checkpoint.origin", f"{zh}的来源 {checkpoint.origin!r} 与平台密钥名称 {key.name!r} 不符",
                    f"{en}: origin {checkpoint.origin!r} differs from the platform key name {key.name!r}",
                    checkpoint=row.tree_size))
        if (size, root) != (row.tree_size, row.root_hash):
            found.append(Discrepancy(
                "checkpoint.columns",
                f"{zh}：表中的树大小/根哈希（{row.tree_size}, {row.root_hash.hex()[:16]}…）与签名注记（{size}, "
                f"{root.hex()[:16]}…）不符",
                f"{en}: the table's tree size/root ({row.tree_size}, {row.root_hash.hex()[:16]}…) differ from the "
                f"signed note's ({size}, {root.hex()[:16]}…)", checkpoint=row.tree_size))
        for cosignature in row.cosignatures:
            found.extend(_check_cosignature(row, cosignature, report.text, witnesses))
    return found, heads


def _check_cosignature(row: CheckpointRow, cosignature: CosignatureRow, text: str,
                       witnesses: dict[tuple[str, bytes], CosignatureVerifier]) -> list[Discrepancy]:
    zh, en = _where(row)
    who_zh = f"{zh}上见证方 {cosignature.witness} 的副签"
    who_en = f"{en}: the cosignature of witness {cosignature.witness}"
    try:
        line = parse_note(text + "\n" + cosignature.line).signatures[-1]
    except LedgerError as exc:
        return [Discrepancy("cosignature.malformed", f"{who_zh}无法解析：{exc.zh}",
                            f"{who_en} cannot be read: {exc.en}", checkpoint=row.tree_size)]
    out: list[Discrepancy] = []
    stamp = int.from_bytes(line.signature[:8], "big") if len(line.signature) >= 8 else None
    if (line.name, line.key_id.hex(), stamp) != (cosignature.witness, cosignature.key_id, cosignature.timestamp):
        out.append(Discrepancy(
            "cosignature.columns",
            f"{who_zh}：表中的见证方/密钥 ID/时间戳（{cosignature.witness}, {cosignature.key_id}, "
            f"{cosignature.timestamp}）与签名行（{line.name}, {line.key_id.hex()}, {stamp}）不符",
            f"{who_en}: the table's witness/key ID/timestamp ({cosignature.witness}, {cosignature.key_id}, "
            f"{cosignature.timestamp}) differ from the signature line's ({line.name}, {line.key_id.hex()}, {stamp})",
            checkpoint=row.tree_size))
    verifier = witnesses.get((line.name, line.key_id))
    if verifier is None:
        out.append(Discrepancy(
            "cosignature.unverified", f"{who_zh}未核验：没有该见证方的公钥（用 --witness-key 提供）",
            f"{who_en} was not checked: no key for this witness (give it with --witness-key)",
            checkpoint=row.tree_size, severity=WARNING))
    elif not verifier.verify(text.encode("utf-8"), line.signature):
        out.append(Discrepancy("cosignature.invalid", f"{who_zh}验证失败", f"{who_en} does not verify",
                               checkpoint=row.tree_size))
    return out
