"""Where the Merkle tree keeps its state: hashes of perfect subtrees by (level, index).

Node ``(level, index)`` is the root of the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes. A node is
written once, when its last leaf is appended, and never changes afterwards, so the store is
append-only (the SQL tables refuse UPDATE and DELETE) and any tree size's root or proof is
a fold of at most ``2 * log2(size)`` stored nodes: nothing is ever recomputed from all
leaves.

Why not C2SP tlog-tiles? Tiles (256 hashes per row) would cut the row count about 250-fold,
but the right-most partial tile of every level is rewritten on each append. That conflicts
with an append-only node table and makes concurrent readers see changing rows. Rows of
single immutable nodes, read in one batched query per proof, keep the integrity story simple
and proved fast enough (see ``benchmarks/ledger_proofs.py``). Tiles can still be served
later as a read-only view computed from these rows.

Public API::

    NodeAddress = tuple[int, int]          # (level, index)
    class NodeStore(Protocol):
        def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]
        def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None
    class MemoryNodeStore(NodeStore)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jianzheng.ledger.errors import MissingNodeError
from jianzheng.ledger.hashing import HASH_SIZE

NodeAddress = tuple[int, int]


class NodeStore(Protocol):
    """Reads and writes perfect-subtree hashes in batches.

    ``get_nodes`` returns the hashes in the order of ``addresses`` and raises
    :class:`MissingNodeError` when one is absent. ``put_nodes`` persists new nodes; writing
    an address again with the same hash must be harmless, with a different hash an error.
    """

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]: ...

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None: ...


def missing(address: NodeAddress) -> MissingNodeError:
    """Build the error for a node the store should hold but does not."""
    level, index = address
    return MissingNodeError(
        f"账本节点缺失：层 {level}，序号 {index}",
        f"ledger node missing: level {level}, index {index}",
    )


class MemoryNodeStore:
    """A :class:`NodeStore` in memory: one ``bytearray`` of packed 32-byte hashes per level.

    Packing keeps ten million leaves (twenty million nodes) in about 640 MB, where a dict
    of ``bytes`` objects would take several times that.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    def get_nodes(self, addresses: Sequence[NodeAddress]) -> list[bytes]:
        out: list[bytes] = []
        for level, index in addresses:
            start = index * HASH_SIZE
            if level >= len(self._levels) or start + HASH_SIZE > len(self._levels[level]):
                raise missing((level, index))
            out.append(bytes(self._levels[level][start : start + HASH_SIZE]))
        return out

    def put_nodes(self, nodes: Sequence[tuple[NodeAddress, bytes]]) -> None:
        for (level, index), value in nodes:
            if len(value) != HASH_SIZE:
                raise ValueError(f"node hash must be {HASH_SIZE} bytes, got {len(value)}")
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            row = self._levels[level]
            start = index * HASH_SIZE
            if start == len(row):
                row += value
            elif start < len(row):
                # Nodes are immutable: a second write must carry the same hash.
                if row[start : start + HASH_SIZE] != value:
                    raise ValueError(f"node ({level}, {index}) already holds a different hash")
            else:
                raise ValueError(f"node ({level}, {index}) written before its left neighbours")

    def node_count(self) -> int:
        """Return how many nodes are held (all levels)."""
        return sum(len(row) // HASH_SIZE for row in self._levels)
