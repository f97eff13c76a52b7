"""Signed checkpoints of the witness ledger: when they are made, and making them.

A checkpoint (C2SP tlog-checkpoint: origin, tree size, root hash) is signed by the
platform's Ed25519 and SM2 keys and stored. The policy (issue 3): at least every
``every_events`` events or ``every_seconds`` seconds of platform time, and whenever a lot
changes stage — the moments a certificate or a complaint will later point at. The
checkpointer listens to committed events; the server also calls :meth:`Checkpointer.tick`
periodically so a quiet platform still checkpoints what it appended.

Making a checkpoint takes the write lock, so the size and root it signs are exactly the
tree at that point in the sequence of appends. After it is stored, the `after` hooks run
(the cosignature collector sends it to the witnesses).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lifecycle import RESUME_EVENT, TRANSITIONS
from jianzheng.ledger.checkpoint import Checkpoint, sign_checkpoint
from jianzheng.ledger.signers import Signer
from jianzheng.services.clock import Clock
from jianzheng.services.ports import Store, StoredCheckpoint

log = logging.getLogger(__name__)

# Stage-changing event types: the lifecycle's transitions that move a lot to another stage.
STAGE_EVENTS = frozenset({kind for kind, (_, target) in TRANSITIONS.items() if target is not None} | {RESUME_EVENT})


@dataclass(frozen=True)
class CheckpointPolicy:
    every_events: int = 1000
    every_seconds: int = 60


def changes_stage(event: WitnessedEvent) -> bool:
    return event.stream.startswith("lot:") and event.type in STAGE_EVENTS


class Checkpointer:
    """Makes and stores signed checkpoints; an EventListener for `Platform.listeners`."""

    def __init__(self, store: Store, clock: Clock, origin: str, signers: Sequence[Signer],
                 policy: CheckpointPolicy | None = None) -> None:
        if not signers:
            raise ValueError("a checkpointer needs at least one signer")
        self.store = store
        self.clock = clock
        self.origin = origin
        self.signers = list(signers)
        self.policy = policy or CheckpointPolicy()
        self.after: list[Callable[[StoredCheckpoint], None]] = []
        self._lock = threading.Lock()
        self._last_size: int | None = None
        self._last_time: datetime | None = None

    def _load_last(self) -> None:
        with self.store.read() as session:
            last = session.latest_checkpoint()
        self._last_size = last.tree_size if last else 0
        self._last_time = parse_instant(last.created_at) if last else None

    def due(self, events: Sequence[WitnessedEvent]) -> str | None:
        """Why a checkpoint is due after these events, or None."""
        if self._last_size is None:
            self._load_last()
        assert self._last_size is not None
        if any(changes_stage(e) for e in events):
            return "stage"
        newest = max((e.seq for e in events), default=self._last_size)
        if newest - self._last_size >= self.policy.every_events:
            return "events"
        if newest > self._last_size and self._elapsed() >= self.policy.every_seconds:
            return "time"
        return None

    def _elapsed(self) -> float:
        if self._last_time is None:
            return float("inf")
        return (self.clock.now() - self._last_time).total_seconds()

    def __call__(self, events: list[WitnessedEvent]) -> None:
        if not events:
            return
        with self._lock:
            reason = self.due(events)
        if reason is not None:
            self.checkpoint(reason)

    def tick(self) -> StoredCheckpoint | None:
        """Checkpoint the tree if it grew and the interval has passed (called by the server)."""
        with self._lock:
            if self._last_size is None:
                self._load_last()
            if self._elapsed() < self.policy.every_seconds:
                return None
        return self.checkpoint("time", only_if_grown=True)

    def covering(self, size: int, reason: str) -> StoredCheckpoint:
        """A checkpoint of at least `size` leaves: the latest if it covers them, else a new one.

        Concurrent callers queue on the lock; the checkpoint one of them makes covers every
        event appended before it, so a rush of receipts shares checkpoints (group signing).
        """
        made = self.checkpoint(reason, only_if_grown=False, unless_covers=size)
        assert made is not None and made.tree_size >= size
        return made

    def checkpoint(self, reason: str, only_if_grown: bool = True,
                   unless_covers: int | None = None) -> StoredCheckpoint | None:
        """Sign and store a checkpoint of the current tree; returns it (None if nothing new).

        When the tree has not grown since the last checkpoint, that one stands and nothing
        is written.
        """
        with self._lock, self.store.write() as session:
            size = session.tree_size()
            last = session.latest_checkpoint()
            covered = last is not None and unless_covers is not None and last.tree_size >= unless_covers
            if last is not None and (last.tree_size == size or covered):
                stored = None if only_if_grown else last
                self._last_size, self._last_time = last.tree_size, parse_instant(last.created_at)
            else:
                now = self.clock.now()
                body = Checkpoint(self.origin, size, session.tree_root(size))
                note = sign_checkpoint(body, self.signers).decode("utf-8")
                stored = session.add_checkpoint(size, body.root_hash, note, format_instant(now), reason)
                self._last_size, self._last_time = size, now
        if stored is not None and stored is not last:
            for hook in self.after:
                try:
                    hook(stored)
                except Exception:  # a witness being down must not fail the platform's commands
                    log.exception("checkpoint hook failed for tree size %d", stored.tree_size)
        return stored
