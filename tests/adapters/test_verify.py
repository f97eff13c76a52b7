"""`verify` on a real tender, on SQLite and PostgreSQL: it passes, and every kind of tampering is named.

Each test drives a complete tender through the services (registration to contract and deposit
refunds, with documents in the blob store), checks that verification passes, then changes
the database or the blob store the way an insider with SQL access could — a read-table row
edited, deleted or added; an event's entry edited or an event deleted after dropping the
append-only trigger; a tree node changed; a checkpoint signature altered; a document file
changed or deleted — and asserts the exact discrepancy that is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jianzheng.adapters.sql.verify import Discrepancy, Report, VerifyOptions, load_keys, verify
from jianzheng.domain import commands as c
from jianzheng.ledger.canonical import canonical_bytes
from jianzheng.ledger.keys import generate_signer, save_verifier_key
from jianzheng.services.platform import Upload
from jianzheng.services.ports import StoredCosignature
from tests.support.tender import TenderWorld, announce, bid, build_world, evaluate, open_lot, register_lot


def full_tender(world: TenderWorld) -> str:
    """One lot from registration to contract and refunds; returns its id."""
    p, staff = world.platform, world.actors["staff"]
    lot_id = register_lot(world)
    announce(world, lot_id)
    for i in range(1, 4):
        bid(world, lot_id, f"bidder{i}", 900_000_000 + i * 1_000_000)
    open_lot(world, lot_id)
    evaluate(world, lot_id)
    world.clock.advance(timedelta(days=1))
    p.lot_command(world.actors["agency"], lot_id, c.PublishCandidates(world.clock.now() + timedelta(days=3)))
    world.clock.advance(timedelta(days=4))
    ranked = sorted((b for b in world.services.queries.bids(staff, lot_id) if b.get("rank")), key=lambda b: b["rank"])
    p.lot_command(world.actors["tenderer"], lot_id, c.Award(ranked[0]["bidder_id"]))
    world.clock.advance(timedelta(days=5))
    contract = p.store_document(Upload("合同.pdf", b"%PDF contract for " + lot_id.encode(), "application/pdf"))
    p.lot_command(world.actors["tenderer"], lot_id, c.SignContract(int(ranked[0]["price_fen"]), 50_000_000, contract))
    world.clock.advance(timedelta(days=2))
    for deposit in world.services.queries.deposits(staff, lot_id):
        p.lot_command(world.actors["agency"], lot_id, c.RefundDeposit(deposit["deposit_id"], 1000))
    return lot_id


@pytest.fixture
def tender(tmp_path: Path, database_url: str) -> Iterator[tuple[TenderWorld, str]]:
    world = build_world(tmp_path / "data", database_url, bidders=3, experts=5)
    lot_id = full_tender(world)
    yield world, lot_id
    world.services.engine.dispose()


def options(world: TenderWorld, **changes: Any) -> VerifyOptions:
    data_dir = world.services.settings.data_dir
    keys = load_keys(data_dir)
    settings: dict[str, Any] = {"platform_keys": keys.platform, "witness_keys": keys.witnesses,
                                "blobs": world.services.blobs, "workers": 0}
    settings.update(changes)
    return VerifyOptions(**settings)


def check(world: TenderWorld, **changes: Any) -> Report:
    return verify(world.services.engine, options(world, **changes))


def kinds(report: Report) -> set[str]:
    return {d.kind for d in report.discrepancies if not d.consequence}


def only(report: Report, kind: str, **where: Any) -> Discrepancy:
    """The one primary discrepancy of ``kind`` matching ``where``."""
    found = [d for d in report.discrepancies if d.kind == kind and not d.consequence
             and all(getattr(d, k) == v for k, v in where.items())]
    assert len(found) == 1, (kind, where, [(d.kind, d.en) for d in report.discrepancies])
    return found[0]


def unguard(conn: sa.Connection, table: str) -> None:
    """Drop the append-only triggers of ``table``, as an insider with DDL rights could."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    else:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def event_of_type(conn: sa.Connection, kind: str) -> tuple[int, dict[str, Any]]:
    seq, entry = conn.execute(sa.text("SELECT seq, entry FROM events WHERE type = :t ORDER BY seq LIMIT 1"),
                              {"t": kind}).one()
    return int(seq), json.loads(entry)


def test_a_faithful_record_verifies_in_every_mode(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    fast = check(world)
    assert fast.ok, [d.en for d in fast.discrepancies]
    assert fast.stats["replay"] == "memory" and fast.stats["processes"] == 1
    with world.services.store.read() as session:
        size = session.tree_size()
        assert session.checkpoint_count() == fast.stats["checkpoints"] > 0
    assert fast.stats["events"] == fast.stats["tree_size"] == size
    assert fast.stats["tree_nodes"] == 2 * size - bin(size).count("1")
    assert fast.stats["blobs_checked"] >= 5  # tender documents, bids' contents and documents, the contract
    assert fast.stats["table_rows"] > 30
    exact = check(world, replay="sql")
    assert exact.ok and exact.stats["replay"] == "sql"
    parallel = check(world, workers=1, parallel_from=0)
    assert parallel.ok, [d.en for d in parallel.discrepancies]
    assert parallel.stats["processes"] == 2 and parallel.stats["events"] == size


def test_edited_deleted_and_added_read_table_rows_are_named(tender: tuple[TenderWorld, str]) -> None:
    world, lot_id = tender
    with world.services.engine.begin() as conn:
        name = conn.execute(sa.text("SELECT name FROM lots WHERE lot_id = :l"), {"l": lot_id}).scalar_one()
        bid_id, price = conn.execute(sa.text("SELECT bid_id, price_fen FROM bids WHERE lot_id = :l AND rank = 1"),
                                     {"l": lot_id}).one()
        deposit = conn.execute(sa.text("SELECT deposit_id FROM deposits ORDER BY deposit_id LIMIT 1")).scalar_one()
        conn.execute(sa.text("UPDATE lots SET name = '改过的标段名' WHERE lot_id = :l"), {"l": lot_id})
        conn.execute(sa.text("UPDATE bids SET price_fen = price_fen - 100000000 WHERE bid_id = :b"), {"b": bid_id})
        conn.execute(sa.text("DELETE FROM deposits WHERE deposit_id = :d"), {"d": deposit})
        conn.execute(sa.text("INSERT INTO parties (party_id, name, kind, source) VALUES ('PTYFORGED', '冒名公司', "
                             "'bidder', 'platform')"))
    report = check(world)
    assert not report.ok
    assert kinds(report) == {"table.field", "table.missing_row", "table.extra_row"}
    lot_name = only(report, "table.field", table="lots", field="name")
    assert lot_name.key == f"lot_id={lot_id}" and lot_name.live == "改过的标段名" and lot_name.replayed == name
    assert "lots" in lot_name.zh and "字段 name" in lot_name.zh and "field name" in lot_name.en
    price_field = only(report, "table.field", table="bids", field="price_fen")
    assert price_field.key == f"bid_id={bid_id}"
    assert price_field.live == price - 100_000_000 and price_field.replayed == price
    assert only(report, "table.missing_row", table="deposits").key == f"deposit_id={deposit}"
    assert only(report, "table.extra_row", table="parties").key == "party_id=PTYFORGED"
    assert report.counts == {"table.field": 2, "table.missing_row": 1, "table.extra_row": 1}


def test_an_event_edited_after_dropping_the_trigger_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, lot_id = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "events")
        seq, document = event_of_type(conn, "lot.opened")
        original = document["payload"]["bids"][0]["price_fen"]
        document["payload"]["bids"][0]["price_fen"] = original - 1
        bid_id = document["payload"]["bids"][0]["bid_id"]
        conn.execute(sa.text("UPDATE events SET entry = :e WHERE seq = :s"),
                     {"e": canonical_bytes(document).decode(), "s": seq})
    report = check(world)
    leaf = only(report, "tree.leaf", seq=seq)
    assert leaf.leaf == seq - 1 and "entry" in leaf.en and "was changed" in leaf.en
    # The replayed tables follow the edited ledger: the live price no longer matches it.
    price = only(report, "table.field", table="bids", field="price_fen")
    assert price.key == f"bid_id={bid_id}" and price.live == original and price.replayed == original - 1
    # Every node above the leaf and every later checkpoint differ too, as consequences.
    assert report.consequences["tree.node"] > 0 and report.consequences["checkpoint.root"] > 0
    assert kinds(report) == {"tree.leaf", "table.field"}


def test_an_event_whose_columns_disagree_with_its_entry_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "events")
        seq, document = event_of_type(conn, "lot.bid_submitted")
        conn.execute(sa.text("UPDATE events SET actor = 'mallory', source_ip = '10.6.6.6' WHERE seq = :s"), {"s": seq})
    report = check(world)
    actor = only(report, "event.column", seq=seq, field="actor")
    assert actor.live == "mallory" and actor.replayed == document["actor"]
    assert only(report, "event.column", seq=seq, field="source_ip").live == "10.6.6.6"
    assert kinds(report) == {"event.column"}  # the entry, the tree and the tables are untouched


def test_a_deleted_event_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "events")
        seq, _ = event_of_type(conn, "lot.deposit_refunded")
        conn.execute(sa.text("DELETE FROM events WHERE seq = :s"), {"s": seq})
    report = check(world)
    missing = only(report, "event.missing", seq=seq)
    assert missing.leaf == seq - 1 and "deleted" in missing.en and "删除" in missing.zh
    # Without the event the replay leaves that deposit unrefunded: the live row says otherwise.
    assert only(report, "table.field", table="deposits", field="refunded_at").replayed is None
    assert report.consequences["tree.node"] > 0
    assert "tree.leaf" not in kinds(report)


def test_a_deleted_last_event_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "events")
        last = int(conn.execute(sa.text("SELECT max(seq) FROM events")).scalar_one())
        conn.execute(sa.text("DELETE FROM events WHERE seq = :s"), {"s": last})
    report = check(world)
    assert only(report, "event.missing", seq=last).leaf == last - 1


def test_a_changed_tree_node_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "ledger_nodes")
        conn.execute(sa.text("UPDATE ledger_nodes SET hash = :h WHERE level = 2 AND idx = 3"), {"h": b"\x07" * 32})
        conn.execute(sa.text("UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND idx = 40"), {"h": b"\x09" * 32})
    report = check(world)
    node = only(report, "tree.node", node=(2, 3))
    assert node.leaf == 12 and "level 2, index 3" in node.en
    leaf = only(report, "tree.leaf", node=(0, 40))
    assert leaf.seq == 41 and "leaf node (level 0, index 40) was changed" in leaf.en
    assert kinds(report) <= {"tree.node", "tree.leaf", "checkpoint.inconsistent"}
    # The entries are intact, so the signed roots still match the roots recomputed from them.
    assert "checkpoint.root" not in report.counts and "checkpoint.root" not in report.consequences


def test_an_added_event_without_a_leaf_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        seq, document = event_of_type(conn, "lot.bid_submitted")
        last = int(conn.execute(sa.text("SELECT max(seq) FROM events")).scalar_one())
        forged = {**document, "seq": last + 1}
        conn.execute(sa.text(
            "INSERT INTO events (seq, time, actor, role, source_ip, command_id, type, stream, origin, lot_id, entry) "
            "VALUES (:seq, :time, :actor, :role, :source_ip, :command_id, :type, :stream, :origin, :lot_id, :entry)"),
            {**{k: forged[k] for k in ("seq", "time", "actor", "role", "source_ip", "command_id", "type", "stream",
                                       "origin")}, "lot_id": forged["stream"][4:],
             "entry": canonical_bytes(forged).decode()})
    report = check(world)
    assert only(report, "event.not_in_tree", seq=last + 1).leaf == last
    assert seq < last


def test_an_altered_checkpoint_signature_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "checkpoints")
        checkpoint_id, size, note = conn.execute(sa.text(
            "SELECT checkpoint_id, tree_size, note FROM checkpoints ORDER BY tree_size LIMIT 1")).one()
        text, signatures = note.rsplit("\n\n", 1)
        first, *rest = signatures.split("\n")
        name, encoded = first[2:].split(" ")
        flipped = encoded[:10] + ("A" if encoded[10] != "A" else "B") + encoded[11:]
        altered = text + "\n\n" + "\n".join([f"— {name} {flipped}", *rest])
        conn.execute(sa.text("UPDATE checkpoints SET note = :n WHERE checkpoint_id = :i"),
                     {"n": altered, "i": checkpoint_id})
        conn.execute(sa.text("UPDATE checkpoints SET root_hash = :r WHERE tree_size = (SELECT max(tree_size) "
                             "FROM checkpoints)"), {"r": b"\x01" * 32})
    report = check(world)
    signature = only(report, "checkpoint.signature", checkpoint=size)
    assert "does not verify" in signature.en and "验证失败" in signature.zh
    columns = [d for d in report.discrepancies if d.kind == "checkpoint.columns"]
    assert len(columns) == 1 and "differ from the signed note" in columns[0].en
    assert kinds(report) == {"checkpoint.signature", "checkpoint.columns"}


def test_a_checkpoint_without_a_platform_signature_is_named(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        unguard(conn, "checkpoints")
        checkpoint_id, size, note = conn.execute(sa.text(
            "SELECT checkpoint_id, tree_size, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1")).one()
        text, signatures = note.rsplit("\n\n", 1)
        kept = signatures.split("\n")[0] + "\n"  # drop the second (SM2) signature line
        conn.execute(sa.text("UPDATE checkpoints SET note = :n WHERE checkpoint_id = :i"),
                     {"n": text + "\n\n" + kept, "i": checkpoint_id})
    report = check(world)
    unsigned = only(report, "checkpoint.unsigned", checkpoint=size)
    assert "SM2" in unsigned.en


def test_cosignatures_are_checked_with_the_witness_key(tmp_path: Path, tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    witness = generate_signer("notary.example/witness", "cosignature")
    key_file = tmp_path / "witness.vkey"
    save_verifier_key(key_file, witness)
    with world.services.store.write() as session:
        latest = session.latest_checkpoint()
        assert latest is not None
        line = witness.cosign(latest.note)
        session.add_cosignature(latest.checkpoint_id, StoredCosignature(
            witness.name, line.key_id.hex(), line.line(), int.from_bytes(line.signature[:8], "big"),
            "2026-04-01T00:00:00.000Z"))
    unknown = check(world)
    assert unknown.ok and unknown.warnings == {"cosignature.unverified": 1}
    keys = load_keys(world.services.settings.data_dir, witness_files=[key_file])
    checked = check(world, witness_keys=keys.witnesses)
    assert checked.ok and not checked.warnings and checked.stats["cosignatures"] == 1
    with world.services.engine.begin() as conn:
        unguard(conn, "cosignatures")
        name, encoded = line.line()[2:-1].split(" ")
        flipped = encoded[:60] + ("A" if encoded[60] != "A" else "B") + encoded[61:]
        conn.execute(sa.text("UPDATE cosignatures SET line = :l"), {"l": f"— {name} {flipped}\n"})
    report = check(world, witness_keys=keys.witnesses)
    invalid = only(report, "cosignature.invalid", checkpoint=latest.tree_size)
    assert "notary.example/witness" in invalid.en


def test_changed_and_deleted_documents_are_named(tender: tuple[TenderWorld, str]) -> None:
    world, lot_id = tender
    blobs = world.services.blobs
    with world.services.engine.connect() as conn:
        tender_doc = conn.execute(sa.text("SELECT sha256 FROM lot_documents WHERE kind = 'tender' AND lot_id = :l"),
                                  {"l": lot_id}).scalar_one()
        contract_doc = conn.execute(sa.text("SELECT sha256 FROM lot_documents WHERE kind = 'contract'")).scalar_one()
    blobs.path(tender_doc).write_bytes(b"%PDF a different tender document")
    blobs.path(contract_doc).unlink()
    report = check(world)
    for kind in ("blob.sha256", "blob.sm3", "blob.size"):
        found = [d for d in report.discrepancies if d.kind == kind]
        assert found and all(d.digest == tender_doc and d.seq is not None for d in found), (kind, found)
    missing = [d for d in report.discrepancies if d.kind == "blob.missing"]
    assert missing and all(d.digest == contract_doc for d in missing)
    assert "missing" in missing[0].en and "不存在" in missing[0].zh
    assert kinds(report) == {"blob.sha256", "blob.sm3", "blob.size", "blob.missing"}
    assert check(world, blobs=None).ok  # without a blob store only the database is checked


def test_a_report_of_many_discrepancies_lists_at_most_the_limit(tender: tuple[TenderWorld, str]) -> None:
    world, _ = tender
    with world.services.engine.begin() as conn:
        conn.execute(sa.text("UPDATE scores SET comment = 'changed'"))
        changed = int(conn.execute(sa.text("SELECT count(*) FROM scores")).scalar_one())
    report = check(world, limit=3)
    assert report.counts["table.field"] == changed > 3
    assert len([d for d in report.discrepancies if d.kind == "table.field"]) == 3
    assert report.as_json()["counts"] == {"table.field": changed}
