"""Import OCDS files: read and check every file first, then import each in one transaction.

`prepare_file` reads a file (`reader`), normalizes each release against the schema
(`normalize`) and groups the releases by ocid; it raises `OcdsFileError` (file and line,
Chinese and English) for a file that cannot be imported, before anything is written.
`import_files` prepares all the files first — one bad file stops the command and nothing
is written for any — then hands each file to the import service (`OcdsImports`), which
witnesses it as one transaction. The `FileReport` says what was imported and skipped, and
every field that was dropped, converted or missing, by path and count: no silent drop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jianzheng.adapters.ocds.normalize import DROPPED, Finding, normalize_release
from jianzheng.adapters.ocds.reader import OcdsFileError, ReadFile, SkippedItem, read_file
from jianzheng.adapters.ocds.summary import summarize
from jianzheng.services.actor import Actor
from jianzheng.services.ocds_import import (
    ImportResult,
    OcdsImports,
    ProcessInput,
    ReleaseInput,
    SourceFile,
)
from jianzheng.services.platform import Platform


@dataclass
class PreparedFile:
    """A file read and checked, ready to import."""

    read: ReadFile
    publisher: str
    processes: list[ProcessInput]
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)  # (path, reason) -> count

    @property
    def releases(self) -> int:
        return sum(len(p.releases) for p in self.processes)


@dataclass
class FileReport:
    """What one file gave: imports, skips and every field that was not kept as it was."""

    path: str
    publisher: str
    namespace: str
    releases_read: int
    skipped_items: list[SkippedItem]
    findings: Counter[tuple[str, str]]
    result: ImportResult

    @property
    def dropped(self) -> int:
        return sum(n for (_, reason), n in self.findings.items() if reason in DROPPED)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "publisher": self.publisher,
            "namespace": self.namespace,
            "releases_read": self.releases_read,
            "processes_imported": self.result.imported_processes,
            "releases_imported": self.result.imported_releases,
            "releases_skipped": self.result.skipped_releases,
            "items_skipped": [{"line": s.line, "index": s.index, "reason": {"zh": s.reason_zh, "en": s.reason_en}}
                              for s in self.skipped_items],
            "processes": [{"ocid": o.ocid, "lot_id": o.lot_id, "imported": o.imported, "skipped": o.skipped,
                           "reason": {"zh": o.reason_zh, "en": o.reason_en} if o.reason_en else None}
                          for o in self.result.outcomes],
            "fields": [{"path": path, "reason": reason, "count": count}
                       for (path, reason), count in sorted(self.findings.items())],
        }


def _aggregate(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    counts = Counter((f.pattern, f.reason) for f in findings)
    return [{"path": path, "reason": reason, "count": n} for (path, reason), n in sorted(counts.items())]


def prepare_file(path: Path, publisher: str | None = None) -> PreparedFile:
    """Read, check and normalize one file; raises `OcdsFileError` when it cannot be imported."""
    read = read_file(path)
    if publisher is None and len(read.publishers) > 1:
        names = sorted(read.publishers)
        raise OcdsFileError(str(path), None, f"文件混合了多个发布方：{'、'.join(names)}，请用 --publisher 指定",
                            f"the file mixes publishers ({', '.join(names)}); name one with --publisher")
    name = publisher or (next(iter(read.publishers)) if read.publishers else path.stem)
    grouped: dict[str, list[ReleaseInput]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for raw in read.releases:
        normalized, findings = normalize_release(raw.release)
        counts.update((f.pattern, f.reason) for f in findings)
        ocid = str(raw.release["ocid"]).strip()
        grouped.setdefault(ocid, []).append(ReleaseInput(normalized, raw.line, raw.index, _aggregate(findings)))
    processes = [ProcessInput(ocid, releases) for ocid, releases in grouped.items()]
    return PreparedFile(read, name, processes, counts)


class OcdsFilesError(Exception):
    """One or more files cannot be imported; each error names its file and line."""

    def __init__(self, errors: list[OcdsFileError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def prepare_files(paths: Sequence[Path], publisher: str | None = None) -> list[PreparedFile]:
    """Prepare every file; raises `OcdsFilesError` listing every file that cannot be imported."""
    prepared, errors = [], []
    for path in paths:
        try:
            prepared.append(prepare_file(path, publisher))
        except OcdsFileError as error:
            errors.append(error)
    if errors:
        raise OcdsFilesError(errors)
    return prepared


def import_files(platform: Platform, actor: Actor, paths: Sequence[Path], publisher: str | None = None,
                 source_ip: str = "127.0.0.1") -> list[FileReport]:
    """Prepare every file, then import each; a bad file raises before anything is written."""
    return import_prepared(platform, actor, prepare_files(paths, publisher), source_ip)


def import_prepared(platform: Platform, actor: Actor, prepared: Sequence[PreparedFile],
                    source_ip: str = "127.0.0.1") -> list[FileReport]:
    """Import files already prepared, one witnessed transaction each."""
    service = OcdsImports(platform, summarize)
    reports = []
    for item in prepared:
        result = service.import_processes(actor, item.publisher, SourceFile(item.read.path.name, item.read.data),
                                          item.processes, source_ip)
        reports.append(FileReport(str(item.read.path), result.publisher, result.namespace, item.releases,
                                  item.read.skipped, item.findings, result))
    return reports
