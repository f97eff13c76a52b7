"""The witness: an independent party that cosigns only append-only growth of a log.

A witness (the supervision bureau, a notary) runs apart from the platform, with its own
Ed25519 cosigning key and its own storage. For every log it watches it is configured with
the log's origin and the platform's verifier keys, and it keeps the last checkpoint it
cosigned. Following the add-checkpoint flow of C2SP tlog-witness, the platform sends a new
signed checkpoint, the size of the checkpoint it believes the witness holds, and a
consistency proof from that size. The witness cosigns only if

1. the origin is one it watches;
2. every configured platform key has a valid signature on the checkpoint (the platform
   signs with Ed25519 and SM2; both must verify, and no known key may have a bad one);
3. the stated old size equals the size it holds (otherwise it answers with the held
   size, like tlog-witness's 409 Conflict, so the platform can retry);
4. the new size is not smaller than the held one;
5. the consistency proof from the held (size, root) to the new checkpoint verifies.

A changed or dropped event, or a forked tree, changes the roots so step 5 fails; the
witness then refuses and keeps its state. The new checkpoint is persisted before the
cosignature is handed out, so a witness never cosigns a tree it could forget.

Public API::

    class WitnessedLog(origin: str, verifiers: tuple[Verifier, ...])
    class HeldCheckpoint(origin, size, root_hash, note)
    class WitnessStateStore(Protocol): load(origin) -> HeldCheckpoint | None; save(held)
    class FileWitnessState(directory)      # JSON file, atomic writes, owner-only
    class MemoryWitnessState()
    class Witness(signer: CosignatureSigner, logs: Sequence[WitnessedLog], state)
        .add_checkpoint(signed_note, old_size, proof) -> NoteSignature
        .held(origin) -> HeldCheckpoint
    errors: WitnessRefusal and subclasses UnknownOriginError, CheckpointSignatureError,
            OldSizeMismatchError (.held_size), SizeRegressionError, ConsistencyProofError
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from jianzheng.ledger.checkpoint import parse_checkpoint
from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.errors import LedgerError, NoteFormatError
from jianzheng.ledger.hashing import EMPTY_ROOT
from jianzheng.ledger.note import NoteSignature, check_note, parse_note
from jianzheng.ledger.proofs import verify_consistency
from jianzheng.ledger.signers import Verifier


class WitnessRefusal(LedgerError):
    """The witness refused to cosign; its state is unchanged."""


class UnknownOriginError(WitnessRefusal):
    """The checkpoint's origin is not a log this witness watches."""


class CheckpointSignatureError(WitnessRefusal):
    """The platform's signatures on the checkpoint are missing or invalid."""


class OldSizeMismatchError(WitnessRefusal):
    """The caller's idea of the held size is wrong; ``held_size`` tells the right one."""

    def __init__(self, zh: str, en: str, held_size: int) -> None:
        super().__init__(zh, en)
        self.held_size = held_size


class SizeRegressionError(WitnessRefusal):
    """The new checkpoint is smaller than the one the witness holds."""


class ConsistencyProofError(WitnessRefusal):
    """The new checkpoint is not an append-only extension of the held one."""


@dataclass(frozen=True)
class WitnessedLog:
    """A log the witness watches: its origin and the platform keys that must sign."""

    origin: str
    verifiers: tuple[Verifier, ...]


@dataclass(frozen=True)
class HeldCheckpoint:
    """The last checkpoint the witness cosigned for one origin."""

    origin: str
    size: int
    root_hash: bytes
    note: str

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return {
            "origin": self.origin,
            "size": self.size,
            "root_hash": base64.b64encode(self.root_hash).decode(),
            "note": self.note,
        }

    @staticmethod
    def from_json(data: dict[str, object]) -> HeldCheckpoint:
        """Rebuild from :meth:`to_json` output."""
        origin, size, root_hash, note = (data[k] for k in ("origin", "size", "root_hash", "note"))
        if not (
            isinstance(origin, str)
            and isinstance(size, int)
            and isinstance(root_hash, str)
            and isinstance(note, str)
        ):
            raise NoteFormatError("见证状态文件损坏", "witness state file is corrupt")
        return HeldCheckpoint(origin, size, base64.b64decode(root_hash, validate=True), note)


class WitnessStateStore(Protocol):
    """Persists the held checkpoint per origin."""

    def load(self, origin: str) -> HeldCheckpoint | None: ...

    def save(self, held: HeldCheckpoint) -> None: ...


class MemoryWitnessState:
    """A :class:`WitnessStateStore` in memory (tests, simulations)."""

    def __init__(self) -> None:
        self._held: dict[str, HeldCheckpoint] = {}

    def load(self, origin: str) -> HeldCheckpoint | None:
        return self._held.get(origin)

    def save(self, held: HeldCheckpoint) -> None:
        self._held[held.origin] = held


class FileWitnessState:
    """A :class:`WitnessStateStore` in ``<directory>/witness-state.json``.

    Every save rewrites the whole file through a temporary file, ``fsync`` and an atomic
    rename, so a crash leaves either the old or the new state, never a torn one. The
    directory is made owner-only: it belongs to the witness, not to the platform.
    """

    FILE_NAME = "witness-state.json"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.directory / self.FILE_NAME

    def _read_all(self) -> dict[str, HeldCheckpoint]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {o: HeldCheckpoint.from_json(d) for o, d in raw["logs"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise NoteFormatError(
                f"见证状态文件损坏：{self.path}", f"witness state file is corrupt: {self.path}"
            ) from exc

    def load(self, origin: str) -> HeldCheckpoint | None:
        return self._read_all().get(origin)

    def save(self, held: HeldCheckpoint) -> None:
        state = self._read_all()
        state[held.origin] = held
        text = json.dumps(
            {"logs": {o: h.to_json() for o, h in sorted(state.items())}},
            ensure_ascii=False,
            indent=2,
        )
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".witness-state.")
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # make the rename itself durable
        finally:
            os.close(directory)


class Witness:
    """Checks and cosigns checkpoints of the logs it watches."""

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Sequence[WitnessedLog],
        state: WitnessStateStore,
    ) -> None:
        self.signer = signer
        self.logs = {log.origin: log for log in logs}
        self.state = state

    def held(self, origin: str) -> HeldCheckpoint:
        """Return the held checkpoint for ``origin`` (the empty tree before the first)."""
        if origin not in self.logs:
            raise UnknownOriginError(
                f"本见证方不见证来源为 {origin!r} 的账本",
                f"this witness does not witness the log with origin {origin!r}",
            )
        held = self.state.load(origin)
        return held if held is not None else HeldCheckpoint(origin, 0, EMPTY_ROOT, "")

    def add_checkpoint(
        self, signed_note: bytes | str, old_size: int, proof: Sequence[bytes]
    ) -> NoteSignature:
        """Check a new checkpoint against the held one and return this witness's cosignature.

        Raises a :class:`WitnessRefusal` subclass (message in Chinese and English) and
        leaves the state untouched when any check fails.
        """
        text = signed_note.decode() if isinstance(signed_note, bytes) else signed_note
        try:
            checkpoint = parse_checkpoint(parse_note(text).text)
        except NoteFormatError as exc:
            raise CheckpointSignatureError(
                f"检查点格式错误：{exc.zh}", f"malformed checkpoint: {exc.en}"
            ) from exc
        held = self.held(checkpoint.origin)
        log = self.logs[checkpoint.origin]
        report = check_note(text, log.verifiers)
        signed_by = {(s.name, s.key_id) for s in report.verified}
        missing = [v.name for v in log.verifiers if (v.name, v.key_id) not in signed_by]
        if report.failed or missing:
            names = ", ".join([s.name for s in report.failed] + missing)
            raise CheckpointSignatureError(
                f"平台签名未通过验证（{names}），拒绝副签",
                f"the platform signature does not verify ({names}); not cosigning",
            )
        if old_size != held.size:
            raise OldSizeMismatchError(
                f"旧树大小 {old_size} 与见证方持有的 {held.size} 不符",
                f"old size {old_size} does not match the size {held.size} the witness holds",
                held.size,
            )
        if checkpoint.size < held.size:
            raise SizeRegressionError(
                f"新检查点大小 {checkpoint.size} 小于已见证的 {held.size}：账本不能缩短",
                f"checkpoint size {checkpoint.size} is smaller than the witnessed "
                f"{held.size}: a log cannot shrink",
            )
        if not verify_consistency(
            held.size, checkpoint.size, held.root_hash, checkpoint.root_hash, proof
        ):
            raise ConsistencyProofError(
                f"一致性证明未通过：大小 {checkpoint.size} 的树不是已见证的大小 {held.size} "
                "的树的追加扩展（历史被改写、事件被删除或分叉）",
                f"consistency proof fails: the tree of size {checkpoint.size} does not extend "
                f"the witnessed tree of size {held.size} (history rewritten, event dropped "
                "or fork)",
            )
        cosignature = self.signer.cosign(text)
        self.state.save(
            HeldCheckpoint(checkpoint.origin, checkpoint.size, checkpoint.root_hash, text)
        )
        return cosignature
