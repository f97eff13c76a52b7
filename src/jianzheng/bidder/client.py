"""The bidder tool's Python API: compile, seal, submit, verify the receipt, open at the hall.

`BidderClient` talks to the platform's JSON API with httpx (any ``httpx.Client``, so a
test can hand it FastAPI's TestClient). Secrets never leave the bidder's machine before
the deadline: the content key stays with the bidder until it releases it in the hall.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from jianzheng.bidder.fingerprint import document_metadata, machine_fingerprint
from jianzheng.domain.errors import Refusal
from jianzheng.ledger.checkpoint import open_checkpoint
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.proofs import verify_inclusion
from jianzheng.ledger.signers import Verifier
from jianzheng.sealing.envelope import Custodian, seal, unwrap_content_key
from jianzheng.sealing.keys import KeyPair, PublicKeys
from jianzheng.sealing.package import BidPackage, PackedDocument


@dataclass(frozen=True)
class CompiledBid:
    """A compiled bid package and what the tool recorded about it."""

    package: bytes
    fingerprint: dict[str, str]
    metadata: dict[str, str] = field(default_factory=dict)


def compile_bid(content: Mapping[str, Any], files: Sequence[Path] = (),
                fingerprint: Mapping[str, str] | None = None) -> CompiledBid:
    """Build the bid package from structured content and attached files (投标文件编制)."""
    documents: list[PackedDocument] = []
    metadata: dict[str, str] = {}
    for path in files:
        data = path.read_bytes()
        documents.append(PackedDocument(path.name, data, _media_type(path)))
        for key, value in document_metadata(path.name, data).items():
            metadata.setdefault(key, value)
    machine = dict(fingerprint) if fingerprint is not None else machine_fingerprint()
    if metadata.get("author"):
        machine.setdefault("author", metadata["author"])
    return CompiledBid(BidPackage(dict(content), tuple(documents), metadata).to_bytes(), machine, metadata)


def _media_type(path: Path) -> str:
    return {".pdf": "application/pdf", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml."
            "document", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".json": "application/json", ".txt": "text/plain"}.get(path.suffix.lower(), "application/octet-stream")


def seal_bid(compiled: CompiledBid, lot_id: str, bidder_id: str, keys: KeyPair, config: Mapping[str, Any],
             cipher: str = "SM4-GCM") -> tuple[dict[str, Any], bytes]:
    """Seal a compiled bid for the platform's configuration (escrow custodians included)."""
    escrow = config.get("escrow")
    custodians = [Custodian(c["name"], PublicKeys.from_json(c["public"])) for c in escrow["custodians"]] \
        if escrow else []
    return seal(compiled.package, lot_id, bidder_id, keys, cipher=cipher, custodians=custodians,
                threshold=escrow["threshold"] if escrow else 0, fingerprint=compiled.fingerprint,
                sealed_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def verify_receipt(receipt: Mapping[str, Any], verifiers: Sequence[Verifier]) -> int:
    """Check a receipt offline: the checkpoint's signatures and the bid's inclusion. Returns the tree size."""
    checkpoint, _ = open_checkpoint(receipt["checkpoint"], verifiers)
    leaf = base64.b64decode(receipt["leaf_b64"])
    proof = [base64.b64decode(h) for h in receipt["inclusion_proof"]]
    if checkpoint.size != receipt["tree_size"] or not verify_inclusion(
            leaf_hash(leaf), receipt["leaf_index"], checkpoint.size, proof, checkpoint.root_hash):
        raise Refusal("receipt.invalid", "回执的包含证明未通过：该投标不在签名检查点所覆盖的账本中",
                      "The receipt's inclusion proof fails: the bid is not in the log the checkpoint covers",
                      status=422)
    entry = json.loads(leaf)
    if entry["payload"].get("bid_id") != receipt["bid_id"]:
        raise Refusal("receipt.invalid", "回执中的事件不是这个投标", "The receipt's event is not this bid", status=422)
    return checkpoint.size


class BidderClient:
    """The platform's API as a bidder uses it."""

    def __init__(self, http: httpx.Client, token: str | None = None) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    @classmethod
    def connect(cls, server: str, token: str | None = None) -> BidderClient:
        return cls(httpx.Client(base_url=server, timeout=120), token)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        body = response.json() if response.content else None
        if response.status_code >= 400:
            error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            raise Refusal(error.get("code", "http"), error.get("message_zh", response.text),
                          error.get("message_en", response.text), status=response.status_code,
                          field=error.get("field"))
        return body

    def login(self, username: str, password: str) -> str:
        token = self._call("POST", "/auth/login", json={"username": username, "password": password})["token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        return str(token)

    def config(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/sealing/config")
        return result

    def register_key(self, keys: KeyPair) -> Any:
        return self._call("POST", "/bid-keys", json=keys.public.to_json())

    def submit(self, lot_id: str, envelope: Mapping[str, Any]) -> dict[str, Any]:
        data = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        result: dict[str, Any] = self._call("POST", f"/lots/{lot_id}/bids/sealed", content=data,
                                            headers={"Content-Type": "application/json"})
        return result

    def withdraw(self, lot_id: str) -> Any:
        return self._call("POST", f"/lots/{lot_id}/bids/withdrawal")

    def hall(self, lot_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/lots/{lot_id}/hall")
        return result

    def sign_in(self, lot_id: str) -> Any:
        return self._call("POST", f"/lots/{lot_id}/hall/sign-in")

    def release_key(self, lot_id: str, envelope: Mapping[str, Any], keys: KeyPair) -> Any:
        """Unwrap the content key locally and release it to the platform."""
        key = unwrap_content_key(envelope, keys)
        return self._call("POST", f"/lots/{lot_id}/hall/key-release", json={"key_b64": base64.b64encode(key).decode()})
