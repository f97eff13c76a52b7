"""The ledger block of a lot's one-screen view: is the lot's record in the signed, cosigned ledger?

On each view the page checks, with the ledger library and the platform's public keys only:
the latest checkpoint's platform signatures (Ed25519 and SM2), each registered witness's
cosignature, that the checkpoint's tree size and root are the ones stored, and an RFC 9162
inclusion proof of the lot's latest event covered by the checkpoint — computed from the
event's canonical JSON as the event table holds it, so an event altered in the table no
longer proves into the signed root. It names each failure. Events newer than the checkpoint
are counted as waiting for the next one. The full check (every event, every table replayed)
is the platform's verify command; the witness certificate carries proofs for every event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.bootstrap import Services
from jianzheng.domain.errors import Refusal
from jianzheng.ledger.checkpoint import parse_checkpoint
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.note import check_note
from jianzheng.ledger.proofs import verify_inclusion
from jianzheng.ledger.signers import Ed25519Verifier, SM2Verifier, Verifier
from jianzheng.services.ports import StoredCheckpoint

ALGORITHMS: dict[type, str] = {Ed25519Verifier: "Ed25519", SM2Verifier: "SM2"}


@dataclass
class LedgerStatus:
    """What the ledger block shows; `problems` holds (中文, English) pairs, empty when verified."""

    events: int
    first_seq: int
    last_seq: int
    ledger_size: int
    checkpoint: StoredCheckpoint | None = None
    signed_by: list[str] = field(default_factory=list)
    cosigned_by: list[str] = field(default_factory=list)
    covered: int = 0
    proved_seq: int | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.events - self.covered

    @property
    def verified(self) -> bool:
        return self.checkpoint is not None and not self.problems and bool(self.signed_by)


def _lot_range(conn: sa.Connection, lot_id: str, upto: int | None = None) -> tuple[int, int, int]:
    conditions = [t.events.c.lot_id == lot_id]
    if upto is not None:
        conditions.append(t.events.c.seq <= upto)
    row = conn.execute(sa.select(sa.func.count(), sa.func.min(t.events.c.seq), sa.func.max(t.events.c.seq))
                       .where(*conditions)).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def ledger_status(services: Services, lot_id: str) -> LedgerStatus:
    with services.engine.connect() as conn:
        count, first, last = _lot_range(conn, lot_id)
        size = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.events.c.seq), 0))).scalar_one())
    status = LedgerStatus(count, first, last, size)
    try:
        checkpoint = services.ledger.latest()
    except Refusal as refusal:
        if refusal.status != 404:
            raise
        status.problems.append(("账本尚未签署检查点", "The ledger has no signed checkpoint yet"))
        return status
    status.checkpoint = checkpoint
    verifiers: list[Verifier] = [parse_verifier_key(k) for k in services.ledger.verifier_keys()]
    report = check_note(checkpoint.note, verifiers)
    by_key = {(v.name, v.key_id): v for v in verifiers}
    status.signed_by = [f"{sig.name} ({ALGORITHMS.get(type(by_key[(sig.name, sig.key_id)]), '?')})"
                        for sig in report.verified]
    for failed in report.failed:
        status.problems.append((f"平台签名验证失败：{failed.name}",
                                f"Platform signature does not verify: {failed.name}"))
    if not report.verified:
        status.problems.append(("检查点没有平台的有效签名", "The checkpoint carries no valid platform signature"))
        return status
    signed = parse_checkpoint(report.text)
    if signed.size != checkpoint.tree_size or signed.root_hash != checkpoint.root_hash:
        status.problems.append(("检查点记录与签名内容不一致", "The stored checkpoint differs from what was signed"))
    _cosignatures(services, checkpoint, status)
    with services.engine.connect() as conn:
        status.covered, _, proved = _lot_range(conn, lot_id, signed.size)
        entry = conn.execute(sa.select(t.events.c.entry).where(t.events.c.seq == proved)).scalar() if proved else None
    if proved and entry is not None:
        with services.store.read() as session:
            proof = session.inclusion_proof(proved - 1, signed.size)
        status.proved_seq = proved
        if not verify_inclusion(leaf_hash(entry.encode("utf-8")), proved - 1, signed.size, proof, signed.root_hash):
            status.problems.append((f"事件 #{proved} 不在已签名的账本中（记录可能被改动）",
                                    f"Event #{proved} does not prove into the signed ledger (the record may have "
                                    "been altered)"))
    return status


def _cosignatures(services: Services, checkpoint: StoredCheckpoint, status: LedgerStatus) -> None:
    """Each registered witness's cosignature on the checkpoint, verified with the witness's key."""
    witnesses = {w.name: w for w in services.cosigner.registry.witnesses()}
    note = checkpoint.cosigned_note()
    verifiers: list[Verifier] = [w.verifier() for w in witnesses.values()]
    if not verifiers:
        status.cosigned_by = [c.witness for c in checkpoint.cosignatures]
        return
    report = check_note(note, verifiers)
    status.cosigned_by = [s.name for s in report.verified]
    for failed in report.failed:
        status.problems.append((f"见证方副签验证失败：{failed.name}",
                                f"Witness cosignature does not verify: {failed.name}"))
