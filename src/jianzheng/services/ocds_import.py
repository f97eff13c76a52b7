"""Import published OCDS data as witnessed *imports*, never as if it had happened here.

Each contracting process (``ocid``) becomes a lot with a project. Its releases are appended
to the lot's stream as events of their own family — ``ocds.process_imported`` for the first
release of a process, ``ocds.release_imported`` for each later one — through
`Platform.execute` with ``origin="import:<publisher>"``, so the ledger says who imported
what, when, from which file (by SHA-256 and SM3 of the file kept in the blob store) and from
which publisher, and the release itself keeps its own dates. The domain's lifecycle
commands are not used: real data does not follow this platform's procedure, and the lot
fold ignores event types it does not know, so an imported lot can never be driven by the
platform's commands either (it has no ``lot.registered``).

Idempotent: a release already imported (same ocid and release id, same content) is skipped
with a report line, as is a release whose id was imported with other content, a process
imported from another publisher, and an ocid whose lot id belongs to a platform lot. One
file is one transaction: it is imported whole or not at all.

The OCDS specifics (compiling releases, deriving the read-table facts) are the adapter's;
this service receives them through the `Summarize` port.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jianzheng.domain.context import Context
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import EventDraft, WitnessedEvent, lot_stream
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Platform
from jianzheng.services.policy import authorize
from jianzheng.services.ports import WriteSession

PROCESS_IMPORTED = "ocds.process_imported"
RELEASE_IMPORTED = "ocds.release_imported"
IMPORT_EVENTS = frozenset({PROCESS_IMPORTED, RELEASE_IMPORTED})

SAFE_LOT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Namespaced ids must fit the 64-character id columns: "<namespace>:<publisher's id>".
MAX_NAMESPACE = 32
SLUG = re.compile(r"[^a-z0-9]+")

# (releases in payload form, publisher namespace, lot id) -> read-table facts
Summarize = Callable[[Sequence[Mapping[str, Any]], str, str], dict[str, Any]]


def publisher_namespace(name: str) -> str:
    """A short ASCII key for a publisher: its name in lower case (at most 32 characters), hashed when that
    loses anything."""
    slug = SLUG.sub("-", name.strip().lower()).strip("-")
    plain = slug.replace("-", "") == re.sub(r"[\s_.\-/]+", "", name.strip().lower())
    if slug and plain and len(slug) <= MAX_NAMESPACE:
        return slug
    digest = hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:8]
    return f"{slug[:MAX_NAMESPACE - 9].strip('-')}-{digest}" if slug else f"p-{digest}"


def lot_id_for(ocid: str) -> str:
    """The lot id of an imported process: the ocid itself when it is a plain short id, else a hashed form."""
    if SAFE_LOT_ID.match(ocid):
        return ocid
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", ocid)[:48].strip("_")
    return f"{safe}-{hashlib.sha256(ocid.encode('utf-8')).hexdigest()[:12]}"


@dataclass(frozen=True)
class ReleaseInput:
    """One release to import, already normalized by the adapter."""

    release: dict[str, Any]  # payload form: schema fields only, exact decimals
    line: int
    index: int | None
    findings: list[dict[str, Any]]  # what the adapter dropped, converted or missed: path, reason, count

    @property
    def release_id(self) -> str | None:
        value = self.release.get("id")
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the release's JSON with sorted keys (payload form holds no floats, so it is stable)."""
        text = json.dumps(self.release, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def key(self) -> str:
        """What makes a release the same release: its id, or its content when it has none."""
        return self.release_id or f"sha256:{self.digest}"


@dataclass(frozen=True)
class ProcessInput:
    ocid: str
    releases: list[ReleaseInput]


@dataclass(frozen=True)
class SourceFile:
    """The file the releases came from: its name and bytes (kept in the blob store)."""

    name: str
    data: bytes


@dataclass
class Outcome:
    """One report line per process: what was imported, or why it was skipped."""

    ocid: str
    lot_id: str
    imported: int = 0
    skipped: int = 0
    reason_zh: str = ""
    reason_en: str = ""


@dataclass
class ImportResult:
    publisher: str
    namespace: str
    outcomes: list[Outcome] = field(default_factory=list)
    events: list[WitnessedEvent] = field(default_factory=list)

    @property
    def imported_releases(self) -> int:
        return sum(o.imported for o in self.outcomes)

    @property
    def imported_processes(self) -> int:
        return sum(1 for o in self.outcomes if o.imported)

    @property
    def skipped_releases(self) -> int:
        return sum(o.skipped for o in self.outcomes)


def _skip(outcome: Outcome, count: int, zh: str, en: str) -> None:
    outcome.skipped += count
    if zh not in outcome.reason_zh:
        outcome.reason_zh = f"{outcome.reason_zh}；{zh}" if outcome.reason_zh else zh
        outcome.reason_en = f"{outcome.reason_en}; {en}" if outcome.reason_en else en


class OcdsImports:
    """The import use case; one call imports one file's processes in one transaction."""

    def __init__(self, platform: Platform, summarize: Summarize) -> None:
        self.platform = platform
        self.summarize = summarize

    def import_processes(self, actor: Actor, publisher: str, source: SourceFile,
                         processes: Sequence[ProcessInput], source_ip: str = "127.0.0.1") -> ImportResult:
        authorize(actor, "ocds.import")
        name = publisher.strip()
        if not name:
            raise Refusal("ocds.publisher", "发布方名称不能为空", "The publisher's name cannot be empty",
                          field="publisher", status=422)
        namespace = publisher_namespace(name)
        result = ImportResult(name, namespace)
        # The file is the source document: the events carry its digests, the blob store its bytes.
        blob = self.platform.blobs.put(source.data)
        origin = {"file": source.name, "sha256": blob.sha256, "sm3": blob.sm3, "size": blob.size}

        def decide_in(session: WriteSession, ctx: Context) -> list[EventDraft]:
            result.outcomes.clear()
            drafts: list[EventDraft] = []
            for process in processes:
                outcome = Outcome(process.ocid, lot_id_for(process.ocid))
                result.outcomes.append(outcome)
                drafts += self._process(session, process, outcome, name, namespace, origin)
            return drafts

        result.events = self.platform.execute(actor, source_ip, decide_in, origin=f"import:{namespace}")
        return result

    def _process(self, session: WriteSession, process: ProcessInput, outcome: Outcome, publisher: str,
                 namespace: str, origin: Mapping[str, Any]) -> list[EventDraft]:
        lot_id = outcome.lot_id
        stored: list[Mapping[str, Any]] = []
        known: dict[str, str] = {}
        if session.exists("lots", lot_id):
            history = session.lot_events(lot_id)
            imports = [e for e in history if e.type in IMPORT_EVENTS]
            if len(imports) != len(history) or not imports:
                _skip(outcome, len(process.releases), "标段编号已被本平台的标段使用",
                      "the lot id is taken by a lot of this platform")
                return []
            first = imports[0].payload
            if first.get("ocid") != process.ocid:
                _skip(outcome, len(process.releases), f"标段编号已被另一采购过程使用：{first.get('ocid')}",
                      f"the lot id is taken by another process: {first.get('ocid')}")
                return []
            if first.get("namespace") != namespace:
                _skip(outcome, len(process.releases), f"该采购过程已从其他发布方导入：{first.get('publisher')}",
                      f"the process was imported from another publisher: {first.get('publisher')}")
                return []
            for event in imports:
                stored.append(event.payload["release"])
                known[str(event.payload["release_key"])] = str(event.payload["release_digest"])
        fresh: list[ReleaseInput] = []
        for item in process.releases:
            previous = known.get(item.key)
            if previous == item.digest:
                _skip(outcome, 1, "已导入过，跳过", "already imported, skipped")
            elif previous is not None:
                _skip(outcome, 1, f"发布 {item.key} 已以不同内容导入，跳过",
                      f"release {item.key} was imported before with other content, skipped")
            else:
                known[item.key] = item.digest
                fresh.append(item)
        drafts = []
        for item in sorted(fresh, key=lambda r: str(r.release.get("date") or "")):
            stored.append(item.release)
            summary = self.summarize(stored, namespace, lot_id)
            kind = PROCESS_IMPORTED if len(stored) == 1 else RELEASE_IMPORTED
            drafts.append(EventDraft(kind, lot_stream(lot_id), {
                "ocid": process.ocid,
                "lot_id": lot_id,
                "project_id": lot_id,
                "publisher": publisher,
                "namespace": namespace,
                "release_key": item.key,
                "release_digest": item.digest,
                "release": item.release,
                "source": {**origin, "line": item.line, "index": item.index},
                "findings": item.findings,
                "summary": summary,
            }))
            outcome.imported += 1
        return drafts
