"""The pieces of `verify`: the canonical-form check, the tree rebuild and node comparison, the
value comparison, the witness keys it reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianzheng.adapters.sql.verify.canonical_check import parse_entry
from jianzheng.adapters.sql.verify.keys import load_keys
from jianzheng.adapters.sql.verify.tree import PLACEHOLDER, TreeBuilder, compare_nodes
from jianzheng.adapters.witness_registry import FileWitnessRegistry
from jianzheng.domain.errors import Refusal
from jianzheng.ledger import merkle
from jianzheng.ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes
from jianzheng.ledger.hashing import leaf_hash
from jianzheng.ledger.keys import generate_signer, save_verifier_key, verifier_key
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.services.witnesses import RegisteredWitness

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(text, values, max_size=6))
def test_canonical_entries_are_recognised_and_others_are_not(document: dict[str, Any]) -> None:
    canonical = canonical_bytes(document).decode("utf-8")
    parsed, ok = parse_entry(canonical)
    assert ok and parsed == document
    for other in (json.dumps(document), json.dumps(document, ensure_ascii=False, sort_keys=True),
                  json.dumps(document, ensure_ascii=False, separators=(",", ":"))):
        assert parse_entry(other)[1] == (other == canonical)


@pytest.mark.parametrize(("entry", "canonical"), [
    ('{"a":1,"b":"x"}', True),
    ('{"b":1,"a":2}', False),  # keys out of order
    ('{"a": 1}', False),  # whitespace
    ('{"a":1.5}', False),  # the ledger has no floating point
    ('{"a":1E2}', False),
    ('{"a":NaN}', False),
    ('{"a":9007199254740991}', True),  # 2^53 - 1
    ('{"a":9007199254740992}', False),  # beyond what other implementations hold exactly
    ('{"a":"6222000000000001"}', True),  # a long digit string is fine
    ('{"a":"\\u00e9"}', False),  # JCS writes é itself
    ('{"a":"é"}', True),
    ('{"a":"\\u001f"}', True),  # control characters stay escaped, in lower case
    ('{"\U0001f600":2,"\ue000":1}', True),  # UTF-16 order: the surrogate pair sorts first
    ('{"\ue000":1,"\U0001f600":2}', False),
    ('{"a":1,"a":2}', False),  # a duplicate key
])
def test_canonical_form_edge_cases(entry: str, canonical: bool) -> None:
    assert parse_entry(entry)[1] is canonical


def test_an_entry_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_entry('{"a":')


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 31, 64, 100])
def test_the_rebuilt_tree_has_every_stored_node_and_root(size: int) -> None:
    store = MemoryNodeStore()
    merkle.append(store, 0, leaves(size))
    built = TreeBuilder()
    for leaf in leaves(size):
        built.add(leaf)
    assert sum(built.count(level) for level in range(len(built.levels))) == store.node_count()
    for level in range(len(built.levels)):
        for index in range(built.count(level)):
            assert built.node(level, index) == store.get_nodes([(level, index)])[0]
    for n in range(size + 1):
        assert built.root(n) == merkle.root(store, n)


def stored(store: MemoryNodeStore) -> list[tuple[int, int, bytes]]:
    rows = []
    for level, row in enumerate(store._levels):
        rows += [(level, i, bytes(row[i * 32:(i + 1) * 32])) for i in range(len(row) // 32)]
    return rows


def test_node_comparison_names_changed_missing_and_extra_nodes() -> None:
    store = MemoryNodeStore()
    merkle.append(store, 0, leaves(20))
    built = TreeBuilder()
    for leaf in leaves(20):
        built.add(leaf)
    found: list[tuple[str, int, int, bool]] = []

    def report(kind: str, level: int, index: int, value: bytes | None, consequence: bool) -> None:
        found.append((kind, level, index, consequence))

    compare_nodes(built, stored(store), set(), report)
    assert found == []
    rows = stored(store)
    changed = [(lv, i, b"\x05" * 32 if (lv, i) == (2, 1) else h) for lv, i, h in rows if (lv, i) != (1, 7)]
    changed.append((0, 20, b"\x06" * 32))
    changed.sort()
    tree = compare_nodes(built, changed, set(), report)
    assert ("differs", 2, 1, False) in found and ("missing", 1, 7, False) in found
    assert ("extra", 0, 20, False) in found
    # The parent of the missing node is stored intact: it is not reported.
    assert not any(level == 2 and index == 3 for _, level, index, _ in found)
    assert tree.overrides[(2, 1)] == b"\x05" * 32 and (1, 7) in tree.missing
    assert tree.changed_below(5) and not tree.changed_below(4)


def test_nodes_above_a_missing_event_are_consequences() -> None:
    store = MemoryNodeStore()
    merkle.append(store, 0, leaves(8))
    built = TreeBuilder()
    for i, leaf in enumerate(leaves(8)):
        built.add(PLACEHOLDER if i == 5 else leaf)
    found: list[tuple[str, int, int, bool]] = []
    compare_nodes(built, stored(store), {5}, lambda k, lv, i, v, c: found.append((k, lv, i, c)))
    assert sorted(found) == [("differs", 0, 5, True), ("differs", 1, 2, True), ("differs", 2, 1, True),
                             ("differs", 3, 0, True)]


def test_witness_keys_come_from_files_the_registry_and_published_keys(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = generate_signer("center.example/ledger", "ed25519")
    save_verifier_key(data / "keys" / "platform-ed25519.vkey", platform)
    registered = generate_signer("bureau.example/witness", "cosignature")
    FileWitnessRegistry(data).add(RegisteredWitness(registered.name, "https://bureau.example/tlog",
                                                    verifier_key(registered)))
    given_file = generate_signer("notary.example/witness", "cosignature")
    save_verifier_key(tmp_path / "notary.vkey", given_file)
    keys = load_keys(data, witness_files=[tmp_path / "notary.vkey"])
    assert keys.platform == (verifier_key(platform),)
    assert set(keys.witnesses) == {verifier_key(registered), verifier_key(given_file)}
    other = generate_signer("center.example/ledger", "sm2")
    save_verifier_key(tmp_path / "other.vkey", other)
    assert load_keys(data, platform_files=[tmp_path / "other.vkey"]).platform == (verifier_key(other),)
    with pytest.raises(Refusal) as refused:
        load_keys(data, witness_files=[tmp_path / "other.vkey"])
    assert "cosignature" in refused.value.message_en and "副签" in refused.value.message_zh
    with pytest.raises(Refusal):
        load_keys(data, platform_files=[tmp_path / "absent.vkey"])


def scores_row(points: Any, total: int = 1) -> list[Any]:
    return ["L1", "P1", "B1", points, total, None, "2026-03-02T01:00:00.000Z", 7]


def test_json_values_compare_as_data_with_their_types() -> None:
    from jianzheng.adapters.sql.tables import scores
    from jianzheng.adapters.sql.verify.compare import compare_table
    from jianzheng.adapters.sql.verify.replay import ReplayedTable
    from jianzheng.adapters.sql.verify.report import Report

    names = tuple(c.name for c in scores.columns)
    replayed = ReplayedTable("scores", names, [scores_row({"a": True, "b": [1, 2]})])
    same = Report()
    compare_table(scores, [tuple(scores_row('{"b": [1, 2], "a": true}'))], replayed, same, json_as_text=True)
    assert same.ok
    changed = Report()
    compare_table(scores, [tuple(scores_row('{"a": 1, "b": [1, 2]}'))], replayed, changed, json_as_text=True)
    [found] = changed.discrepancies
    assert (found.kind, found.field, found.live, found.replayed) == ("table.field", "points", {"a": 1, "b": [1, 2]},
                                                                     {"a": True, "b": [1, 2]})
    decoded = Report()  # PostgreSQL hands JSON over decoded; an integer that arrives as text compares equal
    compare_table(scores, [("L1", "P1", "B1", {"a": True, "b": [1, 2]}, "1", None, "2026-03-02T01:00:00.000Z", 7)],
                  replayed, decoded)
    assert decoded.ok


def test_a_missing_read_table_is_named(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from jianzheng.adapters.sql.verify import VerifyOptions, verify
    from tests.support.tender import build_world

    world = build_world(tmp_path / "data", bidders=1, experts=0)
    with world.services.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE watchlist"))
    keys = load_keys(world.services.settings.data_dir)
    report = verify(world.services.engine, VerifyOptions(keys.platform, workers=0))
    assert [(d.kind, d.table) for d in report.discrepancies] == [("table.absent", "watchlist")]
    assert "watchlist" in report.discrepancies[0].zh
    world.services.engine.dispose()


def test_blob_references_are_found_anywhere_in_a_payload_and_checked(tmp_path: Path) -> None:
    from jianzheng.adapters.blobs import FileBlobStore
    from jianzheng.adapters.sql.verify.blobs import BlobReferences, check_blobs

    store = FileBlobStore(tmp_path / "blobs")
    good, changed = store.put(b"tender documents"), store.put(b"a bid")
    references = BlobReferences()
    references.scan(3, {"document": {"name": "a.pdf", "sha256": good.sha256, "sm3": good.sm3, "size": good.size}})
    references.scan(4, {"content_sha256": changed.sha256, "content_sm3": changed.sm3,
                        "documents": [{"sha256": "not-a-digest", "sm3": "x"}], "envelope": None})
    references.scan(5, {"content_sha256": "", "content_sm3": ""})  # no content: nothing to check
    assert [(r.seq, r.where) for r in references.found.values()] == [
        (3, "payload.document"), (4, "payload.content_sha256"), (4, "payload.documents[0]")]
    checked, problems = check_blobs(store, references.found.values())
    assert checked == 2 and [p.kind for p in problems] == ["blob.invalid_digest"]
    store.path(changed.sha256).write_bytes(b"another bid")
    _, problems = check_blobs(store, references.found.values())
    assert sorted(p.kind for p in problems) == ["blob.invalid_digest", "blob.sha256", "blob.sm3"]
    assert all(p.seq == 4 for p in problems)
