"""Offline verification of a witness certificate (电子见证证书的离线核验).

:func:`verify_certificate` checks a parsed :class:`~jianzheng.ledger.certificate.Certificate`
against the platform's keys (pinned by the caller, or the bundle's own when none are given):
the checkpoint's signatures and witness cosignatures, the platform-signed manifest of the
lot's events, each event's leaf and inclusion proof, and the documents' digests. Every
failure is named (event seq, leaf index, key) in Chinese and English; nothing needs a
database. :func:`match_document` tells whether a file a reader holds is one the certificate
names.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jianzheng.ledger.canonical import canonical_bytes
from jianzheng.ledger.certificate import (
    JSON,
    MANIFEST_HEADER,
    Certificate,
    CertifiedEvent,
    DocumentDigest,
    document_digests,
    file_digests,
    format_error,
    referenced_parties,
)
from jianzheng.ledger.checkpoint import Checkpoint, parse_checkpoint
from jianzheng.ledger.cosignature import SIG_COSIGNATURE_V1, CosignatureVerifier
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.hashing import HASH_SIZE, leaf_hash
from jianzheng.ledger.keys import parse_verifier_key, verifier_key
from jianzheng.ledger.note import NoteSignature, check_note, parse_note
from jianzheng.ledger.proof_format import parse_tlog_proof
from jianzheng.ledger.proofs import verify_inclusion
from jianzheng.ledger.signers import SIG_ED25519, SIG_SM2_SM3, Verifier


@dataclass(frozen=True)
class Finding:
    """One thing that failed (or, as a note, that the reader should know), in both languages."""

    code: str
    zh: str
    en: str
    seq: int | None = None
    leaf_index: int | None = None
    key: str | None = None

    def to_json(self) -> JSON:
        return {"code": self.code, "message_zh": self.zh, "message_en": self.en, "seq": self.seq,
                "leaf_index": self.leaf_index, "key": self.key}


@dataclass(frozen=True)
class SignatureCheck:
    """A signature line that verified: whose, which algorithm, and (for cosignatures) when."""

    name: str
    key_id: str
    algorithm: str
    role: str  # "platform" or "witness"
    timestamp: int | None = None

    def to_json(self) -> JSON:
        return {"name": self.name, "key_id": self.key_id, "algorithm": self.algorithm, "role": self.role,
                "timestamp": self.timestamp}


@dataclass
class CertificateReport:
    """The outcome of verifying a certificate: failures (any makes it invalid) and notes."""

    lot_id: str
    trust: str  # "pinned": keys the caller obtained out of band; "bundle": the bundle's own keys
    failures: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    signatures: list[SignatureCheck] = field(default_factory=list)
    cosignatures: list[SignatureCheck] = field(default_factory=list)
    events_checked: int = 0
    events_verified: int = 0
    documents: list[DocumentDigest] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, code: str, zh: str, en: str, seq: int | None = None, key: str | None = None) -> None:
        self.failures.append(Finding(code, zh, en, seq, seq - 1 if seq is not None else None, key))

    def note(self, code: str, zh: str, en: str, key: str | None = None) -> None:
        self.notes.append(Finding(code, zh, en, key=key))

    def to_json(self) -> JSON:
        checkpoint = None
        if self.checkpoint is not None:
            checkpoint = {"origin": self.checkpoint.origin, "size": self.checkpoint.size,
                          "root_hash": base64.b64encode(self.checkpoint.root_hash).decode()}
        return {
            "ok": self.ok, "lot_id": self.lot_id, "trust": self.trust, "checkpoint": checkpoint,
            "events_checked": self.events_checked, "events_verified": self.events_verified,
            "signatures": [s.to_json() for s in self.signatures],
            "cosignatures": [s.to_json() for s in self.cosignatures],
            "failures": [f.to_json() for f in self.failures], "notes": [n.to_json() for n in self.notes],
            "documents": [d.to_json() for d in self.documents],
        }


def algorithm_name(sig_type: bytes) -> str:
    """A reader's name for a signed-note signature type."""
    if sig_type == SIG_ED25519:
        return "Ed25519"
    if sig_type == SIG_SM2_SM3:
        return "SM2-SM3"
    if sig_type == SIG_COSIGNATURE_V1:
        return "cosignature/v1 (Ed25519)"
    return sig_type.hex()


def _describe(key: Verifier) -> str:
    return f"{key.name}+{key.key_id.hex()} ({algorithm_name(key.sig_type)})"


def _bundle_keys(texts: Sequence[str], what_zh: str, what_en: str, report: CertificateReport) -> list[Verifier]:
    keys: list[Verifier] = []
    for number, text in enumerate(texts, start=1):
        try:
            keys.append(parse_verifier_key(text))
        except LedgerError as exc:
            report.fail("key.bundle", f"证书所附第 {number} 个{what_zh}无效：{exc.zh}",
                        f"{what_en} {number} in the bundle is invalid: {exc.en}", key=text)
    return keys


def _check_platform_signatures(note_data: str, trusted: Sequence[Verifier], what_zh: str, what_en: str,
                               code: str, report: CertificateReport) -> list[NoteSignature]:
    """Every trusted platform key must have a valid signature on the note; returns the verified lines."""
    checked = check_note(note_data, trusted)
    for sig in checked.failed:
        key = next(k for k in trusted if (k.name, k.key_id) == (sig.name, sig.key_id))
        report.fail(f"{code}.signature", f"{what_zh}上平台密钥 {_describe(key)} 的签名无效",
                    f"the {what_en} signature by platform key {_describe(key)} does not verify", key=_describe(key))
    signed = {(s.name, s.key_id) for s in checked.verified + checked.failed}
    for key in trusted:
        if (key.name, key.key_id) not in signed:
            report.fail(f"{code}.unsigned", f"{what_zh}缺少平台密钥 {_describe(key)} 的签名",
                        f"the {what_en} has no signature by platform key {_describe(key)}", key=_describe(key))
    return list(checked.verified)


def _event_differences(stated: Mapping[str, Any], decoded: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(stated) | set(decoded))
    differing: list[str] = []
    for key in keys:
        if key == "payload" and isinstance(stated.get(key), Mapping) and isinstance(decoded.get(key), Mapping):
            inner = sorted(set(stated[key]) | set(decoded[key]))
            differing.extend(f"payload.{k}" for k in inner if stated[key].get(k) != decoded[key].get(k))
        elif stated.get(key) != decoded.get(key) or (key in stated) != (key in decoded):
            differing.append(key)
    return differing or ["(encoding)"]


@dataclass(frozen=True)
class _Manifest:
    origin: str
    lot_id: str
    issued_at: str
    size: int
    root: bytes
    events: dict[int, tuple[str, bytes]]


def _parse_manifest_text(text: str) -> _Manifest:
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    prefixes = ("origin ", "lot ", "issued ", "checkpoint ", "events ")
    if len(lines) < 6 or lines[0] != MANIFEST_HEADER or any(
            not lines[i + 1].startswith(p) for i, p in enumerate(prefixes)):
        raise format_error("清单的开头几行不符合格式", "the manifest's header lines are malformed")
    origin, lot_id, issued = (lines[i][len(prefixes[i - 1]):] for i in (1, 2, 3))
    size_text, _, root_text = lines[4][len("checkpoint "):].partition(" ")
    count_text = lines[5][len("events "):]
    try:
        size, count = int(size_text), int(count_text)
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise format_error("清单的检查点或事件数无效", "the manifest's checkpoint or event count is invalid") from exc
    body = lines[6:]
    if count != len(body):
        raise format_error(f"清单声明 {count} 个事件，实际列出 {len(body)} 个",
                            f"the manifest declares {count} events but lists {len(body)}")
    events: dict[int, tuple[str, bytes]] = {}
    for line in body:
        parts = line.split(" ")
        try:
            if len(parts) != 3:
                raise ValueError(line)
            seq, hashed = int(parts[0]), base64.b64decode(parts[2], validate=True)
        except (ValueError, binascii.Error) as exc:
            raise format_error(f"清单行无效：{line!r}", f"invalid manifest line: {line!r}") from exc
        events[seq] = (parts[1], hashed)
    return _Manifest(origin, lot_id, issued, size, root, events)


def _check_membership(cert: Certificate, event: CertifiedEvent, decoded: Mapping[str, Any],
                      parties: set[str], actors: set[str], report: CertificateReport) -> bool:
    stream = decoded.get("stream")
    seq = event.seq
    expected: str | None
    if event.kind == "lot":
        expected = f"lot:{cert.lot_id}"
        belongs = stream == expected
    elif event.kind == "project":
        expected = f"project:{cert.project_id}"
        belongs = cert.project_id is not None and stream == expected
    elif event.kind == "party":
        expected = "party:<标段事件所列单位 / a company the lot's events name>"
        belongs = isinstance(stream, str) and stream.startswith("party:") and stream[len("party:"):] in parties
    elif event.kind == "user":
        expected = "user:<标段事件的操作人 / an actor of the lot's events>"
        belongs = (isinstance(stream, str) and stream.startswith("user:") and stream[len("user:"):] in actors
                   and decoded.get("type") == "user.created")
    else:
        report.fail("event.kind", f"事件 {seq} 的类别 {event.kind!r} 未知", f"event seq {seq}: unknown kind "
                    f"{event.kind!r}", seq)
        return False
    if not belongs:
        report.fail("event.foreign", f"事件 {seq}（叶序号 {seq - 1}，对象 {stream}）不属于标段 {cert.lot_id}"
                    f"（应为 {expected}）", f"event seq {seq} (leaf index {seq - 1}, stream {stream}) does not belong "
                    f"to lot {cert.lot_id} (expected {expected})", seq)
    return belongs


def verify_certificate(cert: Certificate, pinned_keys: Sequence[Verifier] = (),
                       pinned_witness_keys: Sequence[Verifier] = ()) -> CertificateReport:
    """Verify a certificate offline; the report names every failure. Never raises for bad content.

    Trust comes from ``pinned_keys`` (the platform's keys obtained out of band) when given;
    otherwise from the keys inside the bundle, which only shows the bundle is consistent with
    itself — the report then carries a note saying so.
    """
    report = CertificateReport(cert.lot_id, "pinned" if pinned_keys else "bundle")
    bundle_platform = _bundle_keys(cert.platform_keys, "平台公钥", "platform key", report)
    bundle_witnesses = _bundle_keys(cert.witness_keys, "见证方公钥", "witness key", report)
    trusted = _trusted_platform_keys(bundle_platform, pinned_keys, report)
    witnesses: list[Verifier] = list(pinned_witness_keys) or bundle_witnesses
    checkpoint = _verify_checkpoint(cert, trusted, witnesses, bool(pinned_witness_keys), report)
    manifest = _verify_manifest(cert, trusted, checkpoint, report)
    _verify_events(cert, checkpoint, manifest, report)
    return report


def _trusted_platform_keys(bundle: list[Verifier], pinned: Sequence[Verifier],
                           report: CertificateReport) -> list[Verifier]:
    if not pinned:
        report.note("trust.bundle_keys", "未指定平台公钥：以下结果只说明证书与其自带的公钥一致。信任应来自通过其他渠道"
                    "（交易中心网站、公告、监督部门）获得的公钥，请用 --key 指定后再验证。",
                    "No platform keys were pinned: this only shows the certificate agrees with the keys it carries. "
                    "Trust must come from keys obtained out of band (the center's website, a notice, the "
                    "supervisor); pin them with --key and verify again.")
        if not bundle:
            report.fail("key.none", "证书没有附带平台公钥，也未指定公钥，无法验证签名",
                        "the bundle carries no platform keys and none were pinned: signatures cannot be checked")
        return bundle
    pinned_ids = {verifier_key(k) for k in pinned}
    for key in bundle:
        if verifier_key(key) not in pinned_ids:
            report.fail("key.pinned_mismatch", f"证书所附平台公钥 {_describe(key)} 与指定的公钥不符",
                        f"the bundle's platform key {_describe(key)} does not match any pinned key",
                        key=_describe(key))
    return list(pinned)


def _verify_checkpoint(cert: Certificate, trusted: Sequence[Verifier], witnesses: Sequence[Verifier],
                       witnesses_pinned: bool, report: CertificateReport) -> Checkpoint | None:
    try:
        note = parse_note(cert.checkpoint)
        checkpoint = parse_checkpoint(note.text)
    except LedgerError as exc:
        report.fail("checkpoint.format", f"检查点无效：{exc.zh}", f"the checkpoint is invalid: {exc.en}")
        return None
    report.checkpoint = checkpoint
    if checkpoint.origin != cert.origin:
        report.fail("checkpoint.origin", f"检查点的来源 {checkpoint.origin!r} 与证书的来源 {cert.origin!r} 不符",
                    f"the checkpoint's origin {checkpoint.origin!r} differs from the certificate's {cert.origin!r}")
    for sig in _check_platform_signatures(cert.checkpoint, trusted, "检查点", "checkpoint", "checkpoint", report):
        key = next(k for k in trusted if (k.name, k.key_id) == (sig.name, sig.key_id))
        report.signatures.append(SignatureCheck(sig.name, sig.key_id.hex(), algorithm_name(key.sig_type), "platform"))
    cosigned = check_note(cert.checkpoint, witnesses)
    for sig in cosigned.failed:
        report.fail("cosignature.invalid", f"见证方 {sig.name}（密钥 {sig.key_id.hex()}）的副签无效",
                    f"the cosignature of witness {sig.name} (key {sig.key_id.hex()}) does not verify",
                    key=f"{sig.name}+{sig.key_id.hex()}")
    for sig in cosigned.verified:
        stamp = CosignatureVerifier.timestamp(sig.signature) if len(sig.signature) == 72 else None
        report.cosignatures.append(SignatureCheck(sig.name, sig.key_id.hex(), "cosignature/v1 (Ed25519)",
                                                  "witness", stamp))
    done = {(s.name, s.key_id) for s in cosigned.verified + cosigned.failed}
    if witnesses_pinned:
        for key in witnesses:
            if (key.name, key.key_id) not in done:
                report.fail("cosignature.missing", f"检查点缺少指定见证方 {_describe(key)} 的副签",
                            f"the checkpoint lacks a cosignature by the pinned witness {_describe(key)}",
                            key=_describe(key))
    known = done | {(k.name, k.key_id) for k in trusted}
    for sig in note.signatures:
        if (sig.name, sig.key_id) not in known:
            report.note("cosignature.unknown", f"签名行 {sig.name}（密钥 {sig.key_id.hex()}）的公钥未知，未核验",
                        f"signature line {sig.name} (key {sig.key_id.hex()}) is from an unknown key and was not "
                        "checked", key=f"{sig.name}+{sig.key_id.hex()}")
    if not cosigned.verified:
        report.note("cosignature.none", "检查点没有可核验的见证方副签：只有平台自己的签名",
                    "the checkpoint has no verifiable witness cosignature: only the platform's own signatures")
    return checkpoint


def _verify_manifest(cert: Certificate, trusted: Sequence[Verifier], checkpoint: Checkpoint | None,
                     report: CertificateReport) -> _Manifest | None:
    try:
        note = parse_note(cert.manifest)
        manifest = _parse_manifest_text(note.text)
    except LedgerError as exc:
        report.fail("manifest.format", f"事件清单无效：{exc.zh}", f"the event manifest is invalid: {exc.en}")
        return None
    _check_platform_signatures(cert.manifest, trusted, "事件清单", "event manifest", "manifest", report)
    stated = {"origin": (manifest.origin, cert.origin), "lot": (manifest.lot_id, cert.lot_id),
              "issued": (manifest.issued_at, cert.issued_at)}
    for name, (signed, claimed) in stated.items():
        if signed != claimed:
            report.fail("manifest.mismatch", f"签名清单中的 {name} 为 {signed!r}，证书中却为 {claimed!r}",
                        f"the signed manifest says {name} {signed!r} but the certificate says {claimed!r}")
    if checkpoint is not None and (manifest.size, manifest.root) != (checkpoint.size, checkpoint.root_hash):
        report.fail("manifest.checkpoint", f"签名清单指向检查点（大小 {manifest.size}），与证书的检查点（大小 "
                    f"{checkpoint.size}）不符", f"the signed manifest names a checkpoint of size {manifest.size}, "
                    f"not the certificate's checkpoint of size {checkpoint.size}")
    return manifest


def _verify_events(cert: Certificate, checkpoint: Checkpoint | None, manifest: _Manifest | None,
                   report: CertificateReport) -> None:
    decoded_by_seq: dict[int, JSON] = {}
    previous: int | None = None
    seen: set[int] = set()
    for event in cert.events:
        if event.seq in seen:
            report.fail("event.duplicate", f"事件 {event.seq} 在证书中重复出现",
                        f"event seq {event.seq} appears more than once", event.seq)
        elif previous is not None and event.seq < previous:
            report.fail("event.order", f"事件顺序错误：事件 {event.seq} 排在事件 {previous} 之后",
                        f"events out of order: seq {event.seq} comes after seq {previous}", event.seq)
        seen.add(event.seq)
        previous = event.seq if previous is None else max(previous, event.seq)
        decoded = cert.decoded(event)
        if decoded is not None:
            decoded_by_seq[event.seq] = decoded
    parties = referenced_parties(_payload(d) for d in decoded_by_seq.values()
                                 if d.get("stream") in (f"lot:{cert.lot_id}", f"project:{cert.project_id}"))
    actors = {str(d.get("actor")) for d in decoded_by_seq.values()
              if str(d.get("stream", "")).startswith(("lot:", "project:", "party:"))}
    registered = [d for d in decoded_by_seq.values() if d.get("type") == "lot.registered"
                  and d.get("stream") == f"lot:{cert.lot_id}"]
    if registered and _payload(registered[0]).get("project_id") != cert.project_id:
        report.fail("event.project", f"证书的项目编号 {cert.project_id!r} 与标段登记事件不符",
                    f"the certificate's project id {cert.project_id!r} differs from the lot registration's")
    lot_events = [e for e in cert.events if e.kind == "lot"]
    if not lot_events:
        report.fail("event.none", f"证书不含标段 {cert.lot_id} 的任何事件",
                    f"the certificate holds no event of lot {cert.lot_id}")
    elif decoded_by_seq.get(lot_events[0].seq, {}).get("type") != "lot.registered":
        report.fail("event.first", f"标段的第一个事件（序号 {lot_events[0].seq}）不是标段登记",
                    f"the lot's first event (seq {lot_events[0].seq}) is not its registration", lot_events[0].seq)
    failed_seqs: set[int] = set()
    for event in cert.events:
        report.events_checked += 1
        failures_before = len(report.failures)
        _verify_event(cert, event, decoded_by_seq.get(event.seq), checkpoint, manifest, parties, actors, report)
        if len(report.failures) == failures_before:
            report.events_verified += 1
            decoded = decoded_by_seq[event.seq]
            if event.kind == "lot":
                report.documents.extend(document_digests(event.seq, str(decoded.get("type", "")),
                                                         _payload(decoded)))
        else:
            failed_seqs.add(event.seq)
    if manifest is not None:
        present = {e.seq for e in cert.events}
        for seq in sorted(set(manifest.events) - present):
            kind = manifest.events[seq][0]
            report.fail("manifest.missing_event",
                        f"签名清单列出的事件 {seq}（叶序号 {seq - 1}，{kind}）不在证书中：已被删除",
                        f"event seq {seq} (leaf index {seq - 1}, {kind}) is listed in the signed manifest but missing "
                        "from the bundle: it was removed", seq)
    _verify_documents(cert, failed_seqs, report)


def _payload(decoded: Mapping[str, Any]) -> Mapping[str, Any]:
    payload = decoded.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _verify_event(cert: Certificate, event: CertifiedEvent, decoded: JSON | None, checkpoint: Checkpoint | None,
                  manifest: _Manifest | None, parties: set[str], actors: set[str],
                  report: CertificateReport) -> None:
    seq = event.seq
    hashed = leaf_hash(event.entry)
    where_zh, where_en = f"事件 {seq}（叶序号 {seq - 1}）", f"event seq {seq} (leaf index {seq - 1})"
    if decoded is None:
        report.fail("entry.format", f"{where_zh}的账本条目不是 JSON 对象",
                    f"{where_en}: the entry is not a JSON object", seq)
        return
    try:
        canonical = canonical_bytes(decoded) == event.entry
    except (LedgerError, RecursionError):
        canonical = False
    if not canonical:
        report.fail("entry.canonical", f"{where_zh}的账本条目不是规范 JSON（RFC 8785）",
                    f"{where_en}: the entry is not canonical JSON (RFC 8785)", seq)
    if decoded.get("seq") != seq:
        report.fail("entry.seq", f"{where_zh}的条目所记序号为 {decoded.get('seq')!r}",
                    f"{where_en}: the entry records seq {decoded.get('seq')!r}", seq)
    # The entry decodes to ``decoded``: a readable copy equal to it, type for type, encodes the same
    # (and is far cheaper to compare than to re-encode); anything else must re-encode to the entry.
    if canonical and _same_json(event.event, decoded):
        same = True
    else:
        try:
            same = canonical_bytes(event.event) == event.entry
        except (LedgerError, RecursionError):
            same = False
    if not same:
        fields = ", ".join(_event_differences(event.event, decoded))
        report.fail("event.mismatch", f"{where_zh}的事件内容与其账本条目不符（字段：{fields}）",
                    f"{where_en}: the event's content differs from its ledger entry (fields: {fields})", seq)
    _check_membership(cert, event, decoded, parties, actors, report)
    if manifest is not None:
        listed = manifest.events.get(seq)
        if listed is None:
            report.fail("manifest.extra_event", f"{where_zh}不在平台签名的事件清单中：系被插入",
                        f"{where_en} is not in the platform's signed manifest: it was inserted", seq)
        elif listed[1] != hashed:
            report.fail("manifest.leaf_hash", f"{where_zh}的叶哈希与签名清单不符",
                        f"{where_en}: the leaf hash differs from the signed manifest", seq)
        elif listed[0] != event.kind:
            report.fail("manifest.kind", f"{where_zh}的类别 {event.kind} 与签名清单（{listed[0]}）不符",
                        f"{where_en}: kind {event.kind} differs from the signed manifest ({listed[0]})", seq)
    _verify_proof(cert, event, hashed, checkpoint, where_zh, where_en, report)


def _same_json(a: object, b: object) -> bool:
    """Equal JSON values of the same types (unlike ``==``, ``true`` is not ``1``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _note_text(data: str) -> str | None:
    try:
        return parse_note(data).text
    except LedgerError:
        return None


def _verify_proof(cert: Certificate, event: CertifiedEvent, hashed: bytes, checkpoint: Checkpoint | None,
                  where_zh: str, where_en: str, report: CertificateReport) -> None:
    seq = event.seq
    try:
        proof = parse_tlog_proof(event.proof)
    except LedgerError as exc:
        report.fail("proof.format", f"{where_zh}的包含证明格式错误：{exc.zh}",
                    f"{where_en}: malformed inclusion proof: {exc.en}", seq)
        return
    if proof.index != seq - 1:
        report.fail("proof.index", f"{where_zh}的包含证明针对叶序号 {proof.index}",
                    f"{where_en}: the inclusion proof is for leaf index {proof.index}", seq)
    # One checkpoint for all: the proof must carry the same tree head (signature lines may be
    # checked once, on the certificate's copy, which is the one the report speaks of).
    if proof.checkpoint != cert.checkpoint and _note_text(proof.checkpoint) != _note_text(cert.checkpoint):
        report.fail("proof.checkpoint", f"{where_zh}的包含证明所附检查点与证书的检查点不同",
                    f"{where_en}: the inclusion proof carries a different checkpoint from the certificate's", seq)
    if checkpoint is None:
        return
    if seq > checkpoint.size:
        report.fail("proof.beyond", f"{where_zh}不在大小为 {checkpoint.size} 的检查点之内",
                    f"{where_en} is beyond the checkpoint's tree size {checkpoint.size}", seq)
        return
    if any(len(h) != HASH_SIZE for h in proof.proof) or not verify_inclusion(
            hashed, seq - 1, checkpoint.size, proof.proof, checkpoint.root_hash):
        report.fail("proof.inclusion", f"{where_zh}的包含证明与检查点根哈希（大小 {checkpoint.size}）不符",
                    f"{where_en}: the inclusion proof does not lead to the checkpoint root (size {checkpoint.size})",
                    seq)


def _verify_documents(cert: Certificate, failed_seqs: set[int], report: CertificateReport) -> None:
    """The bundle's document list must be exactly what the verified lot events cite.

    Documents of an event that failed its own checks, or that is missing, are not reported
    again: that event's failure already names it.
    """
    def key(d: DocumentDigest) -> tuple[int, str, str, str]:
        return d.seq, d.path, d.sha256, d.sm3

    derived = {key(d) for d in report.documents}
    listed = {key(d) for d in cert.documents}
    present = {e.seq for e in cert.events}
    for doc in cert.documents:
        if key(doc) not in derived and doc.seq not in failed_seqs and doc.seq in present:
            report.fail("document.unbacked", f"文件摘要《{doc.name}》（SHA-256 {doc.sha256[:16]}…）没有经核验的事件 "
                        f"{doc.seq} 支持", f"document digest {doc.name!r} (SHA-256 {doc.sha256[:16]}…) is not backed "
                        f"by verified event seq {doc.seq}", doc.seq)
    for doc in report.documents:
        if key(doc) not in listed:
            report.fail("document.missing", f"事件 {doc.seq} 引用的文件《{doc.name}》未列入证书的文件清单",
                        f"document {doc.name!r} cited by event seq {doc.seq} is missing from the bundle's list",
                        doc.seq)


@dataclass(frozen=True)
class DocumentMatch:
    """The result of checking one file against the certificate's verified document digests."""

    sha256: str
    sm3: str
    size: int
    matches: tuple[DocumentDigest, ...]
    problems: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return bool(self.matches) and not self.problems

    def to_json(self) -> JSON:
        return {"ok": self.ok, "sha256": self.sha256, "sm3": self.sm3, "size": self.size,
                "matches": [m.to_json() for m in self.matches], "problems": [p.to_json() for p in self.problems]}


def match_document(report: CertificateReport, data: bytes, name: str = "") -> DocumentMatch:
    """Check a file against the digests of the events that verified (SHA-256 and SM3 must both match)."""
    sha256, sm3 = file_digests(data)
    matches = tuple(d for d in report.documents if d.sha256 == sha256 and d.sm3 == sm3)
    problems: list[Finding] = []
    label = name or sha256[:16]
    if not matches:
        half = [d for d in report.documents if d.sha256 == sha256 or d.sm3 == sm3]
        if half:
            problems.append(Finding("document.half_match", f"文件 {label} 只有一种摘要与事件 {half[0].seq} 相符",
                                    f"file {label}: only one of its digests matches event seq {half[0].seq}",
                                    half[0].seq, half[0].seq - 1))
        else:
            problems.append(Finding("document.no_match", f"文件 {label} 的摘要（SHA-256 {sha256}）不在证书中",
                                    f"file {label}: its digest (SHA-256 {sha256}) is not in the certificate"))
    for doc in matches:
        if doc.size is not None and doc.size != len(data):
            problems.append(Finding("document.size",
                                    f"文件 {label} 大小 {len(data)} 字节，事件 {doc.seq} 记为 {doc.size}",
                                    f"file {label} is {len(data)} bytes; event seq {doc.seq} says {doc.size}",
                                    doc.seq, doc.seq - 1))
    return DocumentMatch(sha256, sm3, len(data), matches, tuple(problems))
