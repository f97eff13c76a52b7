"""`jianzheng alerts`, `jianzheng watchlist` and `jianzheng credit` on a real SQLite data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.cli.main import app
from jianzheng.supervision import run_batch
from jianzheng.supervision.frames import frames_from_records
from tests.support.tender import TenderWorld, build_world

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "supervision" / "fixtures"


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "240"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def desk_world(tmp_path: Path) -> tuple[TenderWorld, Path, list[str]]:
    data = tmp_path / "data"
    world = build_world(data, bidders=3, experts=1)
    ids = []
    for code in ("R018", "PROC-LATE-REFUND"):
        given = json.loads((FIXTURES / f"{code}.input.json").read_text(encoding="utf-8"))
        ids += world.services.desk.raise_alerts(
            run_batch(frames_from_records(given["frames"]), given["settings"], indicators=[code]))
    return world, data, ids


def event_count(world: TenderWorld) -> int:
    with world.services.store.read() as session:
        return session.count("events")


def test_alert_workflow_on_the_command_line(desk_world: tuple[TenderWorld, Path, list[str]]) -> None:
    world, data, (single, refund) = desk_world
    code, out, err = run(data, "alerts", "list", "--format", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["total"] == 2 and {a["alert_id"] for a in listed["alerts"]} == {single, refund}
    code, out, _ = run(data, "alerts", "list", "--indicator", "R018", "--format", "json")
    assert [a["alert_id"] for a in json.loads(out)["alerts"]] == [single]
    code, out, _ = run(data, "alerts", "list")
    assert code == 0 and "新预警 new" in out and "R018" in out

    before = event_count(world)
    code, _, err = run(data, "alerts", "dismiss", single, "--as", "supervisor", "--reason", "误报")
    assert code == 2 and "新预警" in err and "dismissed" in err and "Traceback" not in err
    code, _, err = run(data, "alerts", "ack", single, "--as", "staff")
    assert code == 2 and "行政监督人员" in err and "supervisor account" in err
    code, _, err = run(data, "alerts", "ack", "NOSUCH", "--as", "supervisor")
    assert code == 2 and "未找到预警" in err
    code, _, err = run(data, "alerts", "ack", single, "--as", "nobody")
    assert code == 2 and "No account" in err
    assert event_count(world) == before

    for args in (("ack", single, "--note", "收到"), ("assign", single, "--to", "supervisor"),
                 ("review", single), ("comment", single, "--text", "已调取开标记录")):
        code, out, err = run(data, "alerts", args[0], args[1], "--as", "supervisor", *args[2:])
        assert code == 0, err
        assert "ledger seq" in out
    code, out, err = run(data, "alerts", "confirm", single, "--as", "supervisor", "--finding", "查实串通投标",
                         "--credit-sanction", "bid_ban", "--credit-subject", world.parties["bidder1"],
                         "--credit-basis", "招标投标法实施条例第六十七条", "--credit-authority", "昆明市公管局",
                         "--credit-until", "2099-01-01")
    assert code == 0, err
    record_id = out.split("credit record: ")[1].strip()
    code, out, _ = run(data, "alerts", "show", single, "--format", "json")
    shown = json.loads(out)
    assert shown["status"] == "confirmed" and shown["credit_record_id"] == record_id
    assert [c["text"] for c in shown["comments"]] == ["已调取开标记录"]
    code, out, _ = run(data, "alerts", "show", single)
    assert code == 0 and "已确认 confirmed" in out and "证据 / evidence" in out and "alert.commented" in out

    for args in (("ack", refund), ("review", refund)):
        assert run(data, "alerts", *args, "--as", "supervisor")[0] == 0
    code, _, err = run(data, "alerts", "transfer", refund, "--as", "supervisor", "--to", "昆明市纪委监委", "--note", "")
    assert code == 2 and "移送说明" in err
    code, _, err = run(data, "alerts", "transfer", refund, "--as", "supervisor", "--to", "昆明市纪委监委",
                       "--note", "保证金长期占用，移送查处")
    assert code == 0, err
    code, out, _ = run(data, "alerts", "list", "--status", "transferred", "--format", "json")
    assert [a["transferred_to"] for a in json.loads(out)["alerts"]] == ["昆明市纪委监委"]


def test_credit_and_watch_list_on_the_command_line(desk_world: tuple[TenderWorld, Path, list[str]]) -> None:
    world, data, _ = desk_world
    bidder = world.parties["bidder2"]
    before = event_count(world)
    record = ("credit", "record", "--as", "supervisor", "--subject", bidder, "--behaviour", "串标")
    code, _, err = run(data, *record, "--sanction", "prison", "--basis", "第六十七条", "--authority", "公管局",
                       "--until", "2099-01-01")
    assert code == 2 and "处理措施" in err and "sanction must be one of" in err
    code, _, err = run(data, *record, "--sanction", "bid_ban", "--basis", "第六十七条", "--authority", "公管局",
                       "--until", "next year")
    assert code == 2 and "--until" in err and "ISO 8601" in err
    code, _, err = run(data, "watchlist", "add", "--as", "supervisor", "--kind", "expert", "--subject", bidder,
                       "--reason", "陪标", "--until", "2099-01-01")
    assert code == 2 and "未找到人员" in err and "No person" in err
    assert event_count(world) == before

    code, out, err = run(data, "credit", "record", "--as", "supervisor", "--subject", bidder, "--behaviour", "串标",
                         "--sanction", "bid_ban", "--basis", "招标投标法实施条例第六十七条", "--authority", "公管局",
                         "--from", "2026-01-01", "--until", "2099-01-01", "--decision-ref", "昆公管罚〔2026〕1号")
    assert code == 0, err
    record_id = out.split("recorded: ")[1].split()[0]
    code, out, _ = run(data, "credit", "list", "--in-force", "--format", "json")
    records = json.loads(out)["records"]
    assert [(r["record_id"], r["status"], r["decision_ref"]) for r in records] == [
        (record_id, "in_force", "昆公管罚〔2026〕1号")]
    code, out, _ = run(data, "credit", "list")
    assert code == 0 and "取消投标资格 bid_ban" in out
    assert run(data, "credit", "revoke", record_id, "--as", "supervisor", "--reason", "复议撤销")[0] == 0
    code, _, err = run(data, "credit", "revoke", record_id, "--as", "supervisor", "--reason", "again")
    assert code == 2 and "已撤销" in err
    code, out, _ = run(data, "credit", "list", "--subject", bidder, "--format", "json")
    assert json.loads(out)["records"][0]["status"] == "revoked"

    code, out, err = run(data, "watchlist", "add", "--as", "supervisor", "--kind", "bidder", "--subject", bidder,
                         "--reason", "多次陪标", "--from", "2026-01-01", "--until", "2099-01-01")
    assert code == 0, err
    entry_id = out.split("added: ")[1].split()[0]
    code, out, _ = run(data, "watchlist", "list", "--format", "json")
    assert [(e["entry_id"], e["reason"], e["status"]) for e in json.loads(out)] == [(entry_id, "多次陪标", "in_force")]
    code, out, _ = run(data, "watchlist", "list")
    assert code == 0 and "投标人 bidder" in out
    world.services.auth.login("bidder2", "correct horse 1")
    code, out, _ = run(data, "alerts", "list", "--indicator", "WATCHLIST", "--format", "json")
    assert json.loads(out)["total"] == 1
    assert run(data, "watchlist", "remove", entry_id, "--as", "supervisor", "--reason", "核实")[0] == 0
    code, out, _ = run(data, "watchlist", "list", "--state", "removed", "--format", "json")
    assert [e["entry_id"] for e in json.loads(out)] == [entry_id]
    code, _, err = run(data, "watchlist", "list", "--state", "gone")
    assert code == 2 and "state must be one of" in err
