"""`jianzheng demo --no-serve`: a small simulated year in a fresh directory, printed logins that work."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jianzheng.bootstrap import bootstrap
from jianzheng.cli.main import app
from jianzheng.simulate import simulation_settings
from jianzheng.simulate.kinds import KINDS
from jianzheng.simulate.labels import load_labels

runner = CliRunner()
ROLES = ("staff", "supervisor", "tenderer", "agency", "bidder", "expert", "public")


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_demo_builds_a_small_year_with_working_logins(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    code, out, err = run(tmp_path, "demo", "--no-serve", "--lots", "5", "--dir", str(target), "--seed", "7")
    assert code == 0, err
    passwords = dict(re.findall(r"^\s+\S+\s+(?:staff|supervisor|tenderer|agency|bidder|expert|public)\s+(\S+)\s+(\S+)$",
                                out, re.MULTILINE))
    assert set(passwords) == set(ROLES)
    assert "lots by stage" in out and "planted cases" in out
    for code_ in KINDS:
        assert code_ in out
    labels = load_labels(target / "labels.jsonl")
    assert labels and {c.kind for c in labels} <= set(KINDS)

    services = bootstrap(simulation_settings(target), create=False)
    try:
        for username in ROLES:
            _, actor = services.auth.login(username, passwords[username])
            assert actor.role.value == username
        bidder = services.auth.login("bidder", passwords["bidder"])[1]
        assert bidder.party_id and services.queries.party(bidder, bidder.party_id)["kind"] == "bidder"
    finally:
        services.engine.dispose()

    code, out, _ = run(target, "lots", "list", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 5
    code, out, _ = run(target, "user", "list", "--format", "json")
    assert code == 0 and {u["username"] for u in json.loads(out)} >= set(ROLES)

    code, out, _ = run(tmp_path, "demo", "--dir", str(target), "--no-serve")
    assert code == 0 and "reusing" in out
    code, out, err = run(tmp_path, "demo", "--dir", str(target), "--no-serve", "--reset", "--lots", "1")
    assert code == 0, err
    assert "demo platform created" in out
    code, out, _ = run(target, "lots", "list", "--format", "json")
    assert json.loads(out)["total"] == 1


def test_demo_leaves_a_foreign_directory_alone(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    code, _, err = run(tmp_path, "demo", "--dir", str(target), "--no-serve")
    assert code == 2 and "left alone" in err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_demo_refuses_a_bad_lot_count(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "demo", "--dir", str(tmp_path / "d"), "--no-serve", "--lots", "0")
    assert code == 2 and "--lots" in err
    assert not (tmp_path / "d").exists()
