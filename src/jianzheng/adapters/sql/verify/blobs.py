"""Checking the documents the events point at: every stored blob against both its digests.

Documents never go in the ledger; an event carries their SHA-256 and SM3 digests (and
usually the size). A reference is any JSON object in a payload with string fields
``sha256`` and ``sm3`` (a document reference: tender documents, bid documents, reports,
notices, contracts, imported files), and the pair ``content_sha256``/``content_sm3`` (a
bid's content). Each distinct reference is checked once: the file must exist in the blob
store under its SHA-256, and SHA-256, SM3 and size recomputed from the file's bytes must
equal what the event says. The first event that made the reference is named.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes

from jianzheng.adapters.blobs import FileBlobStore
from jianzheng.adapters.sql.verify.report import Discrepancy

_CHUNK = 1 << 20


@dataclass(frozen=True)
class BlobReference:
    sha256: str
    sm3: str
    size: int | None
    seq: int
    where: str  # the JSON path in the payload, e.g. "payload.documents[0]"


class BlobReferences:
    """The distinct blob references found in the events, each with the first event that made it."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str, int | None], BlobReference] = {}

    def scan(self, seq: int, payload: Any) -> None:
        self._walk(seq, payload, "payload")

    def _add(self, seq: int, sha256: Any, sm3: Any, size: Any, where: str) -> None:
        if not isinstance(sha256, str) or not isinstance(sm3, str) or not sha256:
            return
        length = size if isinstance(size, int) and not isinstance(size, bool) else None
        key = (sha256, sm3, length)
        if key not in self.found:
            self.found[key] = BlobReference(sha256, sm3, length, seq, where)

    def _walk(self, seq: int, value: Any, where: str) -> None:
        if isinstance(value, dict):
            if "sha256" in value and "sm3" in value:
                self._add(seq, value["sha256"], value["sm3"], value.get("size"), where)
            if "content_sha256" in value and "content_sm3" in value:
                self._add(seq, value["content_sha256"], value["content_sm3"], None, f"{where}.content_sha256")
            for name, item in value.items():
                if isinstance(item, dict | list):
                    self._walk(seq, item, f"{where}.{name}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict | list):
                    self._walk(seq, item, f"{where}[{i}]")


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _digests(path: str) -> tuple[str, str, int]:
    sha256 = hashlib.sha256()
    sm3 = hashes.Hash(hashes.SM3())
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha256.update(chunk)
            sm3.update(chunk)
            size += len(chunk)
            if len(chunk) < _CHUNK:
                break  # most documents are read in one call
    return sha256.hexdigest(), sm3.finalize().hex(), size


def check_blobs(store: FileBlobStore, references: Iterable[BlobReference],
                progress: Callable[[int], None] | None = None) -> tuple[int, list[Discrepancy]]:
    """Check every reference; returns how many files were read and what did not hold."""
    found: list[Discrepancy] = []
    computed: dict[str, tuple[str, str, int] | None] = {}
    root = str(store.root)
    for reference in references:
        where_zh = f"事件 {reference.seq} 引用的文件 {reference.sha256}（{reference.where}）"
        where_en = f"the file {reference.sha256} referenced by event {reference.seq} ({reference.where})"
        if reference.sha256 not in computed:
            if not _HEX64.fullmatch(reference.sha256):
                found.append(Discrepancy("blob.invalid_digest", f"{where_zh}：SHA-256 摘要格式无效",
                                         f"{where_en}: the SHA-256 digest is malformed", seq=reference.seq,
                                         digest=reference.sha256))
                continue
            # The blob store's layout (FileBlobStore.path), as plain strings: a million Path
            # objects would cost more than reading the files.
            path = os.path.join(root, reference.sha256[:2], reference.sha256[2:4], reference.sha256)
            try:
                computed[reference.sha256] = _digests(path)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                computed[reference.sha256] = None
            if progress is not None:
                progress(1)
        digests = computed[reference.sha256]
        if digests is None:
            found.append(Discrepancy("blob.missing", f"{where_zh}在文件库中不存在（已被删除？）",
                                     f"{where_en} is missing from the blob store (deleted?)", seq=reference.seq,
                                     digest=reference.sha256))
            continue
        sha256, sm3, size = digests
        if sha256 != reference.sha256:
            found.append(Discrepancy("blob.sha256", f"{where_zh}的内容已改变：重新计算的 SHA-256 为 {sha256}",
                                     f"{where_en} has changed: its SHA-256 is now {sha256}", seq=reference.seq,
                                     digest=reference.sha256))
        if sm3 != reference.sm3:
            found.append(Discrepancy("blob.sm3", f"{where_zh}的 SM3 摘要应为 {reference.sm3}，实际为 {sm3}",
                                     f"{where_en}: SM3 should be {reference.sm3} but is {sm3}", seq=reference.seq,
                                     digest=reference.sha256))
        if reference.size is not None and size != reference.size:
            found.append(Discrepancy("blob.size", f"{where_zh}的大小应为 {reference.size} 字节，实际为 {size}",
                                     f"{where_en}: size should be {reference.size} bytes but is {size}",
                                     seq=reference.seq, digest=reference.sha256))
    return len(computed), found
