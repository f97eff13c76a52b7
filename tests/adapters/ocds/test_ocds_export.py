"""Platform lots as OCDS 1.1: valid against the official schema, sealed bids sealed, and the round trip.

The schema used for validation is read from ../shared/data/ocds (the official 1.1.5 files and
the bids extension, merged here by JSON Merge Patch as the data README describes) when it is
there, so the test does not only trust the copy vendored in the package; the vendored copy
is checked to be byte-for-byte the official one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from jianzheng.adapters.ocds import schema as vendored
from jianzheng.adapters.ocds.export import (
    ExportedProcess,
    compiled_lines,
    document,
    dumps,
    export_processes,
    public_copy,
    release_package,
    validate_release,
)
from jianzheng.adapters.ocds.importer import import_files
from jianzheng.adapters.ocds.merge import compile_releases
from jianzheng.bootstrap import Settings, bootstrap
from jianzheng.services.actor import Actor
from tests.adapters.ocds.ocds_world import PRICES, build_ocds_world
from tests.support.tender import TenderWorld

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "ocds"
PREFIX = "ocds-jzh000"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TenderWorld, dict[str, str]]]:
    world, lots = build_ocds_world(tmp_path_factory.mktemp("ocds-world"))
    yield world, lots
    world.services.engine.dispose()


@pytest.fixture(scope="module")
def exported(built: tuple[TenderWorld, dict[str, str]]) -> dict[str, ExportedProcess]:
    world, lots = built
    processes = list(export_processes(world.services.store, world.services.blobs, PREFIX))
    by_key = {key: next(p for p in processes if p.lot_id == lot_id) for key, lot_id in lots.items()}
    assert len(processes) == len(lots)
    return by_key


def official_schema() -> dict[str, Any]:
    """The official release schema with the bids and jianzheng extensions merged (JSON Merge Patch)."""
    folder = SHARED / "schema-1.1.5"
    core = json.loads((folder / "release-schema.json").read_text(encoding="utf-8")) if folder.is_dir() \
        else vendored._load(vendored.STANDARD / "release-schema.json")
    bids_path = SHARED / "bid-extension" / "release-schema.json"
    bids = json.loads(bids_path.read_text(encoding="utf-8")) if bids_path.is_file() \
        else vendored._load(vendored.STANDARD / "bids" / "release-schema.json")
    ours = json.loads((vendored.EXTENSION / "release-schema.json").read_text(encoding="utf-8"))
    merged: dict[str, Any] = vendored.merge_patch(vendored.merge_patch(core, bids), ours)
    return merged


def validator() -> Any:
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(lambda value: not isinstance(value, str) or "T" in value)
    return jsonschema.Draft4Validator(official_schema(), format_checker=checker)


def plain(value: Any) -> Any:
    return json.loads(dumps(document(value)))


def test_the_vendored_standard_is_the_official_one() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"official OCDS files not found at {SHARED} (shared reference data lives outside the repository)")
    for name in ("release-schema.json", "release-package-schema.json", "record-package-schema.json"):
        assert (vendored.STANDARD / name).read_bytes() == (SHARED / "schema-1.1.5" / name).read_bytes()
    for name in ("release-schema.json", "extension.json"):
        assert (vendored.STANDARD / "bids" / name).read_bytes() == (SHARED / "bid-extension" / name).read_bytes()


def test_every_release_and_compiled_release_is_valid(exported: dict[str, ExportedProcess]) -> None:
    check = validator()
    count = 0
    for process in exported.values():
        for release in (*process.releases, process.compiled):
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(plain(release))]
            assert errors == [], (release["id"], errors)
            assert validate_release(document(release)) == []
            count += 1
    assert count > 20


def test_the_release_package_is_valid(built: tuple[TenderWorld, dict[str, str]],
                                      exported: dict[str, ExportedProcess]) -> None:
    world, _ = built
    package = plain(release_package(exported.values(), "昆明市公共资源交易中心", PREFIX, world.clock.now()))
    schema = json.loads((vendored.STANDARD / "release-package-schema.json").read_text(encoding="utf-8"))
    release = official_schema()
    registry: Registry[Any] = Registry().with_resource(release["id"], Resource.from_contents(
        release, default_specification=DRAFT4))
    errors = list(jsonschema.Draft4Validator(schema, registry=registry).iter_errors(package))
    assert errors == []
    assert package["publisher"]["name"] == "昆明市公共资源交易中心" and package["version"] == "1.1"
    assert len(package["releases"]) == sum(len(p.releases) for p in exported.values())


def test_one_release_per_event_that_changes_the_record(exported: dict[str, ExportedProcess]) -> None:
    contracted = exported["contracted"]
    tags = [r["tag"][0] for r in contracted.releases]
    assert tags[:4] == ["planning", "tenderUpdate", "tender", "tenderAmendment"]
    assert tags.count("award") == 2 and tags.count("contract") == 1
    assert [r["tag"][0] for r in exported["cancelled"].releases][-1] == "tenderCancellation"
    assert all(r["ocid"] == f"{PREFIX}-{contracted.lot_id}" for r in contracted.releases)
    ids = [r["id"] for r in contracted.releases]
    assert len(set(ids)) == len(ids)
    # Each release is a full snapshot, so the compiled release is the last one merged over the rest.
    last = {k: v for k, v in contracted.releases[-1].items() if k not in ("id", "tag")}
    assert {k: v for k, v in contracted.compiled.items() if k not in ("id", "tag")} == last
    assert compile_releases(contracted.releases) == contracted.compiled


def test_money_is_exact_yuan_in_cny(exported: dict[str, ExportedProcess]) -> None:
    compiled = plain(exported["contracted"].compiled)
    assert compiled["tender"]["value"] == {"amount": 10_000_000, "currency": "CNY"}
    prices = {b["tenderers"][0]["name"]: b["value"]["amount"] for b in compiled["bids"]["details"]}
    assert prices["bidder2有限公司"] == 9_854_321 and prices["bidder3有限公司"] == 9_900_000.01
    assert document(exported["contracted"].compiled)["bids"]["details"][0]["value"]["amount"] in \
        {Decimal(p) / 100 for p in PRICES.values()}
    award = next(a for a in compiled["awards"] if a["status"] == "active")
    assert award["value"] == {"amount": 9_854_321, "currency": "CNY"}
    contract, = compiled["contracts"]
    assert contract["awardID"] == award["id"] and contract["value"]["amount"] == 9_854_321


def test_bids_carry_what_supervision_needs(built: tuple[TenderWorld, dict[str, str]],
                                          exported: dict[str, ExportedProcess]) -> None:
    world, _ = built
    compiled = plain(exported["contracted"].compiled)
    bids = {b["tenderers"][0]["id"]: b for b in compiled["bids"]["details"]}
    two, three, four = (bids[world.parties[f"bidder{i}"]] for i in (2, 3, 4))
    assert two["fingerprint"]["machineCode"] == three["fingerprint"]["machineCode"] == "M-SHARED"
    assert three["uploadIp"] == four["uploadIp"] == "10.0.0.9"
    assert two["deposit"]["payingAccount"] and two["deposit"]["fromBasicAccount"] is True
    assert two["deposit"]["refundDate"] and two["deposit"]["interest"]["amount"] == 12.34
    assert two["projectManager"]["id"] == world.persons["pm2"] and two["projectManager"]["name"]
    assert two["content"]["technicalProposal"].startswith("bidder2 的施工组织设计")
    assert len(two["content"]["sha256"]) == 64 and two["documents"][0]["sm3"]
    assert (two["status"], two["rank"]) == ("valid", 1) and two["score"] > 0
    assert four["status"] == "disqualified" and four["statusDetails"].startswith("报价低于成本")
    awards = {a["suppliers"][0]["id"]: a["status"] for a in compiled["awards"]}
    assert awards[world.parties["bidder2"]] == "active" and "unsuccessful" in awards.values()
    assert compiled["tender"]["amendments"][1]["rationale"].startswith("投标截止时间顺延")


def test_sealed_bids_never_appear_before_the_opening(built: tuple[TenderWorld, dict[str, str]],
                                                     exported: dict[str, ExportedProcess]) -> None:
    world, _ = built
    for key in ("bidding", "failed"):  # still sealed, and returned unopened after too few bids
        text = dumps([document(r) for r in exported[key].releases])
        assert '"bids"' not in text and "tenderers" not in text
        assert world.parties["bidder1"] not in text
    failed = plain(exported["failed"].compiled)
    assert (failed["tender"]["status"], failed["tender"]["round"]) == ("planning", 2)
    # In the contracted lot, the releases before the opening have no bids either.
    opened_at = plain(exported["contracted"].compiled)["tender"]["awardPeriod"]["startDate"]
    for release in exported["contracted"].releases:
        assert ("bids" in release) == (release["date"] >= opened_at)


def test_public_copy_leaves_out_machines_networks_and_accounts(exported: dict[str, ExportedProcess]) -> None:
    public = plain(public_copy(exported["contracted"].compiled))
    for bid in public["bids"]["details"]:
        assert "fingerprint" not in bid and "uploadIp" not in bid
        assert "payingAccount" not in bid["deposit"] and "value" in bid["deposit"]
    assert validate_release(public) == []


def strip_provenance(release: dict[str, Any]) -> dict[str, Any]:
    copy = plain(release)
    copy.pop("provenance", None)
    return dict(copy)


def test_round_trip_export_import_export_gives_the_same_releases(
        built: tuple[TenderWorld, dict[str, str]], exported: dict[str, ExportedProcess], tmp_path: Path) -> None:
    world, _ = built
    first = tmp_path / "first.json"
    first.write_text(dumps(release_package(exported.values(), "见证 jianzheng", PREFIX, world.clock.now()),
                           indent=2), encoding="utf-8")
    fresh = bootstrap(Settings(data_dir=tmp_path / "fresh"))
    try:
        report, = import_files(fresh.platform, Actor.system(), [first])
        assert report.findings == {} and report.result.imported_processes == len(exported)
        again = {p.ocid: p for p in export_processes(fresh.store, fresh.blobs, "ocds-other")}
        assert set(again) == {p.ocid for p in exported.values()}  # imported ocids are kept, whatever our prefix
        for process in exported.values():
            copy = again[process.ocid]
            assert copy.source.startswith("import:jianzheng-")
            assert [strip_provenance(r) for r in copy.releases] == [plain(r) for r in process.releases]
            assert strip_provenance(copy.compiled) == plain(process.compiled)
            provenance = plain(copy.releases[0])["provenance"]
            assert provenance["publisher"] == "见证 jianzheng" and provenance["origin"] == copy.source
        # A second trip is exact, provenance included: a copy of a copy names the first import.
        second = tmp_path / "second.jsonl"
        second.write_text("".join(line + "\n" for line in compiled_lines(again.values())), encoding="utf-8")
        third = bootstrap(Settings(data_dir=tmp_path / "third"))
        try:
            import_files(third.platform, Actor.system(), [second], publisher="第二站")
            final = {p.ocid: p for p in export_processes(third.store, third.blobs, PREFIX)}
            for ocid, process in again.items():
                assert plain(final[ocid].compiled) == plain(process.compiled)
        finally:
            third.engine.dispose()
    finally:
        fresh.engine.dispose()
