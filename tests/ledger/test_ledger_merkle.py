"""Merkle tree hashing, roots and proofs against RFC 6962/9162 and its reference vectors.

The vectors are the eight-leaf tree used by Certificate Transparency and Trillian, as
published in github.com/transparency-dev/merkle: ``testonly/constants.go`` (leaf inputs,
node hashes, root hashes) and ``proof/verify_test.go`` (inclusion and consistency proofs;
leaf numbers there are 1-based, converted to 0-based indexes here).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianzheng.ledger.errors import MissingNodeError, ProofError
from jianzheng.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from jianzheng.ledger.merkle import append, compute_append, root
from jianzheng.ledger.nodestore import MemoryNodeStore
from jianzheng.ledger.proofs import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAF_INPUTS = [
    bytes.fromhex(x)
    for x in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODE_HASHES = {
    (0, 1): "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    (0, 7): "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
}
INCLUSION_VECTORS = [  # (index, size, proof)
    (0, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (5, 8, ["bc1a0643", "ca854ea1", "d37ee418"]),
    (2, 3, ["fac54203"]),
    (1, 5, ["6e340b9c", "5f083f0a", "bc1a0643"]),
    (0, 1, []),
]
CONSISTENCY_VECTORS = [  # (old, new, proof)
    (1, 1, []),
    (1, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (6, 8, ["0ebc5d34", "ca854ea1", "d37ee418"]),
    (2, 5, ["5f083f0a", "bc1a0643"]),
    (6, 7, ["0ebc5d34", "b08693ec", "d37ee418"]),
]


def build(leaves: list[bytes]) -> MemoryNodeStore:
    store = MemoryNodeStore()
    append(store, 0, [leaf_hash(x) for x in leaves])
    return store


def reference_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 MTH by its recursive definition, independent of the node store."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def test_hashing_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert EMPTY_ROOT.hex() == ROOTS[0]


def test_roots_match_reference_vectors() -> None:
    store = MemoryNodeStore()
    size = 0
    assert root(store, 0).hex() == ROOTS[0]
    for leaf in LEAF_INPUTS:
        size, new_root, _ = append(store, size, [leaf_hash(leaf)])
        assert new_root.hex() == ROOTS[size]
    for size in range(9):
        assert root(store, size).hex() == ROOTS[size]


def test_stored_nodes_match_reference_node_hashes() -> None:
    store = build(LEAF_INPUTS)
    for address, expected in NODE_HASHES.items():
        assert store.get_nodes([address])[0].hex() == expected


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_VECTORS)
def test_inclusion_vectors(index: int, size: int, expected: list[str]) -> None:
    store = build(LEAF_INPUTS)
    proof = inclusion_proof(store, index, size)
    assert [p.hex()[:8] for p in proof] == expected
    assert verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY_VECTORS)
def test_consistency_vectors(old: int, new: int, expected: list[str]) -> None:
    store = build(LEAF_INPUTS)
    proof = consistency_proof(store, old, new)
    assert [p.hex()[:8] for p in proof] == expected
    roots = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert verify_consistency(old, new, *roots, proof)


def test_batched_and_single_appends_agree() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(300)]
    one_by_one = MemoryNodeStore()
    size = 0
    for h in hashes:
        size, _, _ = append(one_by_one, size, [h])
    batched = MemoryNodeStore()
    size2, root2, nodes = append(batched, 0, hashes[:77])
    size2, root2, _ = append(batched, size2, hashes[77:])
    assert size2 == size == 300
    assert root2 == root(one_by_one, 300) == reference_root(hashes)
    assert batched.node_count() == one_by_one.node_count() == 2 * 300 - bin(300).count("1")


def test_compute_append_writes_nothing() -> None:
    store = build(LEAF_INPUTS[:3])
    result = compute_append(store, 3, [leaf_hash(b"x")])
    assert result.size == 4 and len(result.nodes) == 3
    with pytest.raises(MissingNodeError):
        store.get_nodes([(0, 3)])


def test_impossible_requests_are_refused() -> None:
    store = build(LEAF_INPUTS)
    with pytest.raises(ProofError):
        inclusion_proof(store, 8, 8)
    with pytest.raises(ProofError):
        consistency_proof(store, 5, 4)
    with pytest.raises(MissingNodeError):
        root(store, 9)
    with pytest.raises(ProofError):
        append(store, 8, [b"short"])
    with pytest.raises(ValueError):
        store.put_nodes([((0, 0), b"\x00" * 32)])  # nodes are immutable


def test_consistency_trivial_cases() -> None:
    r = bytes.fromhex(ROOTS[5])
    assert verify_consistency(5, 5, r, r, [])
    assert not verify_consistency(5, 5, r, bytes.fromhex(ROOTS[6]), [])
    assert not verify_consistency(5, 5, r, r, [r])
    assert verify_consistency(0, 5, EMPTY_ROOT, r, [])
    assert not verify_consistency(0, 5, r, r, [])
    assert not verify_consistency(1, 2, bytes.fromhex(ROOTS[1]), bytes.fromhex(ROOTS[2]), [])


def _mutations(proof: list[bytes]) -> list[list[bytes]]:
    out: list[list[bytes]] = [proof + [b"\x00" * 32], [b"\x00" * 32] + proof]
    if proof:
        out.append(proof[:-1])
        out.append(proof[1:])
        out.append(proof + [proof[-1]])
    for i in range(len(proof)):
        flipped = bytearray(proof[i])
        flipped[i % 32] ^= 0x10
        out.append(proof[:i] + [bytes(flipped)] + proof[i + 1 :])
        if i + 1 < len(proof):
            swapped = list(proof)
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            if swapped != proof:
                out.append(swapped)
    return out


SIZES = st.integers(min_value=1, max_value=600)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=SIZES)
def test_every_inclusion_proof_verifies_and_alterations_fail(data: st.DataObject, size: int) -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    store = MemoryNodeStore()
    append(store, 0, hashes)
    tree_root = root(store, size)
    assert tree_root == reference_root(hashes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(store, index, size)
    assert verify_inclusion(hashes[index], index, size, proof, tree_root)
    for bad in _mutations(proof):
        assert not verify_inclusion(hashes[index], index, size, bad, tree_root)
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
    if size > 1:
        assert not verify_inclusion(hashes[index], other, size, proof, tree_root)
        assert not verify_inclusion(hashes[other], index, size, proof, tree_root)
    # Wrong tree sizes, probed as the transparency-dev/merkle tests do (twice, half). An
    # arbitrary nearby size can share the proof's shape (e.g. index 0 at sizes 129 and 130),
    # which is why a proof is only meaningful against a signed (size, root) pair.
    for wrong_size in (2 * size, size // 2):
        if wrong_size > index:
            assert not verify_inclusion(hashes[index], index, wrong_size, proof, tree_root)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), new=SIZES)
def test_every_consistency_proof_verifies_and_alterations_fail(data: st.DataObject, new: int) -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(new)]
    store = MemoryNodeStore()
    append(store, 0, hashes)
    old = data.draw(st.integers(min_value=1, max_value=new))
    old_root, new_root = root(store, old), root(store, new)
    proof = consistency_proof(store, old, new)
    assert verify_consistency(old, new, old_root, new_root, proof)
    if old == new:
        return
    for bad in _mutations(proof):
        assert not verify_consistency(old, new, old_root, new_root, bad)
    for wrong_old in {old - 1, old + 1} - {0, new}:
        assert not verify_consistency(wrong_old, new, old_root, new_root, proof)
    for wrong_new in (2 * new, new // 2):  # see the inclusion test on nearby sizes
        if wrong_new > old:
            assert not verify_consistency(old, wrong_new, old_root, new_root, proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)
    # A fork: the same old tree, but one later leaf differs.
    forked = list(hashes)
    changed = data.draw(st.integers(min_value=old, max_value=new - 1))
    forked[changed] = leaf_hash(b"forged")
    fork_store = MemoryNodeStore()
    append(fork_store, 0, forked)
    assert not verify_consistency(old, new, old_root, new_root, consistency_proof(fork_store, old, new))
    # A rewritten history: an old leaf changed.
    rewritten = list(hashes)
    rewritten[data.draw(st.integers(min_value=0, max_value=old - 1))] = leaf_hash(b"rewritten")
    rewrite_store = MemoryNodeStore()
    append(rewrite_store, 0, rewritten)
    rewritten_root = root(rewrite_store, new)
    assert not verify_consistency(old, new, old_root, rewritten_root, consistency_proof(rewrite_store, old, new))
