"""Sealed bids through the platform: bidder keys, sealed submission with receipts, the opening hall.

Nobody on the platform side can read a sealed bid before the deadline: the envelope is
stored as it came (canonical JSON), its commitment, digest, signature and fingerprint go
on the ledger, and only a key the bidder releases in the hall — or the escrow custodians'
shares, after the deadline — opens it. Decryption happens here, outside the write lock;
the domain then records the outcome under the lock, re-checking the lot's state.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jianzheng.domain import commands as c
from jianzheng.domain.bid_content import parse_bid_content
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import Context
from jianzheng.domain.errors import Refusal, forbidden, invalid, not_found
from jianzheng.domain.events import EventDraft, WitnessedEvent, lot_stream, party_stream
from jianzheng.domain.lot import Bid, LotState, fold
from jianzheng.domain.roles import Role
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.sealing import escrow as escrow_shares
from jianzheng.sealing.envelope import Custodian, check_envelope, open_envelope, parse_envelope
from jianzheng.sealing.errors import SealingError
from jianzheng.sealing.keys import PublicKeys
from jianzheng.sealing.package import parse_package
from jianzheng.services.actor import Actor
from jianzheng.services.checkpoints import Checkpointer
from jianzheng.services.opening_record import render_opening_record
from jianzheng.services.platform import Platform, Upload, lot_parties
from jianzheng.services.policy import authorize_lot_command
from jianzheng.services.ports import WriteSession

KEY_EVENT = "party.bid_key_registered"


@dataclass(frozen=True)
class EscrowConfig:
    """The custodians every sealed bid's key is shared among, and how many must agree."""

    threshold: int
    custodians: tuple[Custodian, ...]

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold,
                "custodians": [{"name": c.name, "public": c.keys.to_json()} for c in self.custodians]}


def load_escrow(path: Path) -> EscrowConfig | None:
    """Read ``<data dir>/escrow.json``; None when escrow is off (the file is absent)."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        custodians = tuple(Custodian(str(x["name"]), PublicKeys.from_json(x["public"])) for x in doc["custodians"])
        threshold = int(doc["threshold"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Refusal("escrow.config", f"托管配置文件 {path} 有误：{exc}", f"The escrow file {path} is wrong: {exc}",
                      status=500) from None
    if not custodians or not 1 <= threshold <= len(custodians) or len({c.name for c in custodians}) != len(custodians):
        raise Refusal("escrow.config", f"托管配置文件 {path} 的门限或托管方有误",
                      f"The escrow file {path} has a wrong threshold or custodian list", status=500)
    return EscrowConfig(threshold, custodians)


def _refusal(exc: SealingError, code: str = "bid.envelope", status: int = 422) -> Refusal:
    return Refusal(code, exc.zh, exc.en, field=exc.field, status=status,
                   article="电子招标投标办法第二十五条 / Order 20 Art. 25" if code == "bid.envelope" else None)


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(field, f"{field} 不是合法的 Base64", f"{field} is not valid base64") from None


class SealedBids:
    """Use cases of sealed bidding and the online opening hall."""

    def __init__(self, platform: Platform, checkpointer: Checkpointer, escrow: EscrowConfig | None = None) -> None:
        self.platform = platform
        self.store = platform.store
        self.blobs = platform.blobs
        self.checkpointer = checkpointer
        self.escrow = escrow

    # -- keys ------------------------------------------------------------------------------

    def register_key(self, actor: Actor, public: dict[str, Any], source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """A bidder registers the public key its envelopes are signed with (the latest one counts)."""
        if actor.role is not Role.BIDDER or not actor.party_id:
            raise forbidden("只有投标单位可以登记投标密钥", "Only a bidding company registers a bid key")
        try:
            keys = PublicKeys.from_json(public)
        except SealingError as exc:
            raise _refusal(exc, "bid.key") from None
        party_id = actor.party_id

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            return [EventDraft(KEY_EVENT, party_stream(party_id), {"party_id": party_id, **keys.to_json()})]
        return self.platform.execute(actor, source_ip, decide_in)

    @staticmethod
    def _key_of(events: Sequence[WitnessedEvent]) -> PublicKeys | None:
        found = [e for e in events if e.type == KEY_EVENT]
        return PublicKeys.from_json(found[-1].payload) if found else None

    def bidder_key(self, party_id: str) -> PublicKeys | None:
        with self.store.read() as session:
            return self._key_of(session.stream_events(party_stream(party_id)))

    def config(self) -> dict[str, Any]:
        """What the bidder tool needs to seal for this platform (public)."""
        procedure = self.platform.procedure("construction-open")
        return {"required": procedure.sealing.required,
                "release_window_minutes": procedure.sealing.release_window_minutes,
                "max_envelope_mb": procedure.sealing.max_envelope_mb,
                "ciphers": ["SM4-GCM", "AES-256-GCM"], "suites": ["sm2", "x25519-ed25519"],
                "escrow": self.escrow.to_json() if self.escrow else None}

    # -- submission ------------------------------------------------------------------------

    def submit(self, actor: Actor, lot_id: str, data: bytes, source_ip: str = "127.0.0.1") -> dict[str, Any]:
        """Check and store a sealed envelope; witness it; return the receipt with its inclusion proof."""
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
            if not state.exists:
                raise not_found("标段", lot_id)
            authorize_lot_command(actor, lot_parties(state), c.SubmitBid("", "", ()))
            assert actor.party_id is not None
            registered = self._key_of(session.stream_events(party_stream(actor.party_id)))
        limit = self.platform.procedure(state.procedure).sealing.max_envelope_mb * 1024 * 1024
        if len(data) > limit:
            raise Refusal("bid.too_large", f"投标信封超过 {limit // 1048576} MB", f"The envelope exceeds "
                          f"{limit // 1048576} MB", field="envelope", status=413)
        if registered is None:
            raise Refusal("bid.no_key", "请先登记投标密钥", "Register your bid key before submitting sealed bids",
                          field="envelope", status=409)
        try:
            envelope = parse_envelope(data)
            check_envelope(envelope, lot_id, actor.party_id, registered,
                           self.escrow.custodians if self.escrow else (), self.escrow.threshold if self.escrow else 0)
        except SealingError as exc:
            raise _refusal(exc) from None
        digests = self.blobs.put(data)  # exactly the bytes the bidder sent: its digest is the bidder's too
        escrow = envelope.get("escrow")
        summary = {
            "sha256": digests.sha256, "sm3": digests.sm3, "size": digests.size, "cipher": envelope["cipher"],
            # Flat names: a {sha256, sm3} object in a payload means a stored document to `verify`,
            # and the plaintext the commitment describes is not stored until the opening.
            "commitment_sha256": envelope["commitment"]["sha256"], "commitment_sm3": envelope["commitment"]["sm3"],
            "signature": envelope["signature"],
            "signer": envelope["signer"], "sealed_at": envelope["sealed_at"],
            "escrow": {"threshold": escrow["threshold"], "custodians": [s["custodian"] for s in escrow["shares"]]}
            if isinstance(escrow, dict) else None,
        }
        # Until the opening the bid's stored content is the envelope itself.
        command = c.SubmitBid(digests.sha256, digests.sm3, (), sealed=True,
                              envelope=summary, fingerprint=envelope.get("fingerprint"))
        events = self.platform.lot_command(actor, lot_id, command, source_ip)
        return self.receipt(events[0])

    def receipt(self, event: WitnessedEvent) -> dict[str, Any]:
        """Proof of timely submission: the witnessed event, its leaf and an inclusion proof."""
        checkpoint = self.checkpointer.covering(event.seq, "receipt")
        with self.store.read() as session:
            leaf = session.leaves(event.seq - 1, event.seq)[0]
            proof = session.inclusion_proof(event.seq - 1, checkpoint.tree_size)
        return {
            "format": "jianzheng-bid-receipt/1", "lot_id": event.stream.removeprefix("lot:"),
            "bid_id": event.payload["bid_id"], "received_at": format_instant(event.time),
            "leaf_index": event.seq - 1, "leaf_b64": base64.b64encode(leaf).decode(),
            "leaf_hash_hex": leaf_hash(leaf).hex(), "tree_size": checkpoint.tree_size,
            "checkpoint": checkpoint.cosigned_note(), "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
        }

    # -- the hall --------------------------------------------------------------------------

    def start_hall(self, actor: Actor, lot_id: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        return self.platform.lot_command(actor, lot_id, c.StartHall(), source_ip)

    def sign_in(self, actor: Actor, lot_id: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        return self.platform.lot_command(actor, lot_id, c.SignInHall(), source_ip)

    def _state(self, lot_id: str) -> LotState:
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
        if not state.exists:
            raise not_found("标段", lot_id)
        return state

    def _envelope(self, bid_id: str, lot_id: str) -> tuple[Bid, dict[str, Any]]:
        with self.store.read() as session:
            events = session.lot_events(lot_id)
        state = fold(lot_id, events)
        bid = state.bids.get(bid_id)
        submitted = next((e for e in events if e.type == "lot.bid_submitted" and e.payload["bid_id"] == bid_id), None)
        if bid is None or submitted is None or not bid.sealed:
            raise not_found("投标", bid_id)
        return bid, json.loads(self.blobs.get(submitted.payload["envelope"]["sha256"]))

    def _decrypt(self, envelope: dict[str, Any], key: bytes) -> tuple[c.RecordDecryption | None, str]:
        """Open the envelope; on success store content and documents and say what to record."""
        try:
            package = parse_package(open_envelope(envelope, key))
        except SealingError as exc:
            return None, f"{exc.zh} / {exc.en}"
        try:
            content = parse_bid_content(package.content)
        except Refusal as exc:
            return None, f"{exc.message_zh} / {exc.message_en}"
        body = json.dumps(content.as_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
        blob = self.blobs.put(body)
        refs = tuple(self.platform.store_document(Upload(d.name, d.data, d.media_type)) for d in package.documents)
        return c.RecordDecryption("", True, "", base64.b64encode(key).decode(), blob.sha256, blob.sm3, refs), ""

    def release_key(self, actor: Actor, lot_id: str, key_b64: str,
                    source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """The bidder releases its content key in the hall; the platform opens and records the bid."""
        if not actor.party_id:
            raise forbidden("只有投标单位可以解密", "Only a bidding company releases a key")
        state = self._state(lot_id)
        bid = state.bid_of(actor.party_id)
        if bid is None or not bid.sealed:
            raise conflict_no_sealed()
        _, envelope = self._envelope(bid.bid_id, lot_id)
        key = _b64(key_b64, "key_b64")
        outcome, reason = self._decrypt(envelope, key)
        command = (c.RecordDecryption(bid.bid_id, True, "bidder", outcome.key_b64, outcome.content_sha256,
                                      outcome.content_sm3, outcome.documents) if outcome
                   else c.RecordDecryption(bid.bid_id, False, "bidder", reason=reason))
        return self.platform.lot_command(actor, lot_id, command, source_ip)

    def request_escrow(self, actor: Actor, lot_id: str, bid_id: str, reason: str,
                       source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        return self.platform.lot_command(actor, lot_id, c.RequestEscrow(bid_id, reason), source_ip)

    def submit_share(self, actor: Actor, lot_id: str, bid_id: str, custodian: str, x: int, share_b64: str,
                     source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """A custodian gives its share; with enough shares the platform opens the bid (each use witnessed)."""
        _b64(share_b64, "share_b64")
        events = self.platform.lot_command(actor, lot_id, c.SubmitEscrowShare(bid_id, custodian, x, share_b64),
                                           source_ip)
        bid, envelope = self._envelope(bid_id, lot_id)
        state = self._state(lot_id)
        shares = state.escrow_shares.get(bid_id, {})
        if len(shares) < bid.escrow_threshold:
            return events
        try:
            key = escrow_shares.combine([escrow_shares.Share(x_, _b64(s, "share_b64")) for x_, s in shares.values()],
                                        bid.escrow_threshold, envelope["escrow"]["key_check_sm3"])
        except SealingError as exc:
            return events + self.platform.lot_command(actor, lot_id, c.RecordDecryption(
                bid_id, False, "escrow", reason=f"{exc.zh} / {exc.en}"), source_ip)
        outcome, reason = self._decrypt(envelope, key)
        command = (c.RecordDecryption(bid_id, True, "escrow", outcome.key_b64, outcome.content_sha256,
                                      outcome.content_sm3, outcome.documents) if outcome
                   else c.RecordDecryption(bid_id, False, "escrow", reason=reason))
        return events + self.platform.lot_command(actor, lot_id, command, source_ip)

    def open(self, actor: Actor, lot_id: str, source_ip: str = "127.0.0.1") -> list[WitnessedEvent]:
        """Close the hall and open: publish names, prices and key terms; witness the opening record."""
        events = self.platform.open_bids(actor, lot_id, source_ip)
        if not any(e.type in ("lot.opened", "lot.failed") for e in events):
            return events
        with self.store.read() as session:
            history = session.lot_events(lot_id)
            lot = session.row("lots", lot_id)
            names = {r["party_id"]: r["name"] for r in session.rows("parties")}
        assert lot is not None
        html = render_opening_record(lot, history, names).encode("utf-8")
        blob = self.blobs.put(html)
        document = {"name": f"开标记录表-{lot_id}.html", "sha256": blob.sha256, "sm3": blob.sm3, "size": blob.size,
                    "media_type": "text/html"}

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            return [EventDraft("lot.opening_record_published", lot_stream(lot_id), {"document": document})]
        return events + self.platform.execute(actor, source_ip, decide_in)

    def hall(self, lot_id: str) -> dict[str, Any]:
        """The hall's public state: deadline, window, who signed in, who decrypted, the results."""
        with self.store.read() as session:
            events = session.lot_events(lot_id)
            names = {r["party_id"]: r["name"] for r in session.rows("parties")} if events else {}
        state = fold(lot_id, events)
        if not state.exists:
            raise not_found("标段", lot_id)
        opened = next((e for e in reversed(events) if e.type == "lot.opened"), None)
        iso = format_instant
        return {
            "lot_id": lot_id, "name": state.name, "stage": state.stage.value,
            "bid_deadline": iso(state.bid_deadline) if state.bid_deadline else None,
            "hall_started_at": iso(state.hall_started_at) if state.hall_started_at else None,
            "release_until": iso(state.release_until) if state.release_until else None,
            "bidders": [{"bidder_id": b.bidder_id, "name": names.get(b.bidder_id, b.bidder_id), "bid_id": b.bid_id,
                         "sealed": b.sealed, "signed_in": b.bidder_id in state.hall_signins,
                         "decryption": b.decryption or ("plain" if not b.sealed else ""),
                         "status": b.status, "escrow_requested": b.bid_id in state.escrow_requests,
                         "escrow_shares": len(state.escrow_shares.get(b.bid_id, {}))}
                        for b in state.bids.values() if b.status not in ("replaced", "withdrawn")],
            "results": opened.payload["bids"] if opened else None,
            "last_seq": events[-1].seq if events else 0,
        }


def conflict_no_sealed() -> Refusal:
    return Refusal("bid.none", "您在本标段没有待解密的加密投标", "You have no sealed bid to open on this lot",
                   status=409)


__all__ = ["EscrowConfig", "SealedBids", "load_escrow", "lot_stream"]
