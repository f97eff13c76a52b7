"""The witness certificate (电子见证证书): its bundle format and its offline verification.

A certificate lets a third party check what happened to one lot without trusting the
platform and without its database: only the bundle and the platform's public keys
(obtained out of band) are needed. The bundle is JSON (``FORMAT``, ``VERSION`` 1)::

    {"format": "jianzheng.witness-certificate", "version": 1,
     "lot_id", "project_id", "origin", "issued_at",
     "checkpoint": <the signed checkpoint note, with witness cosignature lines>,
     "manifest":   <a signed note listing every event of the certificate, see below>,
     "keys": {"platform": [<verifier key>...], "witnesses": [<verifier key>...]},
     "events": [{"seq", "kind", "entry": <base64 of the exact leaf bytes>,
                 "event": <the entry decoded, for readers>,
                 "proof": <a c2sp.org/tlog-proof@v1 text against the one checkpoint>}...],
     "documents": [{"seq", "type", "path", "label_zh", "label_en", "name", "sha256", "sm3",
                    "size", "media_type", "bidder_id"}...]}

``kind`` says why an event is included: ``lot`` (every event of stream ``lot:<id>``),
``project`` (the events of the lot's project stream), ``party`` (the registrations of the
companies the lot's events name: tenderer, agency, bidders) and ``user`` (the account
creation of every actor, which gives the acting person's display name and company).

Every inclusion proof is against the same checkpoint. The proofs show that each event is
in the log; they cannot show that no event of the lot was left out. That is the platform's
signed statement, the manifest (signed with the same Ed25519 and SM2 keys as the
checkpoints; its second line is not a tree size, so it can never pass for a checkpoint)::

    jianzheng.witness-certificate/v1
    origin <origin>
    lot <lot id>
    issued <UTC instant>
    checkpoint <tree size> <base64 root hash>
    events <count>
    <seq> <kind> <base64 leaf hash>      (one line per event, in sequence order)

:func:`jianzheng.ledger.certificate_check.verify_certificate` checks everything and names each
failure (event seq, leaf index, key) in Chinese and English; nothing needs a database.

Public API (verification: :mod:`jianzheng.ledger.certificate_check`)::

    FORMAT, VERSION, MANIFEST_HEADER, KINDS
    class CertifiedEvent, DocumentDigest, Certificate (.to_json(), .to_bytes())
    issue_certificate(...) -> Certificate
    parse_certificate(data) -> Certificate          # raises CertificateFormatError
    document_digests(seq, event_type, payload) -> list[DocumentDigest]
    referenced_parties(payloads) -> set[str]
    file_digests(data) -> tuple[str, str]           # (SHA-256 hex, SM3 hex)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes

from jianzheng.ledger.checkpoint import Checkpoint, parse_checkpoint
from jianzheng.ledger.errors import LedgerError
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.note import parse_note, sign_note
from jianzheng.ledger.proof_format import TlogProof
from jianzheng.ledger.signers import Signer

FORMAT = "jianzheng.witness-certificate"
VERSION = 1
MANIFEST_HEADER = "jianzheng.witness-certificate/v1"
KINDS = ("lot", "project", "party", "user")
# Payload keys that name a company whose registration a reader of the certificate needs.
PARTY_KEYS = frozenset({"tenderer_id", "agency_id", "bidder_id", "party_id"})

JSON = dict[str, Any]


class CertificateFormatError(LedgerError, ValueError):
    """The bundle is not a witness certificate this version can read."""


def format_error(zh: str, en: str) -> CertificateFormatError:
    return CertificateFormatError(f"证书格式错误：{zh}", f"malformed certificate: {en}")


# ---------------------------------------------------------------------------------------
# The bundle


@dataclass(frozen=True)
class CertifiedEvent:
    """One event of the certificate: its exact leaf bytes, decoded form and inclusion proof."""

    seq: int
    kind: str
    entry: bytes
    event: JSON
    proof: str

    @property
    def leaf_index(self) -> int:
        return self.seq - 1

    def to_json(self) -> JSON:
        return {"seq": self.seq, "kind": self.kind, "entry": base64.b64encode(self.entry).decode(),
                "event": self.event, "proof": self.proof}


@dataclass(frozen=True)
class DocumentDigest:
    """A document an event cites by its digests (the file itself never enters the ledger)."""

    seq: int
    event_type: str
    path: str
    label_zh: str
    label_en: str
    name: str
    sha256: str
    sm3: str
    size: int | None = None
    media_type: str | None = None
    bidder_id: str | None = None

    def to_json(self) -> JSON:
        return {"seq": self.seq, "type": self.event_type, "path": self.path, "label_zh": self.label_zh,
                "label_en": self.label_en, "name": self.name, "sha256": self.sha256, "sm3": self.sm3,
                "size": self.size, "media_type": self.media_type, "bidder_id": self.bidder_id}


@dataclass(frozen=True)
class Certificate:
    """A parsed witness certificate (not yet verified)."""

    lot_id: str
    project_id: str | None
    origin: str
    issued_at: str
    checkpoint: str
    manifest: str
    platform_keys: tuple[str, ...]
    witness_keys: tuple[str, ...]
    events: tuple[CertifiedEvent, ...]
    documents: tuple[DocumentDigest, ...]

    def to_json(self) -> JSON:
        return {
            "format": FORMAT, "version": VERSION, "lot_id": self.lot_id, "project_id": self.project_id,
            "origin": self.origin, "issued_at": self.issued_at, "checkpoint": self.checkpoint,
            "manifest": self.manifest,
            "keys": {"platform": list(self.platform_keys), "witnesses": list(self.witness_keys)},
            "events": [e.to_json() for e in self.events],
            "documents": [d.to_json() for d in self.documents],
        }

    def to_bytes(self) -> bytes:
        """The bundle file: UTF-8 JSON, Chinese kept readable, ending in a newline."""
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def decoded(self, event: CertifiedEvent) -> JSON | None:
        """The event as its entry says (what verification authenticates), or None if unreadable."""
        try:
            value = json.loads(event.entry.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # a hostile entry may nest without end
            return None
        return value if isinstance(value, dict) else None


# ---------------------------------------------------------------------------------------
# Documents and referenced parties, derived from event payloads

_DOCUMENT_LABELS: dict[str, tuple[str, str]] = {
    "document": ("文件", "document"),
    "documents": ("文件", "document"),
    "envelope": ("加密投标信封", "sealed bid envelope"),
    "commitment": ("投标内容承诺值", "commitment to the bid content"),
    "content": ("投标内容", "bid content"),
    "notice": ("中标通知书", "award notice"),
    "report": ("报告", "report"),
    "contract": ("合同", "contract"),
}


def _label(path: str) -> tuple[str, str]:
    names = [part.split("[")[0] for part in path.split(".") if part.split("[")[0]]
    last = names[-1] if names else "document"
    return _DOCUMENT_LABELS.get(last, (last, last))


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def document_digests(seq: int, event_type: str, payload: Mapping[str, Any]) -> list[DocumentDigest]:
    """Every document an event's payload cites: objects carrying ``sha256`` and ``sm3``, and
    ``<name>_sha256`` / ``<name>_sm3`` pairs (e.g. a bid's content). Empty digests are skipped."""
    bidder = _optional_str(payload.get("bidder_id"))
    found: list[DocumentDigest] = []

    def add(path: str, sha256: str, sm3: str, holder: Mapping[str, Any] | None) -> None:
        if not sha256 or not sm3:
            return
        zh, en = _label(path)
        name = _optional_str(holder.get("name")) if holder is not None else None
        found.append(DocumentDigest(
            seq, event_type, path, zh, en, name or zh, sha256, sm3,
            _optional_int(holder.get("size")) if holder is not None else None,
            _optional_str(holder.get("media_type")) if holder is not None else None, bidder))

    def walk(value: object, path: str) -> None:
        if isinstance(value, Mapping):
            sha, sm3 = value.get("sha256"), value.get("sm3")
            if isinstance(sha, str) and isinstance(sm3, str):
                add(path, sha, sm3, value)
            for key in sorted(value):
                item = value[key]
                if isinstance(key, str) and key.endswith("_sha256") and isinstance(item, str):
                    partner = value.get(key[: -len("sha256")] + "sm3")
                    if isinstance(partner, str):
                        add(f"{path}.{key[: -len('_sha256')]}", item, partner, None)
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(payload, "payload")
    return found


def referenced_parties(payloads: Iterable[Mapping[str, Any]]) -> set[str]:
    """The company ids the payloads name under ``PARTY_KEYS``, at any depth."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in PARTY_KEYS and isinstance(item, str) and item:
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for payload in payloads:
        walk(payload)
    return found


def file_digests(data: bytes) -> tuple[str, str]:
    """(SHA-256 hex, SM3 hex) of a file, as events cite documents."""
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    return hashlib.sha256(data).hexdigest(), sm3.finalize().hex()


# ---------------------------------------------------------------------------------------
# Issuing


@dataclass(frozen=True)
class LeafInput:
    """What the issuer gathered for one event: its seq, why it is included, bytes and proof."""

    seq: int
    kind: str
    entry: bytes
    proof: tuple[bytes, ...]


def _manifest_text(origin: str, lot_id: str, issued_at: str, checkpoint: Checkpoint,
                   events: Sequence[tuple[int, str, bytes]]) -> str:
    lines = [MANIFEST_HEADER, f"origin {origin}", f"lot {lot_id}", f"issued {issued_at}",
             f"checkpoint {checkpoint.size} {base64.b64encode(checkpoint.root_hash).decode()}",
             f"events {len(events)}"]
    lines.extend(f"{seq} {kind} {base64.b64encode(hashed).decode()}" for seq, kind, hashed in events)
    return "\n".join(lines) + "\n"


def issue_certificate(
    *,
    lot_id: str,
    project_id: str | None,
    origin: str,
    issued_at: str,
    checkpoint_note: str,
    leaves: Sequence[LeafInput],
    signers: Sequence[Signer],
    platform_keys: Sequence[str],
    witness_keys: Sequence[str] = (),
) -> Certificate:
    """Assemble and sign a certificate from leaves already proven against ``checkpoint_note``."""
    if not signers:
        raise format_error("签发证书至少需要一个平台签名密钥", "issuing needs at least one platform signing key")
    note = parse_note(checkpoint_note)
    checkpoint = parse_checkpoint(note.text)
    ordered = sorted(leaves, key=lambda leaf: leaf.seq)
    events: list[CertifiedEvent] = []
    documents: list[DocumentDigest] = []
    for leaf in ordered:
        if leaf.kind not in KINDS:
            raise format_error(f"未知的事件类别 {leaf.kind!r}", f"unknown event kind {leaf.kind!r}")
        decoded = json.loads(leaf.entry.decode("utf-8"))
        proof = TlogProof(leaf.seq - 1, tuple(leaf.proof), checkpoint_note)
        events.append(CertifiedEvent(leaf.seq, leaf.kind, leaf.entry, decoded, proof.to_text()))
        if leaf.kind == "lot":
            documents.extend(document_digests(leaf.seq, str(decoded.get("type", "")), decoded.get("payload") or {}))
    manifest = _manifest_text(origin, lot_id, issued_at, checkpoint,
                              [(e.seq, e.kind, leaf_hash(e.entry)) for e in events])
    signed_manifest = sign_note(manifest, signers).decode("utf-8")
    return Certificate(lot_id, project_id, origin, issued_at, checkpoint_note, signed_manifest,
                       tuple(platform_keys), tuple(witness_keys), tuple(events), tuple(documents))


# ---------------------------------------------------------------------------------------
# Parsing


def _require(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in doc:
        raise format_error(f"缺少字段 {where}{key}", f"missing field {where}{key}")
    value = doc[key]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise format_error(f"字段 {where}{key} 的类型应为 {names}", f"field {where}{key} must be of type {names}")
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise format_error(f"{where} 应为字符串数组", f"{where} must be an array of strings")
    return tuple(value)


def _parse_event(item: object, index: int) -> CertifiedEvent:
    where = f"events[{index}]."
    if not isinstance(item, Mapping):
        raise format_error(f"events[{index}] 应为对象", f"events[{index}] must be an object")
    seq = _require(item, "seq", int, where)
    kind = _require(item, "kind", str, where)
    text = _require(item, "entry", str, where)
    event = _require(item, "event", dict, where)
    proof = _require(item, "proof", str, where)
    try:
        entry = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise format_error(f"{where}entry（序号 {seq}）不是有效的 base64",
                            f"{where}entry (seq {seq}) is not valid base64") from exc
    return CertifiedEvent(seq, kind, entry, dict(event), proof)


def _parse_document(item: object, index: int) -> DocumentDigest:
    where = f"documents[{index}]."
    if not isinstance(item, Mapping):
        raise format_error(f"documents[{index}] 应为对象", f"documents[{index}] must be an object")
    size = item.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
        raise format_error(f"字段 {where}size 应为整数", f"field {where}size must be an integer")
    return DocumentDigest(
        _require(item, "seq", int, where), _require(item, "type", str, where), _require(item, "path", str, where),
        _require(item, "label_zh", str, where), _require(item, "label_en", str, where),
        _require(item, "name", str, where), _require(item, "sha256", str, where), _require(item, "sm3", str, where),
        size, _optional_str(item.get("media_type")), _optional_str(item.get("bidder_id")))


def parse_certificate(data: bytes | str | Mapping[str, Any]) -> Certificate:
    """Read a bundle; refuses (naming the field) anything that is not a version-1 certificate."""
    if isinstance(data, Mapping):
        doc: object = data
    else:
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            doc = json.loads(text)
        except UnicodeDecodeError as exc:
            raise format_error("文件不是 UTF-8 文本", "the file is not UTF-8 text") from exc
        except (ValueError, RecursionError) as exc:
            raise format_error(f"文件不是有效的 JSON（{exc}）", f"the file is not valid JSON ({exc})") from exc
    if not isinstance(doc, Mapping):
        raise format_error("顶层应为 JSON 对象", "the top level must be a JSON object")
    if doc.get("format") != FORMAT:
        raise format_error(f"format 字段应为 {FORMAT!r}", f"the format field must be {FORMAT!r}")
    version = doc.get("version")
    if version != VERSION:
        raise format_error(f"不支持的版本 version={version!r}（本程序读取版本 {VERSION}）",
                            f"unsupported version {version!r} (this program reads version {VERSION})")
    keys = _require(doc, "keys", dict, "")
    project_id = doc.get("project_id")
    if project_id is not None and not isinstance(project_id, str):
        raise format_error("字段 project_id 应为字符串", "field project_id must be a string")
    events = _require(doc, "events", list, "")
    documents = _require(doc, "documents", list, "")
    return Certificate(
        lot_id=_require(doc, "lot_id", str, ""), project_id=project_id, origin=_require(doc, "origin", str, ""),
        issued_at=_require(doc, "issued_at", str, ""), checkpoint=_require(doc, "checkpoint", str, ""),
        manifest=_require(doc, "manifest", str, ""),
        platform_keys=_strings(keys.get("platform", []), "keys.platform"),
        witness_keys=_strings(keys.get("witnesses", []), "keys.witnesses"),
        events=tuple(_parse_event(item, i) for i, item in enumerate(events)),
        documents=tuple(_parse_document(item, i) for i, item in enumerate(documents)),
    )
