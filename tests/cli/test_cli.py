"""The `jianzheng` CLI on a real SQLite data directory, through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.cli.main import app
from tests.support.tender import announce, build_world, register_lot

runner = CliRunner()


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    code, out, _ = run(data, "init", "--password", "admin-pass-1")
    assert code == 0, out
    return data


def test_init_creates_schema_and_admin_with_printed_password(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    code, out, err = run(data, "init")
    assert code == 0, err
    assert (data / "jianzheng.db").is_file()
    assert "admin" in out
    password = out.split("password (shown only once): ")[1].strip()
    assert len(password) >= 12
    code, out, _ = run(data, "user", "list", "--format", "json")
    users = json.loads(out)
    assert [(u["username"], u["role"]) for u in users] == [("admin", "staff")]


def test_init_refuses_to_overwrite_existing_admin(initialised: Path) -> None:
    before = (initialised / "jianzheng.db").read_bytes()
    code, out, err = run(initialised, "init", "--password", "other-pass-2")
    assert code == 2
    assert "不会覆盖" in err and "not overwritten" in err
    assert "Traceback" not in err
    code, out, _ = run(initialised, "user", "list", "--format", "json")
    assert len(json.loads(out)) == 1
    assert len(before) > 0


def test_init_refuses_short_password_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "short"
    code, _, err = run(data, "init", "--password", "short")
    assert code == 2
    assert "密码至少8位" in err and "at least 8 characters" in err
    assert not data.exists()


def test_commands_refuse_uninitialised_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "nothing"
    for args in (("user", "list"), ("lots", "list"), ("log",)):
        code, _, err = run(data, *args)
        assert code == 2
        assert "jianzheng init" in err and "not initialised" in err
    assert not data.exists()


def test_user_create_list_disable_enable_password(initialised: Path) -> None:
    code, out, err = run(initialised, "user", "create", "Sup1", "--role", "supervisor",
                         "--display-name", "监督员")
    assert code == 0, err
    assert "sup1" in out and "password (shown only once)" in out
    code, out, _ = run(initialised, "user", "list", "--role", "supervisor", "--format", "json")
    rows = json.loads(out)
    assert [(r["username"], r["display_name"], r["disabled"]) for r in rows] == [("sup1", "监督员", False)]

    code, out, _ = run(initialised, "user", "disable", "sup1")
    assert code == 0
    code, out, _ = run(initialised, "user", "list", "--format", "json")
    assert {r["username"]: r["disabled"] for r in json.loads(out)} == {"admin": False, "sup1": True}
    code, _, err = run(initialised, "user", "disable", "sup1")
    assert code == 2 and "already disabled" in err
    code, _, _ = run(initialised, "user", "enable", "sup1")
    assert code == 0

    code, out, _ = run(initialised, "user", "password", "sup1", "--password", "new-secret-9")
    assert code == 0 and "new-secret-9" not in out
    code, out, _ = run(initialised, "log", "--type", "user.*", "--format", "json")
    types = [e["type"] for e in json.loads(out)["events"]]
    assert types[:4] == ["user.password_changed", "user.enabled", "user.disabled", "user.created"]
    assert all("new-secret-9" not in json.dumps(e) for e in json.loads(out)["events"])


def test_password_change_lets_the_user_sign_in(initialised: Path) -> None:
    from jianzheng.bootstrap import Settings, bootstrap

    run(initialised, "user", "create", "pub1", "--role", "public", "--password", "first-pass-1")
    code, _, _ = run(initialised, "user", "password", "pub1", "--password", "second-pass-2")
    assert code == 0
    services = bootstrap(Settings(data_dir=initialised), create=False)
    _, actor = services.auth.login("pub1", "second-pass-2")
    assert actor.username == "pub1"
    from jianzheng.domain.errors import Refusal

    with pytest.raises(Refusal):
        services.auth.login("pub1", "first-pass-1")
    run(initialised, "user", "disable", "pub1")
    with pytest.raises(Refusal):
        services.auth.login("pub1", "second-pass-2")


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("user", "create", "xx1", "--role", "wizard"), "未知角色", "Unknown role"),
    (("user", "create", "xx1", "--role", "system"), "不能创建系统账号", "cannot be created"),
    (("user", "create", "xx1", "--role", "bidder"), "须关联单位", "belong to a company"),
    (("user", "create", "X!", "--role", "public"), "用户名", "username"),
    (("user", "create", "admin", "--role", "public"), "用户名已被使用", "taken"),
    (("user", "disable", "nobody"), "未找到账号", "No account"),
    (("user", "password", "admin", "--password", "short"), "密码至少8位", "at least 8"),
    (("user", "list", "--format", "xml"), "输出格式", "--format"),
    (("lots", "list", "--stage", "nowhere"), "未知阶段", "Unknown stage"),
    (("lots", "list", "--limit", "0"), "--limit", "--limit"),
    (("lots", "show", "NOPE-01"), "未找到标段", "NOPE-01"),
    (("log", "--since", "yesterday"), "ISO 8601", "ISO 8601"),
    (("log", "--role", "wizard"), "未知角色", "Unknown role"),
    (("log", "--since", "2026-03-02", "--until", "2026-03-01"), "晚于", "later than"),
])
def test_bad_input_is_a_bilingual_error_without_traceback(initialised: Path, args: tuple[str, ...],
                                                          zh: str, en: str) -> None:
    code, out_before, _ = run(initialised, "log", "--format", "json")
    total_before = json.loads(out_before)["total"]
    code, _, err = run(initialised, *args)
    assert code == 2
    assert zh in err and en in err
    assert "Traceback" not in err
    code, out_after, _ = run(initialised, "log", "--format", "json")
    assert json.loads(out_after)["total"] == total_before  # nothing written on a refusal


@pytest.fixture
def tender(tmp_path: Path) -> tuple[Path, str, str]:
    data = tmp_path / "world"
    world = build_world(data, bidders=3, experts=5)
    announced = register_lot(world)
    announce(world, announced)
    registered = register_lot(world)
    world.services.engine.dispose()
    return data, announced, registered


def test_lots_list_filters_by_stage(tender: tuple[Path, str, str]) -> None:
    data, announced, registered = tender
    code, out, _ = run(data, "lots", "list", "--format", "json")
    assert code == 0
    assert {r["lot_id"]: r["stage"] for r in json.loads(out)["lots"]} == {
        announced: "bidding", registered: "registered"}
    code, out, _ = run(data, "lots", "list", "--stage", "bidding", "--format", "json")
    assert [r["lot_id"] for r in json.loads(out)["lots"]] == [announced]
    code, out, _ = run(data, "lots", "list", "--stage", "bidding")
    assert code == 0 and "招标公告及投标" in out and announced in out
    assert registered not in out


def test_lots_show_table_and_json(tender: tuple[Path, str, str]) -> None:
    data, announced, _ = tender
    code, out, _ = run(data, "lots", "show", announced, "--format", "json")
    lot = json.loads(out)
    assert code == 0
    assert lot["lot_id"] == announced and lot["stage"] == "bidding"
    assert lot["estimated_price_fen"] == 1_000_000_000
    code, out, _ = run(data, "lots", "show", announced)
    assert code == 0
    assert "第一标段 道路工程" in out and "10,000,000.00" in out and "招标公告" in out


def test_log_filters(tender: tuple[Path, str, str]) -> None:
    data, announced, _ = tender
    code, out, _ = run(data, "log", "--lot", announced, "--format", "json", "--limit", "1000")
    events = json.loads(out)["events"]
    assert code == 0
    assert [e["type"] for e in reversed(events)] == [
        "lot.registered", "lot.documents_compiled", "lot.documents_confirmed", "lot.documents_filed",
        "lot.announced"]
    assert all(e["stream"] == f"lot:{announced}" for e in events)

    code, out, _ = run(data, "log", "--role", "supervisor", "--format", "json")
    assert {e["type"] for e in json.loads(out)["events"]} >= {"lot.documents_filed", "user.signed_in"}
    assert all(e["role"] == "supervisor" for e in json.loads(out)["events"])

    code, out, _ = run(data, "log", "--actor", "tenderer", "--type", "lot.*", "--format", "json")
    assert [e["type"] for e in json.loads(out)["events"]] == ["lot.documents_confirmed"]

    code, out, _ = run(data, "log", "--limit", "3", "--format", "json")
    page = json.loads(out)
    assert len(page["events"]) == 3 and page["total"] > 3
    assert [e["seq"] for e in page["events"]] == sorted((e["seq"] for e in page["events"]), reverse=True)

    code, out, _ = run(data, "log", "--since", "2030-01-01", "--format", "json")
    assert json.loads(out) == {"events": [], "total": 0}
    code, out, _ = run(data, "log", "--until", "2026-03-02T08:59", "--format", "json")
    assert json.loads(out)["total"] == 0  # the world starts at 09:00 Shanghai time
    code, out, _ = run(data, "log", "--since", "2026-03-02T09:00", "--type", "lot.announced")
    assert code == 0 and "lot.announced" in out


def test_env_var_sets_the_data_dir(initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["user", "list", "--format", "json"], env={"JIANZHENG_DATA_DIR": str(initialised)})
    assert result.exit_code == 0
    assert [u["username"] for u in json.loads(result.stdout)] == ["admin"]
