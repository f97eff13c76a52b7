"""Export every lot as OCDS 1.1: its releases in a release package, or its compiled release.

* A platform lot's releases come from its witnessed events (`platform_releases`); its ocid
  is the configured prefix and the lot id, ``ocds-jzh000-PRJ7K2M9QX4TB-01``.
* An imported lot's releases are the releases it was imported from, as they were stored
  (the schema's fields, exact numbers), each with ``provenance`` (jianzheng extension): the
  import's origin, the publisher, when it was imported and the digests of the source file.
  A release that already carries a provenance (it was imported into another jianzheng
  before) keeps it, so a copy of a copy still names the first publisher.
* The compiled release is the OCDS merge of the lot's releases (`merge.compile_releases`).

`validate_release` checks a release against the merged schema (core 1.1.5, bids extension,
jianzheng extension) with jsonschema; `validate_package` checks a whole release package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from jianzheng.adapters.ocds import schema as s
from jianzheng.adapters.ocds.merge import compile_releases, ordered
from jianzheng.adapters.ocds.normalize import RFC3339, json_default, to_document
from jianzheng.adapters.ocds.platform_releases import LotView, platform_releases
from jianzheng.domain.calendar import format_instant
from jianzheng.services.ocds_import import IMPORT_EVENTS
from jianzheng.services.ports import Blobs, ReadSession, Store

# Extension fields a public export leaves out: they identify machines, networks and bank
# accounts, which supervisors need and the public does not.
SUPERVISION_ONLY = ("fingerprint", "uploadIp")
SUPERVISION_ONLY_DEPOSIT = ("payingAccount", "payingBank")


@dataclass(frozen=True)
class ExportedProcess:
    """One lot as OCDS: its releases and compiled release, in payload form."""

    ocid: str
    lot_id: str
    source: str
    releases: list[dict[str, Any]]
    compiled: dict[str, Any]


def ocid_for(prefix: str, lot_id: str) -> str:
    return f"{prefix}-{lot_id}"


def _content_reader(blobs: Blobs) -> Any:
    def read(sha256: str) -> Mapping[str, Any] | None:
        try:
            value = json.loads(blobs.get(sha256))
        except (OSError, ValueError):
            return None  # a sealed or missing content blob: nothing to publish from it
        return value if isinstance(value, dict) else None
    return read


def _provenance(event_payload: Mapping[str, Any], origin: str, time: datetime) -> dict[str, Any]:
    source = event_payload["source"]
    return {"origin": origin, "publisher": event_payload["publisher"], "importedDate": format_instant(time),
            "sha256": source["sha256"], "sm3": source["sm3"]}


def _imported(session: ReadSession, lot_id: str, source: str) -> ExportedProcess | None:
    events = [e for e in session.lot_events(lot_id) if e.type in IMPORT_EVENTS]
    if not events:
        return None
    releases = []
    for event in events:
        release = dict(event.payload["release"])
        release.setdefault("provenance", _provenance(event.payload, event.origin, event.time))
        releases.append(release)
    releases = [dict(r) for r in ordered(releases)]
    return ExportedProcess(str(events[0].payload["ocid"]), lot_id, source, releases, compile_releases(releases))


def export_processes(store: Store, blobs: Blobs, prefix: str,
                     lot_ids: Iterable[str] | None = None) -> Iterator[ExportedProcess]:
    """Every lot (or the given ones) as OCDS, platform lots first, each in registration order."""
    with store.read() as session:
        lots = session.rows("lots", {"lot_id": sorted(set(lot_ids))} if lot_ids is not None else None)
        lots.sort(key=lambda r: (r.get("source") != "platform", str(r.get("registered_at")), str(r["lot_id"])))
        parties = {r["party_id"]: r for r in session.rows("parties", {"source": "platform"})}
        persons = {r["person_id"]: r for r in session.rows("persons")}
        projects = {r["project_id"]: r for r in session.rows("projects", {"source": "platform"})}
        reader = _content_reader(blobs)
        for row in lots:
            lot_id = str(row["lot_id"])
            source = str(row.get("source") or "platform")
            if source != "platform":
                imported = _imported(session, lot_id, source)
                if imported is not None:
                    yield imported
                continue
            ocid = ocid_for(prefix, lot_id)
            view = LotView(lot_id, ocid, parties, persons, projects, reader)
            releases = platform_releases(view, session.lot_events(lot_id))
            if releases:
                yield ExportedProcess(ocid, lot_id, source, releases, compile_releases(releases))


def public_copy(release: Mapping[str, Any]) -> dict[str, Any]:
    """A release without the supervision-only extension fields (machine, network, bank account)."""
    copy_ = json.loads(json.dumps(release))
    for bid in (copy_.get("bids") or {}).get("details") or []:
        for key in SUPERVISION_ONLY:
            bid.pop(key, None)
        deposit = bid.get("deposit")
        if isinstance(deposit, dict):
            for key in SUPERVISION_ONLY_DEPOSIT:
                deposit.pop(key, None)
    result: dict[str, Any] = copy_
    return result


def document(value: Mapping[str, Any]) -> dict[str, Any]:
    """A release in payload form as plain JSON values (exact numbers as Decimal)."""
    result: dict[str, Any] = to_document(value)
    return result


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text with Chinese kept as is and decimals written as numbers."""
    return json.dumps(value, ensure_ascii=False, default=json_default, indent=indent,
                      separators=(",", ": ") if indent else (",", ":"))


def release_package(processes: Iterable[ExportedProcess], publisher: str, prefix: str, published: datetime,
                    public: bool = False) -> dict[str, Any]:
    """A release package of every release of the processes."""
    releases = []
    for process in processes:
        for release in process.releases:
            releases.append(document(public_copy(release) if public else release))
    return {
        "uri": f"urn:jianzheng:{prefix}:release-package:{format_instant(published)}",
        "version": s.OCDS_VERSION,
        "extensions": [s.BIDS_EXTENSION_URL, s.JIANZHENG_EXTENSION_URI],
        "publishedDate": format_instant(published),
        "publisher": {"name": publisher, "scheme": None, "uid": prefix},
        "releases": releases,
    }


def compiled_lines(processes: Iterable[ExportedProcess], public: bool = False) -> Iterator[str]:
    """Compiled releases, one JSON document per line."""
    for process in processes:
        yield dumps(document(public_copy(process.compiled) if public else process.compiled))


# -- validation ---------------------------------------------------------------------------


def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


def _format_checker() -> Any:
    # Only date-time is checked: it is what OCDS consumers parse; URIs are left to the publisher.
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(_date_time)
    return checker


@cache
def _release_validator() -> Any:
    return jsonschema.Draft4Validator(s.release_schema(), format_checker=_format_checker())


@cache
def _package_validator() -> Any:
    release = s.release_schema()
    registry: Registry[Any] = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return jsonschema.Draft4Validator(s.package_schema("release"), registry=registry,
                                      format_checker=_format_checker())


def _messages(errors: Iterable[Any]) -> list[str]:
    found = []
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path)
        found.append(f"{path or '(root)'}: {error.message[:200]}")
    return found


def validate_release(release: Mapping[str, Any]) -> list[str]:
    """Schema errors of one release (plain JSON values), as ``path: message``; empty when valid."""
    return _messages(_release_validator().iter_errors(_plain(release)))


def validate_package(package: Mapping[str, Any]) -> list[str]:
    """Schema errors of a release package; empty when valid."""
    return _messages(_package_validator().iter_errors(_plain(package)))


def _plain(value: Any) -> Any:
    """JSON values as a reader would see them (Decimal becomes a JSON number)."""
    result = json.loads(dumps(value))
    return result
