"""The witness certificate format and its offline verification, on a log built in memory.

A small log holds one lot's events (with its project, companies and actors) interleaved
with another lot's; the certificate is issued against a cosigned checkpoint, then each
kind of tampering is applied to the JSON bundle and must be found and named.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_testing import ORIGIN

from jianzheng.ledger.canonical import canonical_bytes
from jianzheng.ledger.certificate import (
    FORMAT,
    MANIFEST_HEADER,
    Certificate,
    CertificateFormatError,
    LeafInput,
    document_digests,
    file_digests,
    issue_certificate,
    parse_certificate,
    referenced_parties,
)
from jianzheng.ledger.certificate_check import match_document, verify_certificate
from jianzheng.ledger.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.errors import NoteFormatError
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import verifier_key
from jianzheng.ledger.merkle import append
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.note import merge_signatures, parse_note
from jianzheng.ledger.proofs import inclusion_proof
from jianzheng.ledger.signers import Ed25519Signer, SM2Signer

LOT, OTHER, PROJECT = "PRJ1-01", "PRJ1-02", "PRJ1"
TENDER_DOC = b"%PDF tender documents"
BID_DOC = b"%PDF bid of bidder one"


def _event(seq: int, event_type: str, stream: str, payload: dict[str, Any], actor: str = "U1",
           role: str = "agency") -> dict[str, Any]:
    return {"seq": seq, "time": f"2026-03-02T01:{seq:02d}:00.000Z", "actor": actor, "role": role,
            "source_ip": "10.0.0.7", "command_id": f"C{seq}", "type": event_type, "stream": stream,
            "origin": "platform", "payload": payload}


def _doc(name: str, data: bytes) -> dict[str, Any]:
    sha256, sm3 = file_digests(data)
    return {"name": name, "sha256": sha256, "sm3": sm3, "size": len(data), "media_type": "application/pdf"}


def _log() -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The events of the log and, for those the certificate of LOT takes, their kind."""
    bid_doc = _doc("投标文件.pdf", BID_DOC)
    content_sha, content_sm3 = file_digests(b'{"price_fen": 950000000}')
    rows: list[tuple[str | None, dict[str, Any]]] = [
        ("user", {"type": "user.created", "stream": "user:U1", "payload": {
            "user_id": "U1", "username": "agency", "role": "agency", "display_name": "代理 李四",
            "party_id": "PA", "person_id": None}, "actor": "system", "role": "system"}),
        ("user", {"type": "user.created", "stream": "user:U2", "payload": {
            "user_id": "U2", "username": "bidder1", "role": "bidder", "display_name": "投标 王五",
            "party_id": "PB", "person_id": None}, "actor": "system", "role": "system"}),
        (None, {"type": "person.registered", "stream": "person:H1", "payload": {"person_id": "H1",
                                                                                "id_number": "secret"}}),
        ("party", {"type": "party.registered", "stream": "party:PT", "payload": {
            "party_id": "PT", "name": "招标人公司", "kind": "tenderer", "credit_code": "91530100MA0000001X"}}),
        ("party", {"type": "party.registered", "stream": "party:PA", "payload": {
            "party_id": "PA", "name": "代理公司", "kind": "agency", "credit_code": "91530100MA0000002X"}}),
        ("party", {"type": "party.registered", "stream": "party:PB", "payload": {
            "party_id": "PB", "name": "投标公司", "kind": "bidder", "credit_code": "91530100MA0000003X"}}),
        ("project", {"type": "project.registered", "stream": f"project:{PROJECT}", "payload": {
            "project_id": PROJECT, "name": "滇池路改造工程", "tenderer_id": "PT", "agency_id": "PA"}}),
        ("lot", {"type": "lot.registered", "stream": f"lot:{LOT}", "payload": {
            "lot_id": LOT, "project_id": PROJECT, "name": "第一标段", "tenderer_id": "PT", "agency_id": "PA",
            "estimated_price_fen": 1_000_000_000}}),
        (None, {"type": "lot.registered", "stream": f"lot:{OTHER}", "payload": {
            "lot_id": OTHER, "project_id": PROJECT, "name": "第二标段", "tenderer_id": "PT", "agency_id": "PA"}}),
        ("lot", {"type": "lot.documents_compiled", "stream": f"lot:{LOT}", "payload": {
            "version": 1, "document": _doc("招标文件.pdf", TENDER_DOC), "deposit_fen": 10_000_000}}),
        (None, {"type": "lot.documents_compiled", "stream": f"lot:{OTHER}", "payload": {
            "version": 1, "document": _doc("另一标段招标文件.pdf", b"other"), "deposit_fen": 10_000_000}}),
        ("lot", {"type": "lot.bid_submitted", "stream": f"lot:{LOT}", "actor": "U2", "role": "bidder", "payload": {
            "bid_id": "BID1", "bidder_id": "PB", "version": 1, "content_sha256": content_sha,
            "content_sm3": content_sm3, "documents": [bid_doc], "sealed": False}}),
        (None, {"type": "user.signed_in", "stream": "user:U2", "payload": {"user_id": "U2"}}),
        ("lot", {"type": "lot.opened", "stream": f"lot:{LOT}", "payload": {
            "bid_count": 1, "bids": [{"bid_id": "BID1", "bidder_id": "PB", "price_fen": 950_000_000}]}}),
    ]
    events, kinds = [], {}
    for seq, (kind, row) in enumerate(rows, start=1):
        events.append(_event(seq, row["type"], row["stream"], row["payload"], row.get("actor", "U1"),
                             row.get("role", "agency")))
        if kind:
            kinds[seq] = kind
    return events, kinds


class Fixture:
    """A log, its signed and cosigned checkpoint, and the certificate of LOT."""

    def __init__(self) -> None:
        self.ed25519 = Ed25519Signer(ORIGIN)
        self.sm2 = SM2Signer(ORIGIN)
        self.witness = CosignatureSigner("witness.example/bureau", clock=lambda: 1_772_000_000)
        self.events, self.kinds = _log()
        self.entries = [canonical_bytes(e) for e in self.events]
        store = MemoryNodeStore()
        result = append(store, 0, [leaf_hash(e) for e in self.entries])
        size = len(self.entries)
        signed = sign_checkpoint(Checkpoint(ORIGIN, size, result.root), [self.ed25519, self.sm2])
        self.note = merge_signatures(signed, [self.witness.cosign(signed)]).decode()
        self.leaves = [LeafInput(seq, kind, self.entries[seq - 1], tuple(inclusion_proof(store, seq - 1, size)))
                       for seq, kind in self.kinds.items()]
        # An honest certificate of the other lot, whose events a forger may try to slip in.
        self.other_leaves = [LeafInput(seq, "lot", self.entries[seq - 1],
                                       tuple(inclusion_proof(store, seq - 1, size)))
                             for seq, e in enumerate(self.events, start=1) if e["stream"] == f"lot:{OTHER}"]
        self.cert = issue_certificate(
            lot_id=LOT, project_id=PROJECT, origin=ORIGIN, issued_at="2026-04-01T02:00:00.000Z",
            checkpoint_note=self.note, leaves=self.leaves, signers=[self.ed25519, self.sm2],
            platform_keys=[verifier_key(self.ed25519), verifier_key(self.sm2)],
            witness_keys=[verifier_key(self.witness)])

    def json(self) -> dict[str, Any]:
        return json.loads(self.cert.to_bytes())

    def position(self, seq: int) -> int:
        return [e.seq for e in self.cert.events].index(seq)


@pytest.fixture(scope="module")
def made() -> Fixture:
    return Fixture()


def failures(doc: dict[str, Any] | Certificate, **pinned: Any) -> list[tuple[str, int | None]]:
    cert = doc if isinstance(doc, Certificate) else parse_certificate(doc)
    report = verify_certificate(cert, pinned.get("keys", ()), pinned.get("witnesses", ()))
    return [(f.code, f.seq) for f in report.failures]


def test_an_honest_certificate_verifies_with_pinned_keys_and_witness(made: Fixture) -> None:
    report = verify_certificate(made.cert, [made.ed25519.verifier(), made.sm2.verifier()],
                                [made.witness.verifier()])
    assert report.ok, report.failures
    assert report.trust == "pinned" and not [n for n in report.notes if n.code == "trust.bundle_keys"]
    assert report.events_checked == report.events_verified == len(made.kinds)
    assert sorted(s.algorithm for s in report.signatures) == ["Ed25519", "SM2-SM3"]
    assert [(c.name, c.timestamp) for c in report.cosignatures] == [("witness.example/bureau", 1_772_000_000)]
    assert report.checkpoint is not None and report.checkpoint.size == len(made.events)


def test_without_pinned_keys_it_verifies_but_says_where_trust_comes_from(made: Fixture) -> None:
    report = verify_certificate(made.cert)
    assert report.ok and report.trust == "bundle"
    note = next(n for n in report.notes if n.code == "trust.bundle_keys")
    assert "带外" in note.zh or "其他渠道" in note.zh
    assert "out of band" in note.en


def test_the_certificate_takes_the_lot_its_project_companies_and_actors_and_nothing_else(made: Fixture) -> None:
    kinds = {e.seq: e.kind for e in made.cert.events}
    assert kinds == made.kinds
    streams = {e.event["stream"] for e in made.cert.events}
    assert f"lot:{OTHER}" not in streams and "person:H1" not in streams
    assert referenced_parties([made.events[7]["payload"]]) == {"PT", "PA"}
    # Every inclusion proof is a c2sp.org/tlog-proof against the one checkpoint, leaf index = seq - 1.
    for event in made.cert.events:
        assert event.proof.startswith("c2sp.org/tlog-proof@v1\n")
        assert f"\nindex {event.seq - 1}\n" in event.proof and event.proof.endswith(made.note)


def test_round_trip_through_the_file_format(made: Fixture) -> None:
    data = made.cert.to_bytes()
    doc = json.loads(data)
    assert doc["format"] == FORMAT and doc["version"] == 1
    assert base64.b64decode(doc["events"][0]["entry"]) == made.entries[0]
    assert "滇池路改造工程" in data.decode("utf-8")  # Chinese kept readable
    assert parse_certificate(data) == made.cert


def test_documents_are_those_the_lot_events_cite(made: Fixture) -> None:
    listed = {(d.seq, d.path, d.name) for d in made.cert.documents}
    assert listed == {(10, "payload.document", "招标文件.pdf"), (12, "payload.content", "投标内容"),
                      (12, "payload.documents[0]", "投标文件.pdf")}
    report = verify_certificate(made.cert)
    bid = match_document(report, BID_DOC, "bid.pdf")
    assert bid.ok and [(m.seq, m.bidder_id) for m in bid.matches] == [(12, "PB")]
    wrong = match_document(report, BID_DOC + b" changed", "bid.pdf")
    assert not wrong.ok and wrong.problems[0].code == "document.no_match"
    assert not match_document(report, b"other", "x").ok  # the other lot's document is not in this certificate


def test_document_digests_finds_objects_and_name_pairs_at_any_depth() -> None:
    payload = {"bidder_id": "PB", "content_sha256": "a" * 64, "content_sm3": "b" * 64,
               "envelope": {"sha256": "c" * 64, "sm3": "d" * 64, "commitment": {"sha256": "e" * 64, "sm3": "f" * 64}},
               "documents": [{"name": "x.pdf", "sha256": "1" * 64, "sm3": "2" * 64, "size": 3}],
               "content_sha256_extra": 5, "key_check_sm3": "9" * 64, "empty_sha256": "", "empty_sm3": ""}
    found = {(d.path, d.label_en, d.bidder_id) for d in document_digests(7, "lot.bid_submitted", payload)}
    assert found == {("payload.content", "bid content", "PB"), ("payload.envelope", "sealed bid envelope", "PB"),
                     ("payload.envelope.commitment", "commitment to the bid content", "PB"),
                     ("payload.documents[0]", "document", "PB")}


def test_the_manifest_is_signed_and_can_never_pass_for_a_checkpoint(made: Fixture) -> None:
    note = parse_note(made.cert.manifest)
    assert note.text.startswith(MANIFEST_HEADER + "\n") and len(note.signatures) == 2
    assert f"\nlot {LOT}\n" in note.text and f"\nevents {len(made.kinds)}\n" in note.text
    with pytest.raises(NoteFormatError):
        parse_checkpoint(note.text)


def _edit_payload(doc: dict[str, Any], made: Fixture) -> None:
    doc["events"][made.position(14)]["event"]["payload"]["bids"][0]["price_fen"] = 900_000_000


def _bool_as_number(doc: dict[str, Any], made: Fixture) -> None:
    # false == 0 in Python, but not in JSON: the readable copy must match type for type.
    doc["events"][made.position(12)]["event"]["payload"]["sealed"] = 0


def _edit_entry(doc: dict[str, Any], made: Fixture) -> None:
    item = doc["events"][made.position(14)]
    event = json.loads(base64.b64decode(item["entry"]))
    event["payload"]["bids"][0]["price_fen"] = 900_000_000
    item["entry"] = base64.b64encode(canonical_bytes(event)).decode()
    item["event"] = event  # a careful forger keeps the readable copy in step


def _flip_proof_hash(doc: dict[str, Any], made: Fixture) -> None:
    item = doc["events"][made.position(12)]
    head, _, checkpoint = item["proof"].partition("\n\n")
    lines = head.split("\n")
    raw = bytearray(base64.b64decode(lines[3]))
    raw[0] ^= 0x01
    lines[3] = base64.b64encode(bytes(raw)).decode()
    item["proof"] = "\n".join(lines) + "\n\n" + checkpoint


def _change_root(doc: dict[str, Any], made: Fixture) -> None:
    text = parse_note(doc["checkpoint"]).text
    root = text.split("\n")[2]
    forged = base64.b64encode(bytes(32)).decode()
    doc["checkpoint"] = doc["checkpoint"].replace(root, forged)
    for item in doc["events"]:
        item["proof"] = item["proof"].replace(root, forged)


def _corrupt_signature(algorithm_index: int) -> Callable[[dict[str, Any], Fixture], None]:
    def corrupt(doc: dict[str, Any], made: Fixture) -> None:
        note = parse_note(doc["checkpoint"])
        line = note.signatures[algorithm_index].line()
        encoded = line.rsplit(" ", 1)[1].strip()
        raw = bytearray(base64.b64decode(encoded))
        raw[10] ^= 0xFF
        doc["checkpoint"] = doc["checkpoint"].replace(encoded, base64.b64encode(bytes(raw)).decode())
    return corrupt


def _remove_event(doc: dict[str, Any], made: Fixture) -> None:
    del doc["events"][made.position(12)]


def _insert_other_lot(doc: dict[str, Any], made: Fixture) -> None:
    other = made.other_leaves[1]  # the other lot's tender documents, with a valid proof
    forged = issue_certificate(lot_id=OTHER, project_id=PROJECT, origin=ORIGIN, issued_at="x",
                               checkpoint_note=made.note, leaves=[other], signers=[made.ed25519],
                               platform_keys=[])
    doc["events"].insert(made.position(12), forged.events[0].to_json())


def _reorder(doc: dict[str, Any], made: Fixture) -> None:
    a, b = made.position(10), made.position(12)
    doc["events"][a], doc["events"][b] = doc["events"][b], doc["events"][a]


def _edit_document_digest(doc: dict[str, Any], made: Fixture) -> None:
    doc["documents"][0]["sha256"] = "0" * 64


def _corrupt_manifest(doc: dict[str, Any], made: Fixture) -> None:
    doc["manifest"] = doc["manifest"].replace(f"\nlot {LOT}\n", f"\nlot {OTHER}\n")


TAMPERING: dict[str, tuple[Callable[[dict[str, Any], Fixture], None], set[tuple[str, int | None]]]] = {
    "payload edited": (_edit_payload, {("event.mismatch", 14)}),
    "false shown as 0": (_bool_as_number, {("event.mismatch", 12)}),
    "entry edited": (_edit_entry, {("manifest.leaf_hash", 14), ("proof.inclusion", 14)}),
    "proof hash flipped": (_flip_proof_hash, {("proof.inclusion", 12)}),
    "checkpoint root changed": (_change_root, {("checkpoint.signature", None), ("manifest.checkpoint", None),
                                               ("proof.inclusion", 10)}),
    "ed25519 signature corrupted": (_corrupt_signature(0), {("checkpoint.signature", None)}),
    "sm2 signature corrupted": (_corrupt_signature(1), {("checkpoint.signature", None)}),
    "cosignature corrupted": (_corrupt_signature(2), {("cosignature.invalid", None)}),
    "event removed": (_remove_event, {("manifest.missing_event", 12)}),
    "other lot's event inserted": (_insert_other_lot, {("event.foreign", 11), ("manifest.extra_event", 11)}),
    "events reordered": (_reorder, {("event.order", 10)}),
    "document digest edited": (_edit_document_digest, {("document.unbacked", 10), ("document.missing", 10)}),
    "manifest edited": (_corrupt_manifest, {("manifest.signature", None), ("manifest.mismatch", None)}),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_each_tampering_is_found_and_named(made: Fixture, name: str) -> None:
    tamper, expected = TAMPERING[name]
    doc = made.json()
    tamper(doc, made)
    found = set(failures(doc))
    assert expected <= found, f"{name}: expected {expected}, found {found}"


def test_failures_name_the_key_and_the_leaf_in_both_languages(made: Fixture) -> None:
    doc = made.json()
    _corrupt_signature(1)(doc, made)
    _flip_proof_hash(doc, made)
    report = verify_certificate(parse_certificate(doc))
    signature = next(f for f in report.failures if f.code == "checkpoint.signature")
    assert "SM2-SM3" in signature.zh and "SM2-SM3" in signature.en and ORIGIN in (signature.key or "")
    proof = next(f for f in report.failures if f.code == "proof.inclusion")
    assert (proof.seq, proof.leaf_index) == (12, 11)
    assert "事件 12（叶序号 11）" in proof.zh and "event seq 12 (leaf index 11)" in proof.en


def test_a_wrong_pinned_key_is_refused(made: Fixture) -> None:
    stranger = Ed25519Signer(ORIGIN)
    found = set(failures(made.json(), keys=[stranger.verifier(), made.sm2.verifier()]))
    assert ("key.pinned_mismatch", None) in found  # the bundle's Ed25519 key is not the pinned one
    assert ("checkpoint.unsigned", None) in found  # the pinned key never signed the checkpoint
    assert ("manifest.unsigned", None) in found


def test_a_pinned_witness_must_have_cosigned(made: Fixture) -> None:
    absent = CosignatureSigner("notary.example/witness")
    found = set(failures(made.json(), keys=[made.ed25519.verifier(), made.sm2.verifier()],
                         witnesses=[absent.verifier()]))
    assert found == {("cosignature.missing", None)}


def test_keys_swapped_in_the_bundle_by_a_forger_fail_against_pinned_keys(made: Fixture) -> None:
    """A forger re-signs everything with their own keys and ships them: only pinning catches it."""
    forger_ed, forger_sm2 = Ed25519Signer(ORIGIN), SM2Signer(ORIGIN)
    note = sign_checkpoint(parse_checkpoint(parse_note(made.note).text), [forger_ed, forger_sm2]).decode()
    forged = issue_certificate(lot_id=LOT, project_id=PROJECT, origin=ORIGIN, issued_at="2026-04-01T02:00:00.000Z",
                               checkpoint_note=note, leaves=made.leaves, signers=[forger_ed, forger_sm2],
                               platform_keys=[verifier_key(forger_ed), verifier_key(forger_sm2)])
    assert verify_certificate(forged).ok  # self-consistent...
    found = {code for code, _ in failures(forged, keys=[made.ed25519.verifier(), made.sm2.verifier()])}
    assert {"key.pinned_mismatch", "checkpoint.unsigned", "manifest.unsigned"} <= found  # ...but not the platform's


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.pop("checkpoint"), "checkpoint"),
    (lambda d: d["events"][0].update(seq="1"), "events[0].seq"),
    (lambda d: d["events"][1].update(entry="not base64!"), "events[1].entry"),
    (lambda d: d.update(keys={"platform": [1]}), "keys.platform"),
])
def test_malformed_bundles_are_refused_naming_the_field(made: Fixture, mutate: Callable[[dict[str, Any]], None],
                                                        message: str) -> None:
    doc = made.json()
    mutate(doc)
    with pytest.raises(CertificateFormatError) as caught:
        parse_certificate(doc)
    assert message in caught.value.zh and message in caught.value.en


def test_not_json_is_refused() -> None:
    with pytest.raises(CertificateFormatError, match="not valid JSON"):
        parse_certificate(b"%PDF-1.4")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_flipped_byte_of_any_entry_is_named(made: Fixture, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(made.cert.events) - 1))
    event = made.cert.events[position]
    offset = data.draw(st.integers(0, len(event.entry) - 1))
    bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]))
    doc = made.json()
    raw = bytearray(event.entry)
    raw[offset] ^= bit
    doc["events"][position]["entry"] = base64.b64encode(bytes(raw)).decode()
    report = verify_certificate(parse_certificate(copy.deepcopy(doc)))
    assert not report.ok
    assert event.seq in {f.seq for f in report.failures}


def test_a_hostile_deeply_nested_entry_is_a_named_failure_not_a_crash(made: Fixture) -> None:
    doc = made.json()
    doc["events"][0]["entry"] = base64.b64encode(b"[" * 100_000 + b"]" * 100_000).decode()
    report = verify_certificate(parse_certificate(doc))
    assert ("entry.format", made.cert.events[0].seq) in [(f.code, f.seq) for f in report.failures]
    with pytest.raises(CertificateFormatError):
        parse_certificate(b'{"a": ' * 100_000 + b"1" + b"}" * 100_000)
