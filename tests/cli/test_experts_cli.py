"""`jianzheng experts` on a real SQLite data directory: profiles, the draw, and its re-check from the ledger.

The last test plays an operator who rewrites the recorded request in the database after the
draw (dropping the append-only trigger first): `redraw-check` names the broken checks and
exits 1.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from jianzheng.cli.main import app
from tests.support.tender import TenderWorld, announce, bid, build_world, open_lot, register_lot

runner = CliRunner()


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "240"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def opened(tmp_path: Path) -> tuple[TenderWorld, Path, str]:
    data = tmp_path / "data"
    world = build_world(data, bidders=3, experts=7)
    lot = register_lot(world)
    announce(world, lot)
    for i in range(1, 4):
        bid(world, lot, f"bidder{i}", 900_000_000 + i * 1_000_000)
    open_lot(world, lot)
    return world, data, lot


def events(world: TenderWorld) -> int:
    with world.services.store.read() as session:
        return session.count("events")


def drawn(world: TenderWorld, data: Path, lot: str) -> None:
    for i in range(1, 8):
        code, out, err = run(data, "experts", "profile", world.persons[f"expert{i}"], "--as", "staff",
                             "--specialty", "A0101", "--specialty", "c0201", "--level", "senior", "--region", "530100")
        assert code == 0, err
    evaluation = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    code, out, err = run(data, "experts", "draw", lot, "--as", "staff", "--line", "A01:5:1", "--region", "530100",
                         "--evaluation-at", evaluation)
    assert code == 0, err
    assert "种子 / seed" in out and out.count("抽中 drawn") == 5 and out.count("备选 reserve") == 1


def test_profiles_draw_and_redraw_check(opened: tuple[TenderWorld, Path, str]) -> None:
    world, data, lot = opened
    before = events(world)
    code, _, err = run(data, "experts", "profile", world.persons["expert1"], "--as", "staff", "--specialty", "A1",
                       "--level", "senior", "--region", "530100")
    assert code == 2 and "评标专业代码" in err and "specialty code" in err and "Traceback" not in err
    code, _, err = run(data, "experts", "profile", world.persons["expert1"], "--as", "supervisor", "--specialty",
                       "A01", "--level", "senior", "--region", "530100")
    assert code == 2 and "交易中心工作人员" in err
    code, _, err = run(data, "experts", "draw", lot, "--as", "staff", "--line", "A01:five", "--region", "530100",
                       "--evaluation-at", "2030-01-01")
    assert code == 2 and "--line" in err
    assert events(world) == before
    drawn(world, data, lot)
    code, out, _ = run(data, "experts", "list", "--specialty", "C02", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 7 and json.loads(out)[0]["specialties"] == ["A0101", "C0201"]
    code, out, err = run(data, "experts", "redraw-check", lot)
    assert code == 0, err
    assert "一致 / OK" in out and "✗" not in out and "first_checkpoint" in out
    code, out, _ = run(data, "experts", "redraw-check", lot, "--format", "json")
    [result] = json.loads(out)
    assert result["ok"] and len(result["picks"]) == 6
    code, out, _ = run(data, "experts", "draws", lot, "--format", "json")
    assert [p["status"] for p in json.loads(out)[0]["picks"]] == ["called"] * 5 + ["reserve"]
    code, _, err = run(data, "experts", "availability", world.persons["expert7"], "--as", "staff", "--unavailable")
    assert code == 2 and "暂停原因" in err
    code, out, _ = run(data, "experts", "availability", world.persons["expert7"], "--as", "staff", "--unavailable",
                       "--reason", "住院", "--until", "2030-01-01")
    assert code == 0 and "unavailable" in out


def test_redraw_check_fails_when_the_recorded_request_was_rewritten(opened: tuple[TenderWorld, Path, str]) -> None:
    world, data, lot = opened
    drawn(world, data, lot)
    with world.services.engine.begin() as conn:
        row = conn.execute(sa.text("SELECT seq, entry FROM events WHERE type = 'lot.expert_draw_requested'")).one()
        entry = json.loads(row.entry)
        entry["payload"]["exclusions"].append({"person_id": entry["payload"]["pool"][0]["person_id"],
                                                "reason": "employer", "facts": {}})
        conn.exec_driver_sql("DROP TRIGGER events_no_update")
        conn.execute(sa.text("UPDATE events SET entry = :entry WHERE seq = :seq"),
                     {"entry": json.dumps(entry, ensure_ascii=False), "seq": row.seq})
    code, out, _ = run(data, "experts", "redraw-check", lot)
    assert code == 1
    assert "不一致 / FAILED" in out
    failed = {line.split(":")[0].strip("✗ ").strip() for line in out.splitlines() if line.strip().startswith("✗")}
    assert {"request_digest", "seed", "candidates"} <= failed
