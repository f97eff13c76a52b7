"""Witness certificates (电子见证证书): assembled from the store, verified from an upload.

Issuing gathers, in one read snapshot, every event of the lot's stream and the events a
reader needs to understand them — the project's registration, the registrations of the
companies the lot's events name (tenderer, agency, bidders), and the account creation of
every actor (display name, role, company) — then proves each against ONE checkpoint: the
latest that covers them all, preferring (among the latest ``COSIGNED_SCAN`` checkpoints)
one that witnesses cosigned. If no checkpoint covers the newest of them yet, one is made
first (reason ``certificate``). People's registrations are left out on purpose: they hold
resident ID numbers and phones, and a leaf can only be shown whole.

The certificate is checked with its own verifier before it is handed out, so the platform
never issues one that does not verify. Verification of an uploaded bundle needs nothing
but the bundle and, ideally, keys the caller obtained out of band.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import Refusal, forbidden, invalid, not_found
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.lot import fold
from jianzheng.domain.roles import Role
from jianzheng.ledger.certificate import (
    Certificate,
    LeafInput,
    issue_certificate,
    parse_certificate,
    referenced_parties,
)
from jianzheng.ledger.certificate_check import (
    CertificateReport,
    DocumentMatch,
    Finding,
    match_document,
    verify_certificate,
)
from jianzheng.ledger.cosignature import CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key, verifier_key
from jianzheng.ledger.signers import Verifier
from jianzheng.services.actor import Actor
from jianzheng.services.checkpoints import Checkpointer
from jianzheng.services.clock import Clock
from jianzheng.services.platform import lot_parties
from jianzheng.services.policy import may_read_log
from jianzheng.services.ports import ReadSession, Store, StoredCheckpoint

COSIGNED_SCAN = 64  # how many of the newest covering checkpoints are searched for a cosigned one
MAX_ATTEMPTS = 3  # appends racing the certificate's checkpoint are rare; a few retries settle them
LEAVES_PER_READ = 10_000


@dataclass(frozen=True)
class _Gathered:
    lot_id: str
    project_id: str | None
    events: list[tuple[str, WitnessedEvent]]  # (kind, event), sorted by seq
    checkpoint: StoredCheckpoint | None


def _gather_events(session: ReadSession, lot_id: str, actor: Actor) -> tuple[str | None, list[tuple[str, Any]]]:
    lot_events = session.lot_events(lot_id)
    if not lot_events:
        raise not_found("标段", lot_id)
    state = fold(lot_id, lot_events)
    if actor.role is not Role.SYSTEM and not may_read_log(actor, lot_parties(state)):
        raise forbidden("您无权获取该标段的见证证书（与操作日志的权限相同）",
                        "You may not obtain this lot's witness certificate (the same right as reading its log)")
    project_id = state.project_id or None
    project_events = session.stream_events(f"project:{project_id}") if project_id else []
    parties = referenced_parties(e.payload for e in [*lot_events, *project_events])
    party_events = [e for p in sorted(parties) for e in session.stream_events(f"party:{p}")]
    actors = sorted({e.actor for e in [*lot_events, *project_events, *party_events]})
    user_events = [e for a in actors for e in session.stream_events(f"user:{a}") if e.type == "user.created"]
    chosen: dict[int, tuple[str, WitnessedEvent]] = {}
    for kind, group in (("user", user_events), ("party", party_events), ("project", project_events),
                        ("lot", lot_events)):
        for event in group:
            chosen[event.seq] = (kind, event)
    return project_id, [chosen[seq] for seq in sorted(chosen)]


def _choose_checkpoint(session: ReadSession, needed: int) -> StoredCheckpoint | None:
    """The latest checkpoint covering ``needed`` leaves, a cosigned one if a recent one is."""
    latest = session.latest_checkpoint()
    if latest is None or latest.tree_size < needed:
        return None
    covering = [c for c in session.checkpoints(COSIGNED_SCAN) if c.tree_size >= needed]
    return next((c for c in covering if c.cosignatures), latest)


def _entries(session: ReadSession, seqs: Sequence[int]) -> dict[int, bytes]:
    """The exact leaf bytes of these events, read in runs of consecutive sequence numbers."""
    found: dict[int, bytes] = {}
    ordered = sorted(seqs)
    start = 0
    while start < len(ordered):
        end = start
        while (end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1
               and end + 1 - start < LEAVES_PER_READ):
            end += 1
        first, last = ordered[start], ordered[end]
        for offset, entry in enumerate(session.leaves(first - 1, last)):
            found[first + offset] = entry
        start = end + 1
    return found


class CertificateIssuer:
    """Issues a lot's witness certificate from the store (see the module docstring)."""

    def __init__(self, store: Store, checkpointer: Checkpointer, clock: Clock,
                 witness_keys: Callable[[], Sequence[str]] | None = None,
                 settle: Callable[[], object] | None = None) -> None:
        """``witness_keys`` lists the registered witnesses' verifier keys (put in the bundle);
        ``settle`` is called after a checkpoint was made for the certificate, to let the
        witnesses' cosignatures arrive (e.g. the cosignature collector's bounded wait)."""
        self.store = store
        self.checkpointer = checkpointer
        self.clock = clock
        self.witness_keys = witness_keys or (lambda: ())
        self.settle = settle

    def platform_keys(self) -> list[str]:
        """The platform's verifier keys (public), in the signed-note verifier-key format."""
        return [verifier_key(s) for s in self.checkpointer.signers]

    def issue(self, actor: Actor, lot_id: str, extra_witness_keys: Sequence[str] = ()) -> Certificate:
        """Assemble, sign and self-check the certificate of ``lot_id`` as ``actor`` may see it."""
        witness_keys = list(dict.fromkeys([*self.witness_keys(), *extra_witness_keys]))
        for text in witness_keys:
            _witness_key(text, "witness_key")
        for _ in range(MAX_ATTEMPTS):
            with self.store.read() as session:
                project_id, events = _gather_events(session, lot_id, actor)
                needed = events[-1][1].seq
                checkpoint = _choose_checkpoint(session, needed)
                if checkpoint is not None:
                    entries = _entries(session, [e.seq for _, e in events])
                    leaves = [LeafInput(e.seq, kind, entries[e.seq],
                                        tuple(session.inclusion_proof(e.seq - 1, checkpoint.tree_size)))
                              for kind, e in events]
                    break
            if self.checkpointer.checkpoint("certificate", only_if_grown=True) is not None and self.settle:
                self.settle()
        else:
            raise Refusal("certificate.no_checkpoint",
                          "账本持续增长，暂时无法为该标段取得覆盖全部事件的检查点，请稍后重试",
                          "The ledger keeps growing: no checkpoint covering all the lot's events could be made; "
                          "try again", status=503)
        certificate = issue_certificate(
            lot_id=lot_id, project_id=project_id, origin=self.checkpointer.origin,
            issued_at=format_instant(self.clock.now()), checkpoint_note=checkpoint.cosigned_note(), leaves=leaves,
            signers=self.checkpointer.signers, platform_keys=self.platform_keys(), witness_keys=witness_keys)
        report = verify_certificate(certificate)
        if not report.ok:
            first = report.failures[0]
            raise Refusal("certificate.self_check", f"签发的证书未通过自检：{first.zh}",
                          f"The issued certificate failed its own check: {first.en}", status=500)
        return certificate


def _refuse_private(text: str, field_name: str) -> None:
    if text.strip().startswith("PRIVATE+KEY+"):
        raise invalid(field_name, "这是签名私钥，不是公钥：请提供 .vkey 公钥，并妥善保管私钥",
                      "This is a private signing key, not a public one: give the .vkey and keep the private key "
                      "secret")


def _witness_key(text: str, field_name: str) -> CosignatureVerifier:
    _refuse_private(text, field_name)
    try:
        key = parse_verifier_key(text)
    except LedgerError as exc:
        raise invalid(field_name, f"见证方公钥无效：{exc.zh}", f"Invalid witness key: {exc.en}") from exc
    if not isinstance(key, CosignatureVerifier):
        raise invalid(field_name, "见证方公钥应为副签（cosignature/v1）类型",
                      "A witness key must be a cosignature/v1 key")
    return key


def _platform_key(text: str, field_name: str) -> Verifier:
    _refuse_private(text, field_name)
    try:
        key = parse_verifier_key(text)
    except LedgerError as exc:
        raise invalid(field_name, f"平台公钥无效：{exc.zh}", f"Invalid platform key: {exc.en}") from exc
    if isinstance(key, CosignatureVerifier):
        raise invalid(field_name, "这是见证方的副签公钥，请作为见证方公钥指定",
                      "This is a witness (cosignature) key; pin it as a witness key")
    return key


def parse_pinned_keys(platform: Sequence[str], witnesses: Sequence[str]) -> tuple[list[Verifier], list[Verifier]]:
    """Pinned keys as given by a user (verifier-key strings); refuses a malformed or misplaced key."""
    return ([_platform_key(t, "key") for t in platform if t.strip()],
            [_witness_key(t, "witness_key") for t in witnesses if t.strip()])


@dataclass
class VerificationOutcome:
    """What checking an uploaded certificate found: the report and each document's match."""

    certificate: Certificate | None
    report: CertificateReport
    documents: list[tuple[str, DocumentMatch]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok and all(match.ok for _, match in self.documents)

    def to_json(self) -> dict[str, Any]:
        body = self.report.to_json()
        body["ok"] = self.ok
        body["document_checks"] = [{"file": name, **match.to_json()} for name, match in self.documents]
        return body


def verify_bundle(data: bytes, keys: Sequence[str] = (), witness_keys: Sequence[str] = (),
                  documents: Sequence[tuple[str, bytes]] = ()) -> VerificationOutcome:
    """Verify a certificate file offline. Bad pinned keys are refused (422); a malformed bundle
    is a failed verification, reported like any other failure."""
    pinned, pinned_witnesses = parse_pinned_keys(keys, witness_keys)
    try:
        certificate = parse_certificate(data)
    except LedgerError as exc:
        report = CertificateReport("", "pinned" if pinned else "bundle")
        report.failures.append(Finding("format", exc.zh, exc.en))
        return VerificationOutcome(None, report,
                                   [(name, match_document(report, content, name)) for name, content in documents])
    report = verify_certificate(certificate, pinned, pinned_witnesses)
    return VerificationOutcome(certificate, report,
                               [(name, match_document(report, content, name)) for name, content in documents])
