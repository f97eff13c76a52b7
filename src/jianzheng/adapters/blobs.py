"""A content-addressed blob store on the file system (documents never go in the ledger).

A blob is stored once under its SHA-256 (``blobs/ab/cd/abcd…``); its SM3 digest is
computed at the same time, so events can carry both national and international digests.
Files are written to a temporary name and renamed, so a crash never leaves half a blob.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    sm3: str
    size: int


def digests(data: bytes) -> StoredBlob:
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(data)
    return StoredBlob(hashlib.sha256(data).hexdigest(), sm3.finalize().hex(), len(data))


class FileBlobStore:
    """Blobs under one directory, addressed by SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredBlob:
        blob = digests(data)
        target = self.path(blob.sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".tmp{os.getpid()}")
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        return blob

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()
