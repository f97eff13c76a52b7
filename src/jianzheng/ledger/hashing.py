"""RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256.

The leaf and interior hashes carry different one-byte prefixes (0x00, 0x01) so that an
interior node can never be passed off as a leaf (second-preimage resistance, RFC 9162
§2.1.1). The root of the empty tree is SHA-256 of the empty string.

Public API::

    HASH_SIZE = 32
    EMPTY_ROOT: bytes
    leaf_hash(entry: bytes) -> bytes
    node_hash(left: bytes, right: bytes) -> bytes
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Return ``SHA-256(0x00 || entry)``, the hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``, the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()
