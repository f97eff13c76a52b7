"""`jianzheng import ocds` and `jianzheng export ocds` on a real SQLite data directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jianzheng.cli.main import app
from tests.adapters.ocds.test_ocds_import import award_release, package, tender_release

runner = CliRunner()
REAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "ocds" / "real-2018"


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    code, out, err = run(folder, "init", "--password", "admin-pass-1")
    assert code == 0, err
    return folder


def events(data: Path) -> list[dict[str, Any]]:
    code, out, err = run(data, "log", "--format", "json", "--limit", "10000")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)["events"]
    return result


def blobs(data: Path) -> list[str]:
    return sorted(str(p) for p in (data / "blobs").rglob("*") if p.is_file())


def test_import_reports_what_it_did_and_is_idempotent(data: Path, tmp_path: Path) -> None:
    source = package(tmp_path / "p.json", tender_release(), award_release())
    code, out, err = run(data, "import", "ocds", str(source))
    assert code == 0, err
    assert "某市公共资源交易中心" in out and "releases imported: 2" in out
    assert "tender/localField" in out and "unknown" in out
    imported = [e for e in events(data) if e["type"].startswith("ocds.")]
    assert [e["type"] for e in imported] == ["ocds.release_imported", "ocds.process_imported"]  # newest first
    code, out, err = run(data, "import", "ocds", str(source), "--format", "json")
    assert code == 0, err
    report, = json.loads(out)["files"]
    assert (report["releases_imported"], report["releases_skipped"]) == (0, 2)
    assert report["processes"][0]["reason"]["en"] == "already imported, skipped"
    assert report["fields"] == [{"path": "tender/localField", "reason": "unknown", "count": 1}]
    assert len([e for e in events(data) if e["type"].startswith("ocds.")]) == 2
    code, out, _ = run(data, "lots", "list", "--format", "json")
    assert [lot["source"] for lot in json.loads(out)["lots"]] == [f"import:{report['namespace']}"]


@pytest.mark.parametrize(("name", "content", "line", "zh", "en"), [
    ("missing.json", None, None, "文件不存在", "does not exist"),
    ("broken.jsonl", '{"ocid": "a", "id": "1"}\n{"ocid": "b",\n', 2, "不是有效的 JSON", "not valid JSON"),
    ("people.json", '{"name": "张三", "phone": "13900000000"}', 1, "不是 OCDS 发布", "not an OCDS release"),
])
def test_bad_files_are_refused_by_file_and_line_and_nothing_is_written(
        data: Path, tmp_path: Path, name: str, content: str | None, line: int | None, zh: str, en: str) -> None:
    bad = tmp_path / name
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    good = package(tmp_path / "good.json", tender_release())
    before, stored = events(data), blobs(data)
    code, out, err = run(data, "import", "ocds", str(good), str(bad))
    assert code == 2
    assert f"错误：{bad}" in err and f"Error: {bad}" in err
    if line is not None:
        assert f"第 {line} 行" in err and f"line {line}" in err
    assert zh in err and en in err and "Nothing was imported" in err and "Traceback" not in err
    assert events(data) == before and blobs(data) == stored  # not even the good file


def test_import_needs_an_initialised_data_directory(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nowhere", "import", "ocds", str(package(tmp_path / "p.json", tender_release())))
    assert code == 2 and "jianzheng init" in err
    assert not (tmp_path / "nowhere" / "jianzheng.db").exists()


def test_export_writes_packages_and_compiled_lines(data: Path, tmp_path: Path) -> None:
    run(data, "import", "ocds", str(package(tmp_path / "p.json", tender_release(), award_release())))
    target = tmp_path / "out.json"
    code, out, err = run(data, "export", "ocds", "--output", str(target), "--validate")
    assert code == 0, err
    assert "Exported 1 lots, 2 releases" in err and "valid against the schema" in err
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["version"] == "1.1" and written["publisher"]["name"] == "见证 jianzheng"
    assert [r["id"] for r in written["releases"]] == ["r-tender", "r-award"]
    assert written["releases"][0]["tender"]["value"]["amount"] == 1200000.5
    code, out, err = run(data, "export", "ocds", "--compiled", "--public")
    assert code == 0, err
    compiled, = [json.loads(line) for line in out.splitlines()]
    assert compiled["tag"] == ["compiled"] and compiled["tender"]["status"] == "complete"
    assert all("uploadIp" not in b and "fingerprint" not in b for b in compiled["bids"]["details"])


def test_export_refuses_unknown_lots_and_bad_targets(data: Path, tmp_path: Path) -> None:
    code, _, err = run(data, "export", "ocds", "--lot", "NO-SUCH-LOT")
    assert code == 2 and "未找到标段：NO-SUCH-LOT" in err and "No lot with id NO-SUCH-LOT" in err
    code, _, err = run(data, "export", "ocds", "--output", str(tmp_path / "absent" / "x.json"))
    assert code == 2 and "does not exist" in err
    code, _, err = run(data, "export", "ocds", "--output", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_validate_reports_what_publishers_left_out(data: Path, tmp_path: Path) -> None:
    incomplete = tender_release()
    del incomplete["initiationType"]
    run(data, "import", "ocds", str(package(tmp_path / "p.json", incomplete)))
    code, _, err = run(data, "export", "ocds", "--validate", "--output", str(tmp_path / "o.json"))
    assert code == 1
    assert "1 × (root): 'initiationType' is a required property" in err


def test_red_flags_on_the_armenian_and_ukrainian_data(data: Path) -> None:
    if not REAL.is_dir():
        pytest.skip(f"real OCDS sample not found at {REAL} (shared reference data lives outside the repository)")
    code, out, err = run(data, "import", "ocds", str(REAL / "armenia.jsonl"), str(REAL / "ukraine.jsonl"),
                         "--red-flags", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    counts = {f["source"]: f["counts"] for f in result["red_flags"]}
    assert counts["import:armenia"]["R003"] == 22 and counts["import:armenia"]["R018"] == 1
    assert counts["import:ukraine"]["R003"] == 6 and counts["import:ukraine"]["R018"] == 2
    code, out, err = run(data, "import", "ocds", str(REAL / "ukraine.jsonl"), "--red-flags")
    assert code == 0, err
    assert "red flags — import:ukraine" in out and "R018" in out
