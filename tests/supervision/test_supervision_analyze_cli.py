"""`jianzheng analyze` on a real SQLite data directory, through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.bootstrap import Settings, bootstrap
from jianzheng.cli.main import app
from tests.support.tender import announce, bid_with, build_world, open_lot, register_lot

runner = CliRunner()
MACHINE = {"machine_code": "PC-1", "mac": "AA:BB:CC:DD:EE:01", "author": "张工"}


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with one opened lot where two bidders share a machine and an upload address."""
    directory = tmp_path_factory.mktemp("analyze") / "data"
    world = build_world(directory, bidders=3, experts=1)
    lot = register_lot(world)
    announce(world, lot)
    bid_with(world, lot, "bidder1", 950_000_000, fingerprint=MACHINE, source_ip="10.2.3.4")
    bid_with(world, lot, "bidder2", 962_000_000, fingerprint=MACHINE, source_ip="10.2.3.4")
    bid_with(world, lot, "bidder3", 931_000_000, source_ip="10.9.9.9")
    open_lot(world, lot)
    world.services.engine.dispose()
    return directory


def test_json_has_one_object_per_alert_with_code_lots_parties_severity_evidence(data_dir: Path) -> None:
    code, out, err = run(data_dir, "analyze", "--format", "json", "--indicator", "REGS40-1")
    assert code == 0, err
    alerts = json.loads(out)
    assert len(alerts) == 1
    [alert] = alerts
    assert alert["code"] == "REGS40-1" and alert["severity"] == "high"
    assert len(alert["lot_ids"]) == 1 and len(alert["party_ids"]) == 2
    shared = {e["fact"]: e for e in alert["evidence"]}
    assert shared["same_machine_code"]["value"]["value"] == "PC-1"
    assert shared["same_source_ip"]["value"]["value"] == "10.2.3.4"
    assert shared["same_mac"]["event_seqs"], "evidence links to the submission events"
    assert "运行指标" in err and "REGS40-1" in err  # progress went to stderr, the JSON stays clean


def test_table_and_output_file(data_dir: Path, tmp_path: Path) -> None:
    code, out, err = run(data_dir, "analyze", "--indicator", "regs40-1", "--indicator", "REGS40-6")
    assert code == 0, err
    assert "REGS40-1" in out and "同一单位或个人编制" in out and "REGS40-1 1" in out
    target = tmp_path / "out" / "alerts.json"
    code, out, err = run(data_dir, "analyze", "--format", "json", "--output", str(target))
    assert code == 0, err
    assert "Wrote" in out and str(target) in out
    written = json.loads(target.read_text(encoding="utf-8"))
    assert "REGS40-1" in {a["code"] for a in written}
    assert all({"code", "lot_ids", "party_ids", "severity", "evidence"} <= set(a) for a in written)


def test_settings_file_changes_what_is_flagged(data_dir: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"REGS40-1": {"exempt_networks": ["10.0.0.0/8"]}}), encoding="utf-8")
    code, out, err = run(data_dir, "analyze", "--format", "json", "--indicator", "REGS40-1",
                         "--settings", str(settings))
    assert code == 0, err
    # Uploads from 10.0.0.0/8 are now the center's terminals: only the author is compared, not enough alone.
    assert json.loads(out) == []
    settings.write_text(json.dumps({"REGS40-1": {"exempt_networks": ["10.0.0.0/8"],
                                                 "standalone_fields": ["author"]}}), encoding="utf-8")
    code, out, err = run(data_dir, "analyze", "--format", "json", "--indicator", "REGS40-1",
                         "--settings", str(settings))
    [alert] = json.loads(out)
    assert [e["fact"] for e in alert["evidence"] if e["fact"] != "tender"] == ["same_author"]
    assert alert["severity"] == "medium"


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("--indicator", "R999"), "未知指标代码", "Unknown indicator code"),
        (("--format", "xml"), "输出格式应为", "--format must be table or json"),
        (("--settings", "/nonexistent/settings.json"), "无法读取设置文件", "Cannot read the settings file"),
    ],
)
def test_bad_input_is_refused_in_both_languages(data_dir: Path, args: tuple[str, ...], zh: str, en: str) -> None:
    code, _, err = run(data_dir, "analyze", *args)
    assert code == 2
    assert zh in err and en in err and "Traceback" not in err


def test_bad_settings_are_named(data_dir: Path, tmp_path: Path) -> None:
    settings = tmp_path / "bad.json"
    settings.write_text(json.dumps({"REGS40-1": {"exempt_networks": ["not-a-network"]}}), encoding="utf-8")
    code, _, err = run(data_dir, "analyze", "--settings", str(settings))
    assert code == 2 and "REGS40-1" in err and "not-a-network" in err
    settings.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(data_dir, "analyze", "--settings", str(settings))
    assert code == 2 and "JSON" in err


def test_uninitialised_directory_is_refused(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nothing", "analyze")
    assert code == 2 and "jianzheng init" in err
    assert not (tmp_path / "nothing").exists()


def test_empty_platform_has_no_alerts(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    bootstrap(Settings(data_dir=directory)).engine.dispose()
    code, out, err = run(directory, "analyze", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == []
