"""`jianzheng verify` through Typer's CliRunner: exit status, bilingual output, JSON, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from jianzheng.cli.main import app
from jianzheng.ledger.keys import generate_signer, save_verifier_key
from tests.adapters.test_verify import full_tender
from tests.support.tender import TenderWorld, build_world

runner = CliRunner()


def run(world: TenderWorld, *args: str) -> tuple[int, str, str]:
    settings = world.services.settings
    base = ["--data-dir", str(settings.data_dir)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*base, "verify", *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tendered(tmp_path: Path, database_url: str) -> Iterator[TenderWorld]:
    world = build_world(tmp_path / "data", database_url, bidders=3)
    full_tender(world)
    yield world
    world.services.engine.dispose()


def test_a_faithful_record_passes_with_exit_status_0(tendered: TenderWorld) -> None:
    code, out, err = run(tendered)
    assert code == 0, out + err
    assert "通过 / PASSED" in out and "everything holds" in out
    assert "Traceback" not in err


def test_tampering_fails_with_exit_status_1_and_names_the_field(tendered: TenderWorld) -> None:
    with tendered.services.engine.begin() as conn:
        lot_id, stage = conn.execute(sa.text("SELECT lot_id, stage FROM lots")).one()
        conn.execute(sa.text("UPDATE lots SET stage = 'cancelled' WHERE lot_id = :l"), {"l": lot_id})
    code, out, _ = run(tendered)
    assert code == 1
    assert "未通过 / FAILED" in out
    assert f"表 lots（lot_id={lot_id}）字段 stage" in out
    assert f"table lots (lot_id={lot_id}) field stage: live \"cancelled\", replayed \"{stage}\"" in out
    code, out, _ = run(tendered, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["counts"] == {"table.field": 1}
    [found] = report["discrepancies"]
    assert (found["table"], found["key"], found["field"], found["live"], found["replayed"]) == (
        "lots", f"lot_id={lot_id}", "stage", "cancelled", stage)
    assert report["stats"]["events"] == report["stats"]["tree_size"] > 0


def test_json_report_and_witness_keys(tmp_path: Path, tendered: TenderWorld) -> None:
    witness = generate_signer("notary.example/witness", "cosignature")
    save_verifier_key(tmp_path / "w.vkey", witness)
    code, out, _ = run(tendered, "--format", "json", "--witness-key", str(tmp_path / "w.vkey"), "--replay", "sql")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] is True and report["stats"]["witness_keys"] == 1 and report["stats"]["replay"] == "sql"
    assert report["stats"]["platform_keys"] == 2 and report["stats"]["blobs_checked"] > 0


def test_bad_input_is_refused_in_both_languages(tmp_path: Path, tendered: TenderWorld) -> None:
    not_a_key = tmp_path / "note.txt"
    not_a_key.write_text("hello", encoding="utf-8")
    platform_key = tendered.services.settings.data_dir / "keys" / "platform-ed25519.vkey"
    cases = [
        (("--limit", "0"), "--limit 至少为 1", "--limit must be at least 1"),
        (("--replay", "fast"), "--replay 应为 memory 或 sql", "--replay must be memory or sql"),
        (("--workers", "3"), "--workers 应为 0 或 1", "--workers must be 0 or 1"),
        (("--format", "xml"), "输出格式应为 table 或 json", "--format must be table or json"),
        (("--key", str(not_a_key)), "公钥文件", "is not a verifier key"),
        (("--key", str(tmp_path / "absent.vkey")), "找不到公钥文件", "Key file not found"),
        (("--witness-key", str(platform_key)), "不是见证方的副签公钥", "is not a witness cosignature key"),
        (("--no-blobs", "--blobs", str(tmp_path)), "不能同时使用", "cannot be used together"),
        (("--blobs", str(tmp_path / "nowhere")), "文件库目录不存在", "blob directory does not exist"),
    ]
    for args, zh, en in cases:
        code, out, err = run(tendered, *args)
        assert code == 2, (args, out, err)
        assert zh in err and en in err, (args, err)
        assert "Traceback" not in err


def test_an_uninitialised_data_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "empty"), "verify"])
    assert result.exit_code == 2
    assert "尚未初始化" in result.stderr and "not initialised" in result.stderr
    assert not (tmp_path / "empty").exists()  # verify writes nothing


def test_given_keys_replace_the_published_ones(tmp_path: Path, tendered: TenderWorld) -> None:
    impostor = generate_signer(tendered.services.settings.ledger_origin, "ed25519")
    save_verifier_key(tmp_path / "impostor.vkey", impostor)
    code, out, _ = run(tendered, "--key", str(tmp_path / "impostor.vkey"), "--no-blobs")
    assert code == 1
    assert "checkpoint.unsigned" in out and "lacks a signature by the platform's Ed25519 key" in out
