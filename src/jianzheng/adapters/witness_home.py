"""A witness's own directory: its cosigning key, the logs it watches, its state and its evidence.

A witness (the supervision bureau, a notary) is a separate party and keeps nothing in the
platform's data directory. ``jianzheng witness init --dir W`` lays out::

    W/                       0700
      witness.json           name and watched logs (origin + the platform's verifier keys)
      keys/witness.key       the Ed25519 cosignature/v1 signer key, 0600 (keys/ is 0700)
      keys/witness.vkey      its verifier key, 0644: hand it to the platform and to verifiers
      witness-state.json     the last cosigned checkpoint per log (FileWitnessState)
      refused/               platform-signed checkpoints the witness refused as inconsistent:
                             evidence that the operator rewrote or forked the log
      .lock                  serialises check-and-persist across processes

Check and persist happen under one lock (a thread lock and ``flock`` on ``.lock``), so two
concurrent add-checkpoint requests cannot roll the held size back (the race the
tlog-witness spec warns about).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jianzheng.domain.errors import Refusal, invalid
from jianzheng.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import (
    AnyVerifier,
    generate_signer,
    load_signer_key,
    parse_verifier_key,
    save_signer_key,
    save_verifier_key,
    verifier_key,
)
from jianzheng.ledger.note import NoteSignature
from jianzheng.ledger.signers import check_key_name
from jianzheng.ledger.witness import FileWitnessState, HeldCheckpoint, Witness, WitnessedLog

CONFIG = "witness.json"
EVIDENCE = "refused"


@dataclass(frozen=True)
class WatchedLog:
    """A log in the witness's configuration: its origin and the platform's verifier keys."""

    origin: str
    keys: tuple[str, ...]

    def verifiers(self) -> tuple[AnyVerifier, ...]:
        return tuple(parse_verifier_key(k) for k in self.keys)


def _ledger_refusal(code: str, exc: LedgerError, field: str | None = None) -> Refusal:
    return Refusal(code, exc.zh, exc.en, field=field, status=422)


def parse_platform_key(text: str) -> str:
    """A platform verifier key (Ed25519 or SM2) as a normalised key string; refuses witness keys."""
    try:
        verifier = parse_verifier_key(text)
    except LedgerError as exc:
        raise _ledger_refusal("witness.key", exc, "key") from exc
    if isinstance(verifier, CosignatureVerifier):
        raise invalid("key", "这是见证方的副签公钥，不是平台的检查点签名公钥（Ed25519 或 SM2）",
                      "This is a witness cosignature key, not a platform checkpoint key (Ed25519 or SM2)")
    return verifier_key(verifier)


def _write_json(path: Path, data: Any, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class WitnessHome:
    """An initialised witness directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.config_path = self.directory / CONFIG
        if not self.config_path.is_file():
            raise Refusal("witness.uninitialised",
                          f"见证目录尚未初始化：{self.directory}，请先运行 jianzheng witness init",
                          f"The witness directory {self.directory} is not initialised; run `jianzheng witness init` "
                          "first", status=409)
        self.key_path = self.directory / "keys" / "witness.key"
        self.vkey_path = self.directory / "keys" / "witness.vkey"
        self._thread_lock = threading.Lock()
        try:
            signer = load_signer_key(self.key_path)
        except LedgerError as exc:
            raise Refusal("witness.key", f"见证方私钥不可用：{exc.zh}", f"The witness key is unusable: {exc.en}",
                          status=500) from exc
        if not isinstance(signer, CosignatureSigner):
            raise Refusal("witness.key", "见证方私钥不是副签密钥", "The witness key is not a cosignature key",
                          status=500)
        self.signer = signer

    @staticmethod
    def init(directory: Path, name: str) -> WitnessHome:
        """Create the directory, generate the cosignature key (0600) and an empty configuration."""
        try:
            check_key_name(name)
        except LedgerError as exc:
            raise _ledger_refusal("invalid", exc, "name") from exc
        directory = Path(directory)
        if (directory / CONFIG).exists():
            raise Refusal("witness.exists", f"见证目录已初始化，不会覆盖：{directory}",
                          f"The witness directory is already initialised and is not overwritten: {directory}",
                          status=409)
        if directory.exists() and not directory.is_dir():
            raise invalid("dir", f"见证目录不是文件夹：{directory}", f"Not a directory: {directory}")
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(directory, 0o700)
        signer = generate_signer(name, "cosignature")
        try:
            save_signer_key(directory / "keys" / "witness.key", signer)
        except LedgerError as exc:
            raise Refusal("witness.key", exc.zh, exc.en, status=409) from exc
        save_verifier_key(directory / "keys" / "witness.vkey", signer)
        _write_json(directory / CONFIG, {"name": name, "logs": []}, 0o600)
        return WitnessHome(directory)

    # -- configuration ----------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        try:
            data = json.loads(self.config_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("logs"), list):
                raise ValueError("logs must be a list")
            return data
        except ValueError as exc:
            raise Refusal("witness.config", f"见证方配置文件损坏：{self.config_path}",
                          f"The witness configuration is corrupt: {self.config_path} ({exc})", status=500) from exc

    @property
    def name(self) -> str:
        return self.signer.name

    def verifier_key(self) -> str:
        return verifier_key(self.signer)

    def logs(self) -> list[WatchedLog]:
        return [WatchedLog(str(entry["origin"]), tuple(str(k) for k in entry["keys"]))
                for entry in self._config()["logs"]]

    def add_log(self, origin: str, keys: Sequence[str], replace: bool = False) -> WatchedLog:
        """Watch a log: its origin and every platform key that must sign its checkpoints."""
        origin = origin.strip()
        if not origin or any(ord(ch) < 0x20 or ch == "\x7f" for ch in origin):
            raise invalid("origin", "账本来源不能为空，也不能含控制字符", "The origin must be one non-empty line")
        if not keys:
            raise invalid("key", "至少需要一个平台公钥（--key）", "At least one platform key is needed (--key)")
        normalised = tuple(dict.fromkeys(parse_platform_key(k) for k in keys))
        with self.locked():
            config = self._config()
            if any(entry["origin"] == origin for entry in config["logs"]) and not replace:
                raise Refusal("witness.log_exists", f"已在见证此账本：{origin}（更换公钥请加 --replace）",
                              f"This log is already witnessed: {origin} (add --replace to change its keys)",
                              field="origin", status=409)
            config["logs"] = [e for e in config["logs"] if e["origin"] != origin]
            config["logs"].append({"origin": origin, "keys": list(normalised)})
            _write_json(self.config_path, config, 0o600)
        return WatchedLog(origin, normalised)

    # -- the witness ------------------------------------------------------------------------

    def state(self) -> FileWitnessState:
        return FileWitnessState(self.directory)

    def witness(self) -> Witness:
        logs = [WitnessedLog(log.origin, log.verifiers()) for log in self.logs()]
        return Witness(self.signer, logs, self.state())

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the witness's lock: one check-and-persist at a time, across threads and processes."""
        with self._thread_lock:
            descriptor = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)  # closing releases the flock

    def add_checkpoint(self, signed_note: str, old_size: int, proof: Sequence[bytes]) -> NoteSignature:
        """Check and cosign atomically (see :class:`jianzheng.ledger.witness.Witness`)."""
        with self.locked():
            return self.witness().add_checkpoint(signed_note, old_size, proof)

    def record_refusal(self, request_body: bytes, reason_en: str, origin: str, size: int) -> Path:
        """Keep a refused, platform-signed request as evidence of the log's misbehaviour."""
        folder = self.directory / EVIDENCE
        folder.mkdir(mode=0o700, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        digest = hashlib.sha256(request_body).hexdigest()[:16]
        path = folder / f"{stamp}-{size}-{digest}.txt"
        header = f"# refused at {stamp}\n# origin: {origin}\n# size: {size}\n# reason: {reason_en}\n\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(header.encode() + request_body)
            handle.flush()
            os.fsync(handle.fileno())
        return path

    def refusals(self) -> list[Path]:
        folder = self.directory / EVIDENCE
        return sorted(folder.glob("*.txt")) if folder.is_dir() else []

    def status(self) -> dict[str, Any]:
        """The witness's name, key and, per log, the checkpoint it holds."""
        state = self.state()
        logs: list[dict[str, Any]] = []
        for log in self.logs():
            held: HeldCheckpoint | None = state.load(log.origin)
            logs.append({
                "origin": log.origin, "keys": list(log.keys),
                "size": held.size if held else 0,
                "root_hash": held.to_json()["root_hash"] if held else None,
                "checkpoint": held.note if held else None,
            })
        refused = self.refusals()
        return {"name": self.name, "verifier_key": self.verifier_key(), "directory": str(self.directory),
                "logs": logs, "refused": len(refused), "last_refused": str(refused[-1]) if refused else None}
