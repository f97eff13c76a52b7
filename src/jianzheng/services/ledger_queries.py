"""Reads of the witness ledger for the API and the CLI: checkpoints, leaves, proofs, keys.

What anyone may read: the checkpoints (signed tree heads with their cosignatures), the
platform's public keys and the proofs — they are hashes, and they are what an outsider
needs to check a witness certificate. What only the center, supervisors and witnesses may
read (policy action ``ledger.leaves``): the leaves themselves, since each is an event's
full canonical JSON with unmasked personal data and, before an opening, who has bid.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from jianzheng.domain.errors import invalid, not_found
from jianzheng.services.actor import Actor
from jianzheng.services.policy import authorize
from jianzheng.services.ports import Store, StoredCheckpoint

MAX_LEAVES = 10_000  # per request; the store refuses more in one read
MAX_CHECKPOINTS = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def checkpoint_json(checkpoint: StoredCheckpoint) -> dict[str, Any]:
    """A stored checkpoint for JSON: size, root, time, reason, the cosigned note and its cosigners."""
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": b64(checkpoint.root_hash),
        "created_at": checkpoint.created_at,
        "reason": checkpoint.reason,
        "note": checkpoint.cosigned_note(),
        "cosigners": [{"witness": c.witness, "key_id": c.key_id, "timestamp": c.timestamp,
                       "received_at": c.received_at} for c in checkpoint.cosignatures],
    }


class LedgerQueries:
    """The ledger's read side, with the one authorization rule it needs."""

    def __init__(self, store: Store, verifier_keys: Sequence[str]) -> None:
        self.store = store
        self._keys = list(verifier_keys)

    def verifier_keys(self) -> list[str]:
        """The platform's checkpoint verifier keys (signed-note format): Ed25519 and SM2."""
        return list(self._keys)

    def latest(self) -> StoredCheckpoint:
        with self.store.read() as session:
            found = session.latest_checkpoint()
        if found is None:
            raise not_found("检查点", "latest")
        return found

    def tree_size(self) -> int:
        with self.store.read() as session:
            return session.tree_size()

    def checkpoints(self, limit: int = 50, offset: int = 0) -> tuple[int, list[StoredCheckpoint]]:
        """Checkpoints, largest tree first, with the total count."""
        if not 1 <= limit <= MAX_CHECKPOINTS:
            raise invalid("limit", f"limit 应在 1 至 {MAX_CHECKPOINTS} 之间", f"limit must be 1…{MAX_CHECKPOINTS}")
        if offset < 0:
            raise invalid("offset", "offset 不能为负", "offset cannot be negative")
        with self.store.read() as session:
            return session.checkpoint_count(), session.checkpoints(limit, offset)

    def leaves(self, actor: Actor, start: int, end: int) -> list[bytes]:
        """Leaf entries ``start ≤ i < end`` (at most MAX_LEAVES); center, supervisors and witnesses only."""
        authorize(actor, "ledger.leaves")
        if end - start > MAX_LEAVES:
            raise invalid("end", f"一次最多读取 {MAX_LEAVES} 个叶子", f"At most {MAX_LEAVES} leaves per request")
        with self.store.read() as session:
            return session.leaves(start, end)

    def inclusion_proof(self, index: int, size: int | None = None) -> dict[str, Any]:
        """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` (default: the latest checkpoint)."""
        with self.store.read() as session:
            if size is None:
                latest = session.latest_checkpoint()
                if latest is None:
                    raise not_found("检查点", "latest")
                size = latest.tree_size
            proof = session.inclusion_proof(index, size)
            root = session.tree_root(size)
            checkpoint = session.checkpoint_by_size(size)
        return {"index": index, "tree_size": size, "root_hash": b64(root), "proof": [b64(h) for h in proof],
                "checkpoint": checkpoint.cosigned_note() if checkpoint else None}

    def consistency_proof(self, old_size: int, new_size: int) -> dict[str, Any]:
        """RFC 9162 consistency proof from the tree of ``old_size`` to the tree of ``new_size``."""
        with self.store.read() as session:
            proof = session.consistency_proof(old_size, new_size)
            old_root, new_root = session.tree_root(old_size), session.tree_root(new_size)
        return {"old_size": old_size, "new_size": new_size, "old_root_hash": b64(old_root),
                "new_root_hash": b64(new_root), "proof": [b64(h) for h in proof]}
