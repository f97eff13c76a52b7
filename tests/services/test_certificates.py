"""Witness certificates issued from a real store (SQLite and PostgreSQL), verified offline, tampered with.

A complete tender (registration to deposit refund) is driven through the services; its
certificate must verify with the platform's published keys alone, and every kind of
tampering with the bundle must be found and named. The HTML and PDF renderings are
checked for the timeline and the Chinese text.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jianzheng.adapters.certificate_render import certificate_view, render_html, render_pdf
from jianzheng.adapters.keyring import platform_key_paths
from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.ledger.canonical import canonical_bytes
from jianzheng.ledger.certificate import Certificate, parse_certificate
from jianzheng.ledger.certificate_check import verify_certificate
from jianzheng.ledger.cosignature import CosignatureSigner
from jianzheng.ledger.keys import verifier_key
from jianzheng.ledger.note import parse_note
from jianzheng.services.actor import Actor
from jianzheng.services.certificates import CertificateIssuer, verify_bundle
from jianzheng.services.ports import StoredCosignature
from tests.support.tender import TenderWorld, announce, bid_with, build_world, evaluate, open_lot, register_lot

PRICES = {"bidder1": 950_000_000, "bidder2": 960_000_000, "bidder3": 970_000_000}


def issuer(world: TenderWorld) -> CertificateIssuer:
    s = world.services
    return CertificateIssuer(s.store, s.checkpointer, s.platform.clock)


def platform_keys(world: TenderWorld) -> list[str]:
    return [p.verifier.read_text().strip() for p in platform_key_paths(world.services.settings.data_dir).values()]


def complete_tender(world: TenderWorld) -> str:
    """Registration, documents, three bids from three addresses, opening, evaluation, award, contract, refunds."""
    lot = register_lot(world)
    announce(world, lot)
    for n, (bidder, price) in enumerate(PRICES.items(), start=1):
        bid_with(world, lot, bidder, price, source_ip=f"192.0.2.{n}")
    open_lot(world, lot)
    evaluate(world, lot)
    p, a = world.platform, world.actors
    world.clock.advance(timedelta(days=1))
    p.lot_command(a["agency"], lot, c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    p.lot_command(a["tenderer"], lot, c.Award(world.parties["bidder1"]))
    world.clock.advance(timedelta(days=10))
    p.lot_command(a["tenderer"], lot, c.SignContract(PRICES["bidder1"], 50_000_000))
    world.clock.advance(timedelta(days=2))
    for deposit in world.services.queries.deposits(a["agency"], lot):
        p.lot_command(a["agency"], lot, c.RefundDeposit(deposit["deposit_id"], 1000))
    assert world.services.queries.lot(a["staff"], lot)["stage"] == "completed"
    return lot


class Issued:
    def __init__(self, world: TenderWorld, lot: str, cert: Certificate, other: Certificate) -> None:
        self.world, self.lot, self.cert, self.other = world, lot, cert, other
        self.keys = platform_keys(world)

    def doc(self) -> dict[str, Any]:
        return json.loads(self.cert.to_bytes())

    def index(self, event_type: str) -> int:
        return next(i for i, e in enumerate(self.cert.events) if e.event["type"] == event_type)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    world = build_world(tmp_path_factory.mktemp("certificate") / "data")
    lot = complete_tender(world)
    other = register_lot(world)
    announce(world, other)
    cert = issuer(world).issue(world.actors["staff"], lot)
    other_cert = issuer(world).issue(world.actors["staff"], other)
    yield Issued(world, lot, cert, other_cert)
    world.services.engine.dispose()


def test_a_complete_tender_certificate_verifies_offline_with_the_published_keys(world: TenderWorld) -> None:
    lot = complete_tender(world)
    cert = issuer(world).issue(world.actors["staff"], lot)
    outcome = verify_bundle(cert.to_bytes(), platform_keys(world))
    assert outcome.ok, [f.en for f in outcome.report.failures]
    assert outcome.report.trust == "pinned"
    with world.services.store.read() as session:
        lot_seqs = [e.seq for e in session.lot_events(lot)]
        tree_size = session.tree_size()
    kinds: dict[str, list[int]] = {}
    for event in cert.events:
        kinds.setdefault(event.kind, []).append(event.seq)
    assert kinds["lot"] == lot_seqs  # every event of the lot's stream, in order
    assert len(kinds["project"]) == 1
    streams = {e.event["stream"] for e in cert.events}
    assert {f"party:{world.parties[k]}" for k in ("tenderer", "agency", *PRICES)} <= streams
    assert not any(s.startswith("person:") for s in streams)  # resident ID numbers stay out
    actors = {e.event["actor"] for e in cert.events if e.kind == "lot"}
    assert {f"user:{a}" for a in actors} <= streams
    assert outcome.report.checkpoint is not None and outcome.report.checkpoint.size == tree_size


def test_document_digests_match_the_stored_files(issued: Issued) -> None:
    world, cert = issued.world, issued.cert
    names = {d.name for d in cert.documents}
    assert {"招标文件.pdf", "投标文件.pdf"} <= names
    bid_docs = [d for d in cert.documents if d.name == "投标文件.pdf"]
    assert {d.bidder_id for d in bid_docs} == {world.parties[b] for b in PRICES}
    stored = world.services.blobs.get(bid_docs[0].sha256)
    outcome = verify_bundle(cert.to_bytes(), documents=[("bid.pdf", stored), ("forged.pdf", stored + b"x")])
    (_, good), (_, bad) = outcome.documents
    assert good.ok and good.matches[0].seq == bid_docs[0].seq
    assert not bad.ok and bad.problems[0].code == "document.no_match"
    assert not outcome.ok  # one document does not match: the whole check says so


def test_a_checkpoint_is_made_when_the_newest_events_are_not_covered(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    bid_with(world, lot, "bidder1", 950_000_000)  # bids change no stage: no checkpoint yet covers them
    with world.services.store.read() as session:
        before = session.checkpoint_count()
        assert session.latest_checkpoint().tree_size < session.tree_size()  # type: ignore[union-attr]
    cert = issuer(world).issue(world.actors["staff"], lot)
    with world.services.store.read() as session:
        latest = session.latest_checkpoint()
        assert session.checkpoint_count() == before + 1
        assert latest is not None and latest.reason == "certificate" and latest.tree_size == session.tree_size()
    assert parse_note(cert.checkpoint).text == parse_note(latest.note).text
    assert verify_certificate(cert).ok
    # Nothing new since: the same checkpoint serves the next certificate, none is added.
    issuer(world).issue(world.actors["staff"], lot)
    with world.services.store.read() as session:
        assert session.checkpoint_count() == before + 1


def test_a_cosigned_checkpoint_is_preferred_and_its_witness_can_be_pinned(world: TenderWorld) -> None:
    lot = register_lot(world)
    announce(world, lot)
    witness = CosignatureSigner("bureau.example/witness", clock=lambda: 1_775_000_000)
    with world.services.store.write() as session:
        covering = session.latest_checkpoint()
        assert covering is not None
        line = witness.cosign(covering.note)
        session.add_cosignature(covering.checkpoint_id, StoredCosignature(
            witness.name, line.key_id.hex(), line.line(), 1_775_000_000, "2026-03-02T01:00:00.000Z"))
    world.person("late", ("staff",))  # the log grows; a newer, uncosigned checkpoint follows
    newer = world.services.checkpointer.checkpoint("time")
    assert newer is not None and newer.tree_size > covering.tree_size
    cert = issuer(world).issue(world.actors["staff"], lot, [verifier_key(witness)])
    assert parse_note(cert.checkpoint).text == parse_note(covering.note).text
    outcome = verify_bundle(cert.to_bytes(), platform_keys(world), [verifier_key(witness)])
    assert outcome.ok, [f.en for f in outcome.report.failures]
    assert [(s.name, s.timestamp) for s in outcome.report.cosignatures] == [(witness.name, 1_775_000_000)]
    stranger = CosignatureSigner("notary.example/witness")
    refused = verify_bundle(cert.to_bytes(), platform_keys(world), [verifier_key(stranger)])
    assert [f.code for f in refused.report.failures] == ["cosignature.missing"]


def test_who_may_obtain_a_certificate(world: TenderWorld) -> None:
    """The same right as reading the lot's operation log: staff, supervisors, the lot's own tenderer and agency."""
    lot = register_lot(world)
    for who in ("staff", "supervisor", "agency", "tenderer"):
        assert issuer(world).issue(world.actors[who], lot).lot_id == lot
    for who in ("bidder1", "expert1"):
        with pytest.raises(Refusal) as caught:
            issuer(world).issue(world.actors[who], lot)
        assert caught.value.status == 403, who


def test_the_public_and_unknown_lots_are_refused(world: TenderWorld) -> None:
    lot = register_lot(world)
    with pytest.raises(Refusal) as public:
        issuer(world).issue(Actor.anonymous(), lot)
    assert public.value.status == 403
    with pytest.raises(Refusal) as unknown:
        issuer(world).issue(world.actors["staff"], "PRJNOPE-01")
    assert unknown.value.status == 404 and "PRJNOPE-01" in unknown.value.message_zh


# -- tampering with a real certificate ------------------------------------------------------------


def _opened_payload(i: Issued, doc: dict[str, Any]) -> int:
    position = i.index("lot.opened")
    doc["events"][position]["event"]["payload"]["bids"][0]["price_fen"] += 1
    return int(doc["events"][position]["seq"])


def _entry(i: Issued, doc: dict[str, Any]) -> int:
    position = i.index("lot.awarded")
    item = doc["events"][position]
    event = json.loads(base64.b64decode(item["entry"]))
    event["payload"]["price_fen"] -= 100_000_00
    item["entry"] = base64.b64encode(canonical_bytes(event)).decode()
    item["event"] = event
    return int(item["seq"])


def _proof_hash(i: Issued, doc: dict[str, Any]) -> int:
    item = doc["events"][i.index("lot.bid_submitted")]
    head, _, rest = item["proof"].partition("\n\n")
    lines = head.split("\n")
    raw = bytearray(base64.b64decode(lines[-1]))
    raw[-1] ^= 0x80
    lines[-1] = base64.b64encode(bytes(raw)).decode()
    item["proof"] = "\n".join(lines) + "\n\n" + rest
    return int(item["seq"])


def _root(i: Issued, doc: dict[str, Any]) -> None:
    root = parse_note(doc["checkpoint"]).text.split("\n")[2]
    forged = base64.b64encode(bytes(range(32))).decode()
    doc["checkpoint"] = doc["checkpoint"].replace(root, forged)


def _signature(i: Issued, doc: dict[str, Any]) -> None:
    encoded = parse_note(doc["checkpoint"]).signatures[0].line().rsplit(" ", 1)[1].strip()
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01
    doc["checkpoint"] = doc["checkpoint"].replace(encoded, base64.b64encode(bytes(raw)).decode())


def _remove(i: Issued, doc: dict[str, Any]) -> int:
    return int(doc["events"].pop(i.index("lot.score_submitted"))["seq"])


def _insert(i: Issued, doc: dict[str, Any]) -> int:
    foreign = next(e for e in i.other.events if e.kind == "lot" and e.event["type"] == "lot.documents_compiled")
    doc["events"].append(foreign.to_json())
    return foreign.seq


TAMPERING: dict[str, tuple[Callable[[Issued, dict[str, Any]], int | None], set[str]]] = {
    "event payload edited": (_opened_payload, {"event.mismatch"}),
    "entry edited": (_entry, {"manifest.leaf_hash", "proof.inclusion"}),
    "proof hash flipped": (_proof_hash, {"proof.inclusion"}),
    "checkpoint root changed": (_root, {"checkpoint.signature", "manifest.checkpoint", "proof.checkpoint"}),
    "signature corrupted": (_signature, {"checkpoint.signature"}),
    "event removed": (_remove, {"manifest.missing_event"}),
    "another lot's event inserted": (_insert, {"event.foreign", "manifest.extra_event"}),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_with_the_bundle_is_found_and_named(issued: Issued, name: str) -> None:
    tamper, codes = TAMPERING[name]
    doc = issued.doc()
    seq = tamper(issued, doc)
    outcome = verify_bundle(json.dumps(doc, ensure_ascii=False).encode(), issued.keys)
    assert not outcome.ok
    found = {f.code for f in outcome.report.failures}
    assert codes <= found, f"{name}: {found}"
    if seq is not None:  # the failure names the event and its leaf
        named = [f for f in outcome.report.failures if f.code in codes and f.seq == seq]
        assert named and named[0].leaf_index == seq - 1
        assert f"事件 {seq}" in named[0].zh and f"event seq {seq}" in named[0].en


def test_a_wrong_pinned_key_is_refused(issued: Issued) -> None:
    other_world_key = next(k for k in platform_keys(build_world(issued.world.services.settings.data_dir.parent
                                                                / "stranger")) if "+" in k)
    outcome = verify_bundle(issued.cert.to_bytes(), [other_world_key, issued.keys[1]])
    codes = {f.code for f in outcome.report.failures}
    assert {"key.pinned_mismatch", "checkpoint.unsigned"} <= codes
    assert not outcome.ok


def test_a_malformed_upload_is_a_failed_verification(issued: Issued) -> None:
    outcome = verify_bundle(b"{\"format\": \"something else\"}", issued.keys)
    assert not outcome.ok and outcome.report.failures[0].code == "format"
    with pytest.raises(Refusal) as caught:  # a malformed pinned key is bad input, not a verdict
        verify_bundle(issued.cert.to_bytes(), ["not a key"])
    assert caught.value.status == 422 and caught.value.field == "key"
    with pytest.raises(Refusal) as private:
        verify_bundle(issued.cert.to_bytes(), [f"PRIVATE+KEY+{issued.keys[0]}"])
    assert "私钥" in private.value.message_zh


# -- the readable renderings ---------------------------------------------------------------------


def test_the_html_shows_the_timeline_with_shanghai_times_actors_roles_and_ips(issued: Issued) -> None:
    html = render_html(certificate_view(issued.cert))
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http://" not in html
    timeline = html[html.index('id="timeline"'):html.index('id="documents"')]
    rows = re.findall(r"<tr><td>(\d+)</td>", timeline)
    assert [int(r) for r in rows] == [e.seq for e in issued.cert.events if e.kind == "lot"]
    for label in ("标段登记", "发布招标公告", "递交投标文件", "开标", "组建评标委员会", "发出中标通知书", "签订合同",
                  "退还投标保证金"):
        assert label in timeline
    assert "2026-03-02 09:00:00" in timeline  # 01:00 UTC shown as Shanghai time
    assert "192.0.2.2" in timeline and "招标代理机构" in timeline and "bidder2有限公司" in timeline
    assert "账号agency" in timeline  # the actor's display name from its account registration
    document = issued.cert.documents[0]
    assert document.sha256 in html and document.sm3 in html
    assert "如何验证" in html and "--key" in html


def pdf_text(data: bytes) -> str:
    """The text a PDF shows in the STSong-Light CID font (UCS-2 strings in the content streams)."""
    font = re.search(rb"/BaseFont /STSong-Light.*?/Name /(F\d+)", data, re.S)
    assert font is not None, "STSong-Light is not used"
    shown: list[str] = []
    for match in re.finditer(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2)
        if b"/Subtype" in head:  # images, fonts: not page content
            continue
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"), adobe=False, ignorechars=b" \t\r\n")
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        current = b""
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", body, re.S):
            if token.group(1):
                current = token.group(1)
            elif current == font.group(1):
                raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                             else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)),
                             token.group(2), flags=re.S)
                shown.append(raw.decode("utf-16-be", errors="replace"))
    return "".join(shown)


def test_the_pdf_is_a_valid_pdf_with_the_chinese_text(issued: Issued) -> None:
    data = render_pdf(certificate_view(issued.cert, verify_certificate(issued.cert)))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    offset = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    assert offset is not None and data[int(offset.group(1)):].startswith(b"xref")  # the cross-reference table
    assert len(re.findall(rb"/Type /Page\b", data)) >= 3
    text = pdf_text(data)
    for phrase in ("电子见证证书", "全过程时间线", "项目与标段", "滇池路改造工程", "发布招标公告", "文件摘要",
                   "账本检查点与签名", "如何验证", "验证通过"):
        assert phrase in text, phrase
    assert "2026-03-02 09:00:00" in text
    assert "\u00b7" not in text  # STSong-Light's CMap has no glyph for the middle dot: it would print as a box


def test_render_accepts_a_bundle_read_back_from_its_file(issued: Issued, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(issued.cert.to_bytes())
    data = path.read_bytes()
    view = certificate_view(parse_certificate(data), bundle_bytes=data)
    assert view.lot_id == issued.lot and view.lot_event_count == sum(1 for e in issued.cert.events if e.kind == "lot")
    assert len(view.bundle_sha256) == 64 and view.tenderer == "tenderer有限公司"


def test_a_rendering_with_its_verification_marks_the_failing_events(issued: Issued) -> None:
    doc = issued.doc()
    seq = _entry(issued, doc)
    cert = parse_certificate(json.dumps(doc).encode())
    view = certificate_view(cert, verify_certificate(cert))
    assert view.verified is False and view.failures
    assert [r.seq for r in view.timeline if r.failed] == [seq]
    html = render_html(view)
    assert "验证未通过" in html and f"event seq {seq} (leaf index {seq - 1})" in html
    assert 'class="failed"' in html
