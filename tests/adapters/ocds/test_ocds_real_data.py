"""All 610 real published processes of ../shared/data/ocds/real-2018: imported, none silently dropped.

The sample (17 publishers, 2011-2018) is the Open Contracting Partnership's former
`real-examples`, upgraded to OCDS 1.1; it lives outside the repository and the tests skip
with a clear message without it. For each release the test checks the no-silent-drop
invariant: every scalar value of the input is either kept in the witnessed release or lies
under a path the import reported as dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jianzheng.adapters.ocds.export import document, export_processes, validate_release
from jianzheng.adapters.ocds.importer import FileReport, import_files
from jianzheng.adapters.ocds.normalize import DROPPED, is_decimal, normalize_release
from jianzheng.bootstrap import Services, Settings, bootstrap
from jianzheng.services.actor import Actor

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "ocds"
REAL = SHARED / "real-2018"


def real_files() -> list[Path]:
    if not REAL.is_dir():
        pytest.skip(f"real OCDS sample not found at {REAL} (shared reference data lives outside the repository)")
    return sorted(REAL.glob("*.jsonl"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, list[FileReport]]]:
    paths = real_files()
    services = bootstrap(Settings(data_dir=tmp_path_factory.mktemp("real")))
    reports = import_files(services.platform, Actor.system(), paths)
    yield services, reports
    services.engine.dispose()


def scalars(value: Any, path: str = "") -> Iterator[str]:
    """The paths of every scalar in a JSON value (an exact decimal counts as one)."""
    if isinstance(value, dict) and not is_decimal(value):
        for key, item in value.items():
            yield from scalars(item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from scalars(item, f"{path}/{index}")
    else:
        yield path


def under(path: str, prefixes: set[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def test_every_line_is_imported_or_reported(imported: tuple[Services, list[FileReport]]) -> None:
    services, reports = imported
    lines = {p.name: sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
             for p in real_files()}
    assert sum(lines.values()) == 610
    for report in reports:
        assert report.releases_read + len(report.skipped_items) == lines[Path(report.path).name], report.path
        assert report.result.imported_releases == report.releases_read  # a fresh database: nothing skipped
    skipped = [(Path(r.path).name, s.line) for r in reports for s in r.skipped_items]
    assert [name for name, _ in skipped] == ["mexico_jalisco.jsonl"] * 7  # linked-release stubs without ocid
    assert sum(r.result.imported_processes for r in reports) == 603
    with services.store.read() as session:
        assert session.count("lots", {"source": [f"import:{r.namespace}" for r in reports]}) == 603
        assert session.count("events") == 603
        assert session.count("bids") == 48  # Armenia 36, Ukraine 12 (data/README.md)
    # Every field not kept is in the report with its count; the totals per reason, for the docs.
    reasons: Counter[str] = Counter()
    for report in reports:
        for (_, reason), count in report.findings.items():
            reasons[reason] += count
    assert reasons == {"unknown": 4209, "missing": 761, "codelist": 294, "type": 245, "empty": 199, "format": 171,
                       "converted": 137, "duplicate": 6}


def test_nothing_is_dropped_silently() -> None:
    checked = 0
    for path in real_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            release = json.loads(line, parse_float=Decimal)
            if "ocid" not in release:
                continue
            kept, findings = normalize_release(release)
            dropped = {f.path for f in findings if f.reason in DROPPED}
            # Count each dropped subtree once, at its outermost reported path.
            outermost = {p for p in dropped if not any(p.startswith(q + "/") for q in dropped)}
            given = list(scalars(release))
            lost = [p for p in given if under(p, outermost)]
            assert len(given) == len(list(scalars(kept))) + len(lost), (path.name, release["ocid"])
            checked += 1
    assert checked == 603


def test_the_witnessed_release_is_the_normalized_one(imported: tuple[Services, list[FileReport]]) -> None:
    services, reports = imported
    ukraine = next(r for r in reports if r.namespace == "ukraine")
    source = Path(ukraine.path).read_text(encoding="utf-8").splitlines()
    for event in ukraine.result.events:
        line = source[event.payload["source"]["line"] - 1]
        expected, findings = normalize_release(json.loads(line, parse_float=Decimal))
        assert event.payload["release"] == expected
        assert sum(f["count"] for f in event.payload["findings"]) == len(findings)


def test_exports_of_imported_data_only_lack_what_publishers_left_out(
        imported: tuple[Services, list[FileReport]]) -> None:
    services, _ = imported
    problems: Counter[str] = Counter()
    processes = list(export_processes(services.store, services.blobs, "ocds-jzh000"))
    assert len(processes) == 603
    for process in processes:
        assert process.releases[0]["provenance"]["origin"] == process.source
        # Every release as published; the compiled release of a one-release process differs only in id and tag.
        for release in process.releases if len(process.releases) == 1 else (*process.releases, process.compiled):
            for error in validate_release(document(release)):
                problems[error.split(": ", 1)[1].split(" is a ")[-1]] += 1
    # Nothing invented: the only schema errors left are required fields the publishers omitted.
    assert set(problems) == {"required property"}
