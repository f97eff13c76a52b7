"""Importing OCDS: witnessed as imports, projected with their source, idempotent, never a platform lot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jianzheng.adapters.ocds.export import document, dumps, export_processes, release_package
from jianzheng.adapters.ocds.importer import import_files
from jianzheng.adapters.ocds.summary import namespaced
from jianzheng.adapters.sql import projections
from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.database import create_schema, make_engine
from jianzheng.adapters.sql.event_store import from_entry, iter_all
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal
from jianzheng.domain.lot import fold
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.clock import SimulatedClock
from jianzheng.services.ids import SeededIds
from jianzheng.services.ocds_import import lot_id_for, publisher_namespace
from tests.conftest import fresh_database
from tests.support.tender import build_world, register_lot

NOW = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
OCID = "ocds-b5fd17-0001"


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    built = bootstrap(Settings(data_dir=tmp_path / "data", database_url=database_url), clock=SimulatedClock(NOW),
                      ids=SeededIds(3))
    yield built
    built.engine.dispose()


def tender_release() -> dict[str, Any]:
    return {
        "ocid": OCID, "id": "r-tender", "date": "2024-03-01T09:00:00+08:00", "tag": ["tender"],
        "initiationType": "tender", "language": "zh",
        "parties": [{"id": "ORG-1", "name": "某市水务局", "roles": ["buyer", "procuringEntity"]}],
        "buyer": {"id": "ORG-1", "name": "某市水务局"},
        "planning": {"budget": {"project": "供水管网改造", "description": "财政资金"}},
        "tender": {"id": "T-1", "title": "管网工程第一标段", "status": "active", "mainProcurementCategory": "works",
                   "procurementMethod": "open", "value": {"amount": 1200000.5, "currency": "CNY"},
                   "tenderPeriod": {"startDate": "2024-03-01T09:00:00+08:00", "endDate": "2024-03-22T09:00:00+08:00"},
                   "procuringEntity": {"id": "ORG-1", "name": "某市水务局"}, "localField": "kept out"},
    }


def award_release() -> dict[str, Any]:
    return {
        "ocid": OCID, "id": "r-award", "date": "2024-04-01T09:00:00+08:00", "tag": ["award"],
        "initiationType": "tender",
        "parties": [{"id": "ORG-2", "name": "甲建设公司", "roles": ["tenderer", "supplier"]},
                    {"id": "ORG-3", "name": "乙建设公司", "roles": ["tenderer"]}],
        "tender": {"id": "T-1", "status": "complete",
                   "awardPeriod": {"startDate": "2024-03-22T09:00:00+08:00"}},
        "bids": {"details": [
            {"id": "1", "status": "valid", "date": "2024-03-20T10:00:00+08:00",
             "tenderers": [{"id": "ORG-2", "name": "甲建设公司"}], "value": {"amount": 1100000, "currency": "CNY"},
             "uploadIp": "10.1.1.1", "fingerprint": {"machineCode": "M-1", "mac": "00:11"},
             "projectManager": {"id": "PM-9", "name": "王五"}},
            {"id": "2", "status": "disqualified", "tenderers": [{"id": "ORG-3", "name": "乙建设公司"}],
             "value": {"amount": 1000000, "currency": "CNY"}, "statusDetails": "资质不符"},
            {"id": "3", "status": "invited", "tenderers": [{"id": "ORG-4"}]},
        ]},
        "awards": [{"id": "A-1", "status": "active", "date": "2024-04-01T09:00:00+08:00",
                    "suppliers": [{"id": "ORG-2", "name": "甲建设公司"}],
                    "value": {"amount": 1100000, "currency": "CNY"}}],
    }


def package(path: Path, *releases: dict[str, Any], publisher: str = "某市公共资源交易中心") -> Path:
    path.write_text(json.dumps({"uri": "https://example.org/package.json", "version": "1.1",
                                "publishedDate": "2024-04-02T00:00:00Z", "publisher": {"name": publisher},
                                "releases": list(releases)}, ensure_ascii=False), encoding="utf-8")
    return path


def rows(services: Services, table: str, **where: Any) -> list[dict[str, Any]]:
    with services.store.read() as session:
        return session.rows(table, where or None)


def test_a_package_is_witnessed_as_imports_and_projected_with_its_source(services: Services, tmp_path: Path) -> None:
    report, = import_files(services.platform, Actor.system(), [package(tmp_path / "p.json", award_release(),
                                                                       tender_release())])
    namespace = publisher_namespace("某市公共资源交易中心")
    assert report.result.imported_releases == 2 and report.result.imported_processes == 1
    events = report.result.events
    # Applied in date order: the tender release opens the process, the award follows.
    assert [e.type for e in events] == ["ocds.process_imported", "ocds.release_imported"]
    assert [e.payload["release"]["id"] for e in events] == ["r-tender", "r-award"]
    assert {e.origin for e in events} == {f"import:{namespace}"}
    assert {e.stream for e in events} == {f"lot:{OCID}"}
    assert {e.actor for e in events} == {"system"} and {e.time for e in events} == {NOW}
    first = events[0].payload
    assert first["publisher"] == "某市公共资源交易中心" and first["source"]["file"] == "p.json"
    assert first["source"]["sha256"] and services.blobs.exists(first["source"]["sha256"])
    assert first["findings"] == [{"path": "tender/localField", "reason": "unknown", "count": 1}]
    assert report.findings[("tender/localField", "unknown")] == 1

    lot, = rows(services, "lots")
    assert (lot["lot_id"], lot["source"], lot["stage"], lot["currency"]) == (OCID, f"import:{namespace}", "awarded",
                                                                            "CNY")
    assert lot["estimated_price_fen"] == 120_000_050 and lot["name"] == "管网工程第一标段"
    assert lot["bid_deadline"] == "2024-03-22T01:00:00.000Z" and lot["awarded_at"] == "2024-04-01T01:00:00.000Z"
    assert lot["tenderer_id"] == f"{namespace}:ORG-1" and lot["awarded_bidder_id"] == f"{namespace}:ORG-2"
    project, = rows(services, "projects")
    assert (project["name"], project["funding_source"], project["source"]) == ("供水管网改造", "财政资金",
                                                                               f"import:{namespace}")
    parties = {p["party_id"]: p for p in rows(services, "parties")}
    assert set(parties) == {f"{namespace}:ORG-{i}" for i in (1, 2, 3)}  # the invitee ORG-4 never bid
    assert parties[f"{namespace}:ORG-1"]["kind"] == "tenderer" and parties[f"{namespace}:ORG-2"]["kind"] == "bidder"
    assert all(p["credit_code"] is None and p["source"] == f"import:{namespace}" for p in parties.values())
    bids = {b["bid_id"]: b for b in rows(services, "bids")}
    assert set(bids) == {f"{OCID}/1", f"{OCID}/2"}
    good = bids[f"{OCID}/1"]
    assert (good["status"], good["price_fen"], good["bidder_id"], good["source_ip"]) == (
        "valid", 110_000_000, f"{namespace}:ORG-2", "10.1.1.1")
    assert good["fingerprint"] == {"machine_code": "M-1", "mac": "00:11"}
    assert good["project_manager_id"] == f"{namespace}:PM-9"
    assert bids[f"{OCID}/2"]["rejected_reason"] == "资质不符" and bids[f"{OCID}/2"]["submitted_at"] is None


def test_reimport_is_idempotent_and_conflicts_are_reported(services: Services, tmp_path: Path) -> None:
    path = package(tmp_path / "p.json", tender_release())
    import_files(services.platform, Actor.system(), [path])
    with services.store.read() as session:
        before = session.count("events")
    again, = import_files(services.platform, Actor.system(), [path])
    assert again.result.events == [] and again.result.skipped_releases == 1
    assert again.result.outcomes[0].reason_en == "already imported, skipped"
    changed = tender_release()
    changed["tender"]["title"] = "改过的标题"
    conflict, = import_files(services.platform, Actor.system(), [package(tmp_path / "q.json", changed,
                                                                         award_release())])
    assert conflict.result.imported_releases == 1  # the award is new
    assert "release r-tender was imported before with other content" in conflict.result.outcomes[0].reason_en
    other, = import_files(services.platform, Actor.system(), [package(tmp_path / "r.json", award_release(),
                                                                      publisher="别的发布方")])
    assert other.result.events == []
    assert "imported from another publisher" in other.result.outcomes[0].reason_en
    with services.store.read() as session:
        assert session.count("events") == before + 1
    assert rows(services, "lots")[0]["name"] == "管网工程第一标段"  # the conflicting title was not taken


def test_an_imported_lot_is_not_a_platform_lot(services: Services, tmp_path: Path) -> None:
    import_files(services.platform, Actor.system(), [package(tmp_path / "p.json", tender_release())])
    with services.store.read() as session:
        events = session.lot_events(OCID)
    state = fold(OCID, events)  # the lifecycle fold ignores the import family
    assert not state.exists and state.stage.value == "registered"
    staff = Actor("U1", "staff", Role.STAFF)
    with pytest.raises(Refusal) as refused:
        services.platform.lot_command(staff, OCID, c.OpenBids())
    assert refused.value.code == "not_found"


def test_only_staff_or_the_system_may_import(services: Services, tmp_path: Path) -> None:
    bidder = Actor("U2", "bidder", Role.BIDDER, party_id="P1")
    with pytest.raises(Refusal) as refused:
        import_files(services.platform, bidder, [package(tmp_path / "p.json", tender_release())])
    assert refused.value.status == 403
    with services.store.read() as session:
        assert session.count("events") == 0


def test_a_lot_id_held_by_a_platform_lot_is_never_overwritten(tmp_path: Path, database_url: str) -> None:
    world = build_world(tmp_path / "world", database_url, bidders=0, experts=0)
    try:
        lot_id = register_lot(world)
        clash = tender_release()
        clash["ocid"] = lot_id
        report, = import_files(world.platform, Actor.system(), [package(tmp_path / "q.json", clash)])
        assert report.result.events == [] and report.result.skipped_releases == 1
        assert report.result.outcomes[0].reason_en == "the lot id is taken by a lot of this platform"
        with world.services.store.read() as session:
            assert session.row("lots", lot_id)["source"] == "platform"
            assert [e.type for e in session.lot_events(lot_id)] == ["lot.registered"]
    finally:
        world.services.engine.dispose()


def test_lot_ids_and_namespaces_are_safe() -> None:
    assert lot_id_for("ocds-a1b2c3-000123") == "ocds-a1b2c3-000123"
    hashed = lot_id_for("ocds-34a6hz-01044-060931/001/USW")
    assert "/" not in hashed and len(hashed) <= 64 and hashed.startswith("ocds-34a6hz-01044-060931_001_USW-")
    assert lot_id_for("x" * 80) != lot_id_for("x" * 81)
    assert publisher_namespace("armenia") == "armenia"
    assert publisher_namespace("mexico_grupo-aeroportuario") == "mexico-grupo-aeroportuario"
    chinese = publisher_namespace("见证 jianzheng")
    assert chinese.startswith("jianzheng-") and chinese != publisher_namespace("见证2 jianzheng")


def test_replaying_the_ledger_rebuilds_the_same_tables(services: Services, tmp_path: Path, database_url: str) -> None:
    import_files(services.platform, Actor.system(), [package(tmp_path / "p.json", tender_release(), award_release())])
    import_files(services.platform, Actor.system(), [package(tmp_path / "q.json", award_release(),
                                                              publisher="另一发布方")])
    with services.engine.connect() as conn:
        events = [from_entry(entry) for _, entry in iter_all(conn)]
    assert {e.type for e in events} == {"ocds.process_imported", "ocds.release_imported"}
    (tmp_path / "replay").mkdir()
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path / "replay") as url:
        engine = make_engine(url)
        try:
            create_schema(engine)
            with engine.begin() as conn:
                for event in events:
                    projections.apply(conn, event)
            for table in (t.lots, t.projects, t.parties, t.bids):
                key = next(iter(table.primary_key.columns))
                with services.engine.connect() as live, engine.connect() as again:
                    expected = [dict(r) for r in live.execute(sa.select(table).order_by(key)).mappings()]
                    found = [dict(r) for r in again.execute(sa.select(table).order_by(key)).mappings()]
                assert found == expected and expected, table.name
        finally:
            engine.dispose()


def test_imported_data_round_trips_on_both_databases(services: Services, tmp_path: Path, database_url: str) -> None:
    import_files(services.platform, Actor.system(), [package(tmp_path / "p.json", tender_release(), award_release())])
    first = list(export_processes(services.store, services.blobs, "ocds-jzh000"))
    written = tmp_path / "export.json"
    written.write_text(dumps(release_package(first, "见证 jianzheng", "ocds-jzh000", NOW)), encoding="utf-8")
    (tmp_path / "second").mkdir()
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path / "second") as url:
        other = bootstrap(Settings(data_dir=tmp_path / "second", database_url=url), clock=SimulatedClock(NOW))
        try:
            import_files(other.platform, Actor.system(), [written])
            second = list(export_processes(other.store, other.blobs, "ocds-jzh000"))
        finally:
            other.engine.dispose()
    plain = [json.loads(dumps(document(r))) for p in first for r in p.releases]
    again = [json.loads(dumps(document(r))) for p in second for r in p.releases]
    # The first publisher's provenance travels with the releases; the copy adds nothing else.
    assert again == plain and [r["provenance"]["publisher"] for r in again] == ["某市公共资源交易中心"] * 2
    assert [r["tender"].get("localField") for r in again] == [None, None]


def test_namespaced_ids_fit_the_id_columns() -> None:
    longest = publisher_namespace("Nigeria Open Contracting Portal of the Federal Ministry")
    assert len(longest) == 32 and longest.startswith("nigeria-open-contractin-")
    plain = namespaced(longest, "NG-RC-1234567")
    assert plain == f"{longest}:NG-RC-1234567"
    for local in ("A" * 40, "名称/with spaces", "x" * 200):
        assert len(namespaced(longest, local)) <= 64 and namespaced(longest, local) != namespaced(longest, local + "1")
