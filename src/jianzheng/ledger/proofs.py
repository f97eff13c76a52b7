"""Inclusion and consistency proofs, generated from a node store and verified purely.

Generation follows RFC 9162 §2.1.3.1 (``PATH``) and §2.1.4.1 (``SUBPROOF``) literally,
but iteratively: each proof element is the hash of a leaf range, which
:func:`jianzheng.ledger.merkle.range_addresses` splits into stored perfect subtrees; all
of them are fetched in one batched ``get_nodes`` call.

Verification is the algorithm of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
(consistency), which needs only the sizes, the proof and the roots. The verifiers return
``bool`` and never raise for a bad proof, so callers cannot mistake an exception path for
success.

Public API::

    inclusion_proof(store, index, size) -> list[bytes]
    consistency_proof(store, old_size, new_size) -> list[bytes]
    verify_inclusion(leaf_hash, index, size, proof, root) -> bool
    verify_consistency(old_size, new_size, old_root, new_root, proof) -> bool
    root_from_inclusion_proof(leaf_hash, index, size, proof) -> bytes | None
"""

from __future__ import annotations

from collections.abc import Sequence

from jianzheng.ledger.errors import ProofError
from jianzheng.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from jianzheng.ledger.merkle import fold_right, range_addresses
from jianzheng.ledger.nodestore import NodeAddress, NodeStore

Range = tuple[int, int]


def _split(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[Range]:
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    # PATH lists the sibling nearest the leaf first; the loop found the top one first.
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    ranges: list[Range] = []
    lo, hi, m, whole_old_tree = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            # SUBPROOF(m, D[m], true) is empty: the verifier already knows the old root.
            if not whole_old_tree:
                ranges.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            whole_old_tree = False
    ranges.reverse()
    return ranges


def _hash_ranges(store: NodeStore, ranges: Sequence[Range]) -> list[bytes]:
    per_range = [range_addresses(lo, hi) for lo, hi in ranges]
    wanted: list[NodeAddress] = sorted({a for addresses in per_range for a in addresses})
    found = dict(zip(wanted, store.get_nodes(wanted), strict=True))
    return [fold_right([found[a] for a in addresses]) for addresses in per_range]


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(
            f"叶序号 {index} 不在大小为 {size} 的树内",
            f"leaf index {index} is outside a tree of size {size}",
        )
    return _hash_ranges(store, _inclusion_ranges(index, size))


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof from tree size ``old_size`` to ``new_size``.

    The proof is empty when ``old_size`` is 0 or equals ``new_size``.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(
            f"无法证明从大小 {old_size} 到 {new_size} 的一致性",
            f"cannot prove consistency from size {old_size} to {new_size}",
        )
    if old_size == 0 or old_size == new_size:
        return []
    return _hash_ranges(store, _consistency_ranges(old_size, new_size))


def _well_formed(hashes: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes | None:
    """Return the root implied by an inclusion proof, or ``None`` if it is malformed."""
    if not 0 <= index < size or not _well_formed([leaf_hash, *proof]):
        return None
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Skip the levels where this node has no right sibling (it is promoted).
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an inclusion proof as RFC 9162 §2.1.3.2 specifies."""
    return root_from_inclusion_proof(leaf_hash, index, size, proof) == root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Check a consistency proof as RFC 9162 §2.1.4.2 specifies.

    Trivial cases: equal sizes need an empty proof and equal roots; from the empty tree
    (``old_size == 0``) the proof must be empty and ``old_root`` the empty-tree hash.
    """
    if not 0 <= old_size <= new_size or not _well_formed([old_root, new_root, *proof]):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # A power-of-two old tree is a node of the new one; the proof omits its hash.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
