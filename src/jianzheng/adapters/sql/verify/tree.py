"""Recomputing the Merkle tree from the events' entries, and comparing it with the stored one.

:class:`TreeBuilder` takes the leaf hashes in order (leaf index = seq − 1) and completes
every interior node the moment its last leaf arrives, exactly as ``merkle.append`` does,
keeping each level as one packed ``bytearray`` (32 bytes a node: about 64 MB for a million
leaves), so the root at any size is a fold of at most 64 held nodes. A missing event
leaves a placeholder leaf of zero bytes, so every other leaf keeps its index and only the
nodes above the gap differ.

:func:`compare_nodes` reads the stored nodes in primary-key order and names every stored
node that differs from the recomputed one, is missing, or covers leaves no event has.
A differing interior node whose children also differ is a *consequence* (it was computed
from the changed child), so the report points at the lowest change. The differences are
kept: :class:`StoredTree` is the tree as stored — recomputed nodes with the stored
differences laid over them — from which consistency proofs between checkpoints are made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from jianzheng.ledger.hashing import HASH_SIZE
from jianzheng.ledger.merkle import fold_right, range_addresses
from jianzheng.ledger.nodestore import NodeAddress, missing

PLACEHOLDER = bytes(HASH_SIZE)  # the leaf of an event that is missing from the table


class TreeBuilder:
    """Builds every node of the tree from leaf hashes appended in order."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0
        self._stack: list[bytes] = []

    def add(self, leaf: bytes) -> None:
        levels = self.levels
        levels[0] += leaf
        stack = self._stack
        current, level, position = leaf, 0, self.size
        while position & 1:
            current = hashlib.sha256(b"\x01" + stack.pop() + current).digest()
            level += 1
            position >>= 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += current
        stack.append(current)
        self.size += 1

    def node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self.levels[level][start : start + HASH_SIZE])

    def count(self, level: int) -> int:
        """How many nodes the recomputed tree has at ``level``."""
        return len(self.levels[level]) // HASH_SIZE if level < len(self.levels) else 0

    def root(self, size: int) -> bytes:
        """The recomputed root of the first ``size`` leaves (size <= self.size)."""
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is outside the recomputed tree of {self.size} leaves")
        return fold_right([self.node(level, index) for level, index in range_addresses(0, size)])


class StoredTree:
    """The tree as the database stores it: a NodeStore for proofs (see module docstring)."""

    def __init__(self, built: TreeBuilder) -> None:
        self.built = built
        self.overrides: dict[NodeAddress, bytes] = {}
        self.missing: set[NodeAddress] = set()

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        out: list[bytes] = []
        for address in addresses:
            if address in self.missing:
                raise missing(address)
            value = self.overrides.get(address)
            if value is None:
                level, index = address
                if index >= self.built.count(level):
                    raise missing(address)
                value = self.built.node(level, index)
            out.append(value)
        return out

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None:
        raise TypeError("the stored tree is read-only")

    def changed_below(self, size: int) -> bool:
        """Whether any stored node that differs or is missing covers a leaf below ``size``."""
        return any(index << level < size for level, index in (*self.overrides, *self.missing))


NodeReport = Callable[[str, int, int, bytes | None, bool], None]


def compare_nodes(built: TreeBuilder, stored: Iterable[tuple[int, int, bytes]], missing_leaves: set[int],
                  report: NodeReport) -> StoredTree:
    """Compare stored nodes, given in (level, index) order, with the recomputed tree.

    ``report(kind, level, index, stored_hash, consequence)`` is called with kind
    ``"differs"``, ``"missing"`` or ``"extra"``. Returns the stored tree for proofs.
    """
    tree = StoredTree(built)
    differing: set[NodeAddress] = {(0, i) for i in missing_leaves}
    level_seen, expected = -1, 0

    def close_level(level: int, upto: int) -> None:
        # Every recomputed node of `level` from `expected` up to `upto` (exclusive) is absent.
        for index in range(expected, upto):
            tree.missing.add((level, index))
            differing.add((level, index))
            consequence = level > 0 and ((level - 1, 2 * index) in differing
                                         or (level - 1, 2 * index + 1) in differing)
            report("missing", level, index, None, consequence)

    for level, index, value in stored:
        while level != level_seen:
            if level_seen >= 0:
                close_level(level_seen, built.count(level_seen))
            level_seen += 1
            expected = 0
            if level_seen > level:  # unreachable with ordered input; keeps the loop finite
                break
        count = built.count(level)
        if index >= count:
            tree.overrides[(level, index)] = bytes(value)
            report("extra", level, index, bytes(value), False)
            continue
        if index > expected:
            close_level(level, index)
        expected = index + 1
        value = bytes(value)
        if value != built.node(level, index):
            tree.overrides[(level, index)] = value
            consequence = (level > 0 and ((level - 1, 2 * index) in differing
                                          or (level - 1, 2 * index + 1) in differing)) or (
                level == 0 and index in missing_leaves)
            differing.add((level, index))
            report("differs", level, index, value, consequence)
    if level_seen < 0:
        level_seen, expected = 0, 0
    close_level(level_seen, built.count(level_seen))
    for level in range(level_seen + 1, len(built.levels)):
        expected = 0
        close_level(level, built.count(level))
    return tree
