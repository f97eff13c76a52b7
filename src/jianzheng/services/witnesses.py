"""Collecting witness cosignatures for the platform's checkpoints (C2SP tlog-witness, client side).

The platform sends every new signed checkpoint to each registered witness (the supervision
bureau, a notary) with a consistency proof from the size that witness last cosigned, and
stores the cosignature it gets back. A witness holds its own copy of the log's state, so a
history the operator rewrote — a changed event, a dropped event, a forked tree — fails its
consistency check and collects no cosignature.

Rules this module keeps:

* the size a witness last cosigned is taken from the stored cosignatures (and then kept in
  memory), so a restart loses nothing;
* a ``409 Conflict`` from the witness carries the size it really holds; the collector
  retries once with a proof from that size;
* a cosignature is verified with the witness's registered key before it is stored — a
  witness cannot slip in a line for someone else, and a forged line is never kept;
* collection runs off the request path: the checkpointer's ``after`` hook only queues the
  checkpoint for a background thread, and a witness that is down is logged and retried
  (at the next checkpoint, after ``retry_seconds``, or at once by ``jianzheng ledger
  cosign``), never failing the platform's own command.

The transport (HTTP) and the registry (a file in the data directory) are ports; the
adapters implement them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import Refusal
from jianzheng.ledger.cosignature import CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.note import check_note
from jianzheng.services.clock import Clock
from jianzheng.services.ports import Store, StoredCheckpoint, StoredCosignature

log = logging.getLogger(__name__)

# How many checkpoints one read fetches when looking for a witness's last cosignature.
_PAGE = 200


@dataclass(frozen=True)
class RegisteredWitness:
    """A witness the platform sends its checkpoints to: key name, submission URL, verifier key."""

    name: str
    url: str  # the submission prefix: the platform POSTs to <url>/add-checkpoint
    key: str  # the witness's verifier key string (cosignature/v1, type 0x04)

    def verifier(self) -> CosignatureVerifier:
        """The witness's cosignature verifier; refuses a key that is not a cosignature key."""
        try:
            parsed = parse_verifier_key(self.key)
        except LedgerError as exc:
            raise Refusal("witness.key", f"见证方 {self.name} 的公钥无效：{exc.zh}",
                          f"The key of witness {self.name} is invalid: {exc.en}", field="key", status=422) from exc
        if not isinstance(parsed, CosignatureVerifier):
            raise Refusal("witness.key", f"见证方 {self.name} 的公钥不是副签（cosignature/v1）公钥",
                          f"The key of witness {self.name} is not a cosignature/v1 key", field="key", status=422)
        return parsed


class WitnessRegistry(Protocol):
    """The witnesses the platform sends checkpoints to."""

    def witnesses(self) -> list[RegisteredWitness]: ...

    def add(self, witness: RegisteredWitness) -> None: ...

    def remove(self, name: str) -> None: ...


class WitnessFailure(Exception):
    """A witness did not cosign; the message is in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


class WitnessUnavailable(WitnessFailure):
    """The witness could not be reached or failed on its side (network error, timeout, 5xx)."""


class WitnessRejected(WitnessFailure):
    """The witness refused the checkpoint (403 bad signature, 404 unknown log, 422 proof failed...)."""

    def __init__(self, zh: str, en: str, status: int) -> None:
        super().__init__(zh, en)
        self.status = status


class WitnessConflict(WitnessFailure):
    """409 Conflict: the witness holds another size than the one the platform assumed."""

    def __init__(self, zh: str, en: str, held_size: int) -> None:
        super().__init__(zh, en)
        self.held_size = held_size


class WitnessTransport(Protocol):
    """Sends one add-checkpoint request and returns the witness's signature lines."""

    def add_checkpoint(self, witness: RegisteredWitness, old_size: int, proof: Sequence[bytes],
                       signed_checkpoint: str) -> str:
        """Return the response body (note signature lines) or raise a :class:`WitnessFailure`."""
        ...


Status = Literal["cosigned", "present", "failed", "ahead"]


@dataclass(frozen=True)
class CosignOutcome:
    """What happened when one checkpoint was sent to one witness."""

    witness: str
    tree_size: int
    status: Status  # cosigned now, was already present, failed, or the witness holds a later tree
    message_zh: str = ""
    message_en: str = ""


class CosignatureCollector:
    """Sends new checkpoints to the registered witnesses and stores their verified cosignatures.

    Use an instance as a ``Checkpointer.after`` hook. With ``background=True`` the hook only
    queues the checkpoint and a daemon thread does the network work (several queued
    checkpoints collapse into the newest: a witness only needs the latest); ``wait()`` blocks
    until the queue is worked off, ``collect()`` works synchronously.
    """

    def __init__(self, store: Store, registry: WitnessRegistry, transport: WitnessTransport, clock: Clock,
                 background: bool = True, retry_seconds: float = 60.0) -> None:
        self.store = store
        self.registry = registry
        self.transport = transport
        self.clock = clock
        self.background = background
        self.retry_seconds = retry_seconds
        self._collect_lock = threading.Lock()
        self._held: dict[tuple[str, str], int] = {}  # (name, key) -> size the witness last cosigned
        self._queue: queue.Queue[StoredCheckpoint | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.last_outcomes: list[CosignOutcome] = []

    # -- the hook -----------------------------------------------------------------------------

    def __call__(self, checkpoint: StoredCheckpoint) -> None:
        """Checkpointer hook: collect cosignatures for a new checkpoint (queued when in background)."""
        if not self._has_witnesses():
            return
        if not self.background:
            self.collect(checkpoint)
            return
        self._ensure_thread()
        self._queue.put(checkpoint)

    def _has_witnesses(self) -> bool:
        try:
            return bool(self.registry.witnesses())
        except Refusal as refusal:  # a broken registry file must not fail the platform's command
            log.error("witness registry unreadable: %s", refusal)
            return False

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cosignatures", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        retry = False
        while True:
            try:
                first = self._queue.get(timeout=self.retry_seconds if retry else None)
            except queue.Empty:  # the retry interval passed: offer the latest checkpoint again
                self._work(None)
                retry = self._failed()
                continue
            items = [first]
            while True:  # several checkpoints waiting: a witness only needs the newest one
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is None for item in items)
            newest = max((item for item in items if item is not None), key=lambda c: c.tree_size, default=None)
            try:
                if newest is not None:
                    self._work(newest)
                    retry = self._failed()
            finally:
                for _ in items:
                    self._queue.task_done()
            if stop:
                return

    def _failed(self) -> bool:
        return any(o.status == "failed" for o in self.last_outcomes)

    def _work(self, checkpoint: StoredCheckpoint | None) -> None:
        try:
            self.collect(checkpoint)
        except Exception:  # the thread must survive anything; the next checkpoint retries
            log.exception("collecting cosignatures failed")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued checkpoint has been worked off; False if ``timeout`` passed first."""
        if timeout is None:
            self._queue.join()
            return True
        done = threading.Event()

        def joiner() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=joiner, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the background thread after the queued work."""
        with self._thread_lock:
            thread = self._thread
            if thread is None or not thread.is_alive():
                return
            self._queue.put(None)
        thread.join(timeout)

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, checkpoint: StoredCheckpoint | None = None) -> list[CosignOutcome]:
        """Send ``checkpoint`` (default: the latest) to every registered witness; return the outcomes."""
        with self._collect_lock:
            if checkpoint is None:
                with self.store.read() as session:
                    checkpoint = session.latest_checkpoint()
                if checkpoint is None:
                    self.last_outcomes = []
                    return []
            outcomes = [self._collect_one(witness, checkpoint) for witness in self.registry.witnesses()]
            self.last_outcomes = outcomes
            return outcomes

    def _collect_one(self, witness: RegisteredWitness, checkpoint: StoredCheckpoint) -> CosignOutcome:
        size = checkpoint.tree_size
        try:
            verifier = witness.verifier()
        except Refusal as refusal:
            log.error("witness %s: %s", witness.name, refusal)
            return CosignOutcome(witness.name, size, "failed", refusal.message_zh, refusal.message_en)
        key_hex = verifier.key_id.hex()
        if any(c.witness == witness.name and c.key_id == key_hex for c in checkpoint.cosignatures):
            return CosignOutcome(witness.name, size, "present")
        held = self._last_cosigned(witness, key_hex)
        if held > size:
            return self._ahead(witness, size, held)
        try:
            try:
                body = self._send(witness, held, checkpoint)
            except WitnessConflict as conflict:
                if conflict.held_size == held:
                    # Same size, other root: the witness saw a different tree of this size (a fork).
                    raise WitnessRejected(
                        f"见证方持有大小为 {held} 的另一棵树：账本分叉", f"the witness holds another tree of size "
                        f"{held}: the log has forked", 409) from conflict
                self._held[(witness.name, witness.key)] = conflict.held_size
                if conflict.held_size > size:
                    return self._ahead(witness, size, conflict.held_size)
                log.info("witness %s holds size %d, not %d: retrying once", witness.name, conflict.held_size, held)
                body = self._send(witness, conflict.held_size, checkpoint)
            stored = self._verify(witness, verifier, checkpoint, body)
        except WitnessFailure as failure:
            level = logging.WARNING if isinstance(failure, WitnessUnavailable) else logging.ERROR
            log.log(level, "witness %s did not cosign tree size %d: %s", witness.name, size, failure)
            return CosignOutcome(witness.name, size, "failed", failure.zh, failure.en)
        except Refusal as refusal:  # a proof the store cannot make (e.g. the witness is ahead of the tree)
            log.error("witness %s: cannot prove consistency for tree size %d: %s", witness.name, size, refusal)
            return CosignOutcome(witness.name, size, "failed", refusal.message_zh, refusal.message_en)
        status = self._store(checkpoint, stored)
        self._held[(witness.name, witness.key)] = size
        return CosignOutcome(witness.name, size, status)

    def _ahead(self, witness: RegisteredWitness, size: int, held: int) -> CosignOutcome:
        return CosignOutcome(
            witness.name, size, "ahead", f"见证方已副签更大的树（大小 {held}），不再副签大小为 {size} 的检查点",
            f"the witness already cosigned a larger tree (size {held}); it cannot cosign size {size}")

    def _send(self, witness: RegisteredWitness, old_size: int, checkpoint: StoredCheckpoint) -> str:
        with self.store.read() as session:
            proof = session.consistency_proof(old_size, checkpoint.tree_size) if old_size else []
        return self.transport.add_checkpoint(witness, old_size, proof, checkpoint.note)

    def _verify(self, witness: RegisteredWitness, verifier: CosignatureVerifier, checkpoint: StoredCheckpoint,
                body: str) -> StoredCosignature:
        """Keep only a valid cosignature by this witness's registered key; refuse anything else."""
        lines = [line for line in body.splitlines() if line]
        if not lines or any(not line.startswith("\u2014 ") for line in lines):
            raise WitnessRejected("见证方的应答不是签名行", "the witness's answer is not note signature lines", 200)
        try:
            report = check_note(checkpoint.note + "".join(line + "\n" for line in lines), [verifier])
        except LedgerError as exc:
            raise WitnessRejected(f"见证方的应答格式错误：{exc.zh}", f"malformed witness answer: {exc.en}",
                                  200) from exc
        if report.failed or not report.verified:
            raise WitnessRejected(f"见证方 {witness.name} 的副签未通过验证，未保存",
                                  f"the cosignature of witness {witness.name} does not verify; not stored", 200)
        signature = report.verified[0]
        return StoredCosignature(witness.name, signature.key_id.hex(), signature.line(),
                                 CosignatureVerifier.timestamp(signature.signature), format_instant(self.clock.now()))

    def _store(self, checkpoint: StoredCheckpoint, cosignature: StoredCosignature) -> Status:
        with self.store.write() as session:
            current = session.checkpoint_by_size(checkpoint.tree_size)
            if current is None:  # cannot happen on an append-only table; refuse to attach it elsewhere
                raise Refusal("not_found", "检查点不存在", "The checkpoint does not exist", status=404)
            if any(c.witness == cosignature.witness for c in current.cosignatures):
                return "present"
            session.add_cosignature(current.checkpoint_id, cosignature)
        return "cosigned"

    def last_cosigned(self, witness: RegisteredWitness) -> int:
        """The largest tree size this witness (with its registered key) cosigned, as stored (0: none)."""
        return self._last_cosigned(witness, witness.verifier().key_id.hex())

    def _last_cosigned(self, witness: RegisteredWitness, key_hex: str) -> int:
        """The largest tree size this witness (this key) cosigned, from the cosignatures table."""
        cached = self._held.get((witness.name, witness.key))
        if cached is not None:
            return cached
        found = 0
        offset = 0
        with self.store.read() as session:
            while True:
                page = session.checkpoints(_PAGE, offset)
                hit = next((c for c in page if any(s.witness == witness.name and s.key_id == key_hex
                                                   for s in c.cosignatures)), None)
                if hit is not None:
                    found = hit.tree_size
                    break
                if len(page) < _PAGE:
                    break
                offset += _PAGE
        self._held[(witness.name, witness.key)] = found
        return found

    def forget(self, name: str) -> None:
        """Drop what is remembered about a witness (after it is removed or its key changes)."""
        for key in [k for k in self._held if k[0] == name]:
            del self._held[key]
