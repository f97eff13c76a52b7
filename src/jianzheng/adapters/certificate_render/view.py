"""What the readable certificate shows, computed once from a bundle for HTML and PDF alike.

Everything is taken from the events' entries (the bytes the proofs cover), never from the
bundle's convenience copies, so the rendering says what verification authenticates. A
verification report, when given, is shown too (the certificate check page uses that).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jianzheng.adapters.certificate_render.labels import (
    KIND_LABELS,
    PARTY_KINDS,
    event_label,
    local_instant,
    local_time,
    money,
    role_label,
    summary,
)
from jianzheng.ledger.certificate import Certificate
from jianzheng.ledger.certificate_check import CertificateReport, algorithm_name
from jianzheng.ledger.checkpoint import parse_checkpoint
from jianzheng.ledger.cosignature import SIG_COSIGNATURE_V1, CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.keys import parse_verifier_key
from jianzheng.ledger.note import parse_note
from jianzheng.ledger.signers import Verifier


@dataclass(frozen=True)
class TimelineRow:
    seq: int
    time: str
    actor: str
    actor_id: str
    role: str
    source_ip: str
    label_zh: str
    label_en: str
    event_type: str
    details: str
    failed: bool = False  # verification named this event in a failure


@dataclass(frozen=True)
class ContextRow:
    seq: int
    kind_zh: str
    kind_en: str
    time: str
    label_zh: str
    details: str


@dataclass(frozen=True)
class PartyRow:
    party_id: str
    name: str
    credit_code: str
    role: str


@dataclass(frozen=True)
class DocumentRow:
    seq: int
    label: str
    name: str
    holder: str
    sha256: str
    sm3: str
    size: str


@dataclass(frozen=True)
class SignatureRow:
    name: str
    key_id: str
    algorithm: str
    role_zh: str
    role_en: str
    time: str


@dataclass(frozen=True)
class FindingRow:
    zh: str
    en: str


@dataclass
class CertificateView:
    """Plain strings and rows, ready for a template or a PDF table."""

    lot_id: str
    lot_name: str
    project_id: str
    project_name: str
    region: str
    funding: str
    estimate: str
    tenderer: str
    agency: str
    issued_at: str
    origin: str
    bundle_sha256: str
    checkpoint_size: int
    checkpoint_root: str
    checkpoint_root_hex: str
    event_count: int
    lot_event_count: int
    timeline: list[TimelineRow] = field(default_factory=list)
    context: list[ContextRow] = field(default_factory=list)
    parties: list[PartyRow] = field(default_factory=list)
    documents: list[DocumentRow] = field(default_factory=list)
    signatures: list[SignatureRow] = field(default_factory=list)
    platform_keys: list[str] = field(default_factory=list)
    witness_keys: list[str] = field(default_factory=list)
    verified: bool | None = None
    trust: str = ""
    failures: list[FindingRow] = field(default_factory=list)
    notes: list[FindingRow] = field(default_factory=list)


def _decoded(cert: Certificate) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for event in cert.events:
        decoded = cert.decoded(event)
        if decoded is not None:
            rows.append((event.kind, decoded))
    return rows


class _Names:
    """Resolves the ids in payloads to the names the certificate's own registrations give."""

    def __init__(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        self.names: dict[str, str] = {"system": "系统 / System"}
        for _, e in events:
            p = _payload(e)
            if e.get("type") == "party.registered" and isinstance(p.get("party_id"), str):
                self.names[p["party_id"]] = str(p.get("name", p["party_id"]))
            elif e.get("type") == "user.created" and isinstance(p.get("user_id"), str):
                shown = str(p.get("display_name") or p.get("username") or p["user_id"])
                self.names[p["user_id"]] = shown
                if isinstance(p.get("person_id"), str):
                    self.names.setdefault(p["person_id"], shown)
        for _, e in events:  # bids are named by their bidder
            p = _payload(e)
            if e.get("type") == "lot.bid_submitted" and isinstance(p.get("bid_id"), str):
                self.names[p["bid_id"]] = self(p.get("bidder_id"))

    def __call__(self, key: object) -> str:
        if not isinstance(key, str) or not key:
            return "—"
        return self.names.get(key, key)


def _payload(event: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = event.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _first_payload(events: list[tuple[str, dict[str, Any]]], kind: str, event_type: str) -> Mapping[str, Any]:
    return next((_payload(e) for k, e in events if k == kind and e.get("type") == event_type), {})


def _signatures(cert: Certificate) -> list[SignatureRow]:
    keys: dict[tuple[str, bytes], Verifier] = {}
    for text in [*cert.platform_keys, *cert.witness_keys]:
        try:
            parsed = parse_verifier_key(text)
        except LedgerError:
            continue
        keys[(parsed.name, parsed.key_id)] = parsed
    rows: list[SignatureRow] = []
    try:
        note = parse_note(cert.checkpoint)
    except LedgerError:
        return rows
    for sig in note.signatures:
        key = keys.get((sig.name, sig.key_id))
        cosign = key is not None and key.sig_type == SIG_COSIGNATURE_V1
        when = ""
        if cosign and len(sig.signature) == 72:
            when = local_instant(datetime.fromtimestamp(CosignatureVerifier.timestamp(sig.signature), UTC))
        if key is None:
            role = ("公钥未随证书提供", "key not in the bundle")
        elif cosign:
            role = ("见证方副签", "witness cosignature")
        else:
            role = ("平台签名", "platform signature")
        rows.append(SignatureRow(sig.name, sig.key_id.hex(), algorithm_name(key.sig_type) if key else "?",
                                 role[0], role[1], when))
    return rows


def certificate_view(cert: Certificate, report: CertificateReport | None = None,
                     bundle_bytes: bytes | None = None) -> CertificateView:
    """Build the readable view of a certificate (and of its verification, if given)."""
    events = _decoded(cert)
    names = _Names(events)
    lot = _first_payload(events, "lot", "lot.registered")
    project = _first_payload(events, "project", "project.registered")
    try:
        checkpoint = parse_checkpoint(parse_note(cert.checkpoint).text)
        size, root = checkpoint.size, checkpoint.root_hash
    except LedgerError:
        size, root = 0, b""
    data = bundle_bytes if bundle_bytes is not None else cert.to_bytes()
    failed = {f.seq for f in report.failures if f.seq is not None} if report is not None else set()
    view = CertificateView(
        lot_id=cert.lot_id, lot_name=str(lot.get("name", "")), project_id=cert.project_id or "",
        project_name=str(project.get("name", "")), region=str(project.get("region", "")),
        funding=str(project.get("funding_source", "")), estimate=money(lot.get("estimated_price_fen")),
        tenderer=names(lot.get("tenderer_id")), agency=names(lot.get("agency_id")),
        issued_at=local_time(cert.issued_at), origin=cert.origin, bundle_sha256=hashlib.sha256(data).hexdigest(),
        checkpoint_size=size, checkpoint_root=base64.b64encode(root).decode(), checkpoint_root_hex=root.hex(),
        event_count=len(cert.events), lot_event_count=sum(1 for e in cert.events if e.kind == "lot"),
        platform_keys=list(cert.platform_keys), witness_keys=list(cert.witness_keys),
    )
    for kind, e in events:
        payload = _payload(e)
        event_type = str(e.get("type", ""))
        zh, en = event_label(event_type)
        if kind == "lot":
            view.timeline.append(TimelineRow(
                int(e.get("seq", 0)), local_time(e.get("time")), names(e.get("actor")), str(e.get("actor", "")),
                role_label(str(e.get("role", ""))), str(e.get("source_ip", "")), zh, en, event_type,
                summary(event_type, payload, names), e.get("seq") in failed))
        else:
            kind_zh, kind_en = KIND_LABELS.get(kind, (kind, kind))
            view.context.append(ContextRow(int(e.get("seq", 0)), kind_zh, kind_en, local_time(e.get("time")), zh,
                                           summary(event_type, payload, names)))
        if event_type == "party.registered":
            kind_text = str(payload.get("kind", ""))
            view.parties.append(PartyRow(str(payload.get("party_id", "")), str(payload.get("name", "")),
                                         str(payload.get("credit_code", "")), PARTY_KINDS.get(kind_text, kind_text)))
    for doc in cert.documents:
        view.documents.append(DocumentRow(doc.seq, doc.label_zh, doc.name, names(doc.bidder_id) if doc.bidder_id
                                          else "", doc.sha256, doc.sm3, f"{doc.size:,}" if doc.size is not None
                                          else ""))
    view.signatures = _signatures(cert)
    if report is not None:
        view.verified = report.ok
        view.trust = report.trust
        view.failures = [FindingRow(f.zh, f.en) for f in report.failures]
        view.notes = [FindingRow(n.zh, n.en) for n in report.notes]
    return view
