"""Appending to the Merkle tree and computing its root at any size, from a node store.

The tree is the RFC 6962/9162 tree: ``MTH(D[n]) = H(MTH(D[0:k]), MTH(D[k:n]))`` with
``k`` the largest power of two below ``n``. Any range ``[start, end)`` that the RFC's
recursion produces starts on a multiple of a power of two at least as large as its longest
perfect piece, so it splits into stored perfect subtrees (one per set bit of its length),
and its hash is those subtrees folded from the right. That is how roots and proof elements
are found with one batched read, without touching the leaves.

``append`` is meant to run inside the caller's database transaction: it reads the perfect
subtrees of the current tree (at most ``log2(size) + 1`` nodes), then writes every node
completed by the new leaves in a single ``put_nodes`` call, and returns them too.

Public API::

    class AppendResult(NamedTuple): size: int; root: bytes; nodes: tuple[(NodeAddress, bytes), ...]
    compute_append(store, size, leaf_hashes) -> AppendResult   # reads only
    append(store, size, leaf_hashes) -> AppendResult            # reads, then store.put_nodes
    root(store, size) -> bytes
    range_addresses(start, end) -> list[NodeAddress]
    fold_right(hashes) -> bytes
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from jianzheng.ledger.errors import ProofError
from jianzheng.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from jianzheng.ledger.nodestore import NodeAddress, NodeStore


class AppendResult(NamedTuple):
    """The outcome of an append: new tree size, new root, the nodes written."""

    size: int
    root: bytes
    nodes: tuple[tuple[NodeAddress, bytes], ...]


def range_addresses(start: int, end: int) -> list[NodeAddress]:
    """Return the perfect subtrees covering leaves ``[start, end)``, left to right.

    ``start`` must be aligned to the largest piece, as every range in RFC 9162's
    recursion is (and ``start == 0`` always is).
    """
    out: list[NodeAddress] = []
    position = start
    length = end - start
    for level in range(length.bit_length() - 1, -1, -1):
        if (length >> level) & 1:
            if position % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned")
            out.append((level, position >> level))
            position += 1 << level
    return out


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes (left to right, decreasing size) into one root."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def root(store: NodeStore, size: int) -> bytes:
    """Return the root hash of the tree's first ``size`` leaves (RFC 9162 MTH)."""
    if size < 0:
        raise ProofError(f"树大小不能为负：{size}", f"tree size cannot be negative: {size}")
    return fold_right(store.get_nodes(range_addresses(0, size)))


def compute_append(store: NodeStore, size: int, leaf_hashes: Iterable[bytes]) -> AppendResult:
    """Compute the nodes and root after appending ``leaf_hashes`` to a tree of ``size``.

    Reads the current perfect subtrees from ``store``; writes nothing.
    """
    if size < 0:
        raise ProofError(f"树大小不能为负：{size}", f"tree size cannot be negative: {size}")
    frontier = range_addresses(0, size)
    # The stack holds the hashes of the current perfect subtrees, left to right. A new node
    # that is a right child always finds its left sibling on top of the stack.
    stack: list[bytes] = store.get_nodes(frontier)
    nodes: list[tuple[NodeAddress, bytes]] = []
    index = size
    for leaf in leaf_hashes:
        if len(leaf) != HASH_SIZE:
            raise ProofError(
                f"叶哈希必须为 {HASH_SIZE} 字节，实际 {len(leaf)}",
                f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}",
            )
        nodes.append(((0, index), leaf))
        current, level, position = leaf, 0, index
        while position & 1:
            current = node_hash(stack.pop(), current)
            level += 1
            position >>= 1
            nodes.append(((level, position), current))
        stack.append(current)
        index += 1
    return AppendResult(index, fold_right(stack), tuple(nodes))


def append(store: NodeStore, size: int, leaf_hashes: Iterable[bytes]) -> AppendResult:
    """Append ``leaf_hashes`` to a tree of ``size`` leaves and persist the new nodes.

    All new nodes go to ``store.put_nodes`` in one call so a SQL store can batch them in
    the caller's transaction. Returns the new size, the new root and the nodes written.
    """
    result = compute_append(store, size, leaf_hashes)
    if result.nodes:
        store.put_nodes(result.nodes)
    return result
