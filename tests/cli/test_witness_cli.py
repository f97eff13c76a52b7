"""`jianzheng witness`: a witness set up, served over real HTTP in its own process, and cosigning.

The witness runs as `jianzheng witness serve` in a subprocess, exactly as a bureau would run
it; the platform registers it with `jianzheng ledger witness add` and collects with
`jianzheng ledger cosign`.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from jianzheng.cli.main import app
from jianzheng.ledger.checkpoint import open_checkpoint
from jianzheng.ledger.keys import parse_verifier_key
from tests.support.tender import TenderWorld, build_world, register_lot
from tests.support.witnesses import free_port

runner = CliRunner()
NAME = "notary.example/witness"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[TenderWorld]:
    world = build_world(tmp_path / "data")
    world.services.cosigner.background = False  # this process's own collector: no stray threads
    register_lot(world)
    yield world
    world.services.engine.dispose()


def vkeys(world: TenderWorld) -> list[str]:
    keys = world.services.settings.data_dir / "keys"
    return [str(keys / "platform-ed25519.vkey"), str(keys / "platform-sm2.vkey")]


def init_witness(directory: Path, world: TenderWorld) -> str:
    code, out, err = run("witness", "init", "--dir", str(directory), "--name", NAME)
    assert code == 0, err
    vkey = (directory / "keys" / "witness.vkey").read_text().strip()
    assert vkey in out and vkey.startswith(NAME + "+")
    code, out, err = run("witness", "add-log", "--dir", str(directory), "--origin",
                         world.services.settings.ledger_origin, "--key", vkeys(world)[0], "--key", vkeys(world)[1])
    assert code == 0, err
    return vkey


@contextmanager
def witness_process(directory: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from jianzheng.cli.main import app; app()", "witness", "serve", "--dir",
         str(directory), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # Any answer means it listens; GET is not a route, so 404/405 is expected.
                httpx.get(url + "/add-checkpoint", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out, err = process.communicate(timeout=5)
                    raise AssertionError(f"witness did not start: {err.decode()}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_init_makes_an_owner_only_key_and_refuses_to_overwrite(tmp_path: Path, platform: TenderWorld) -> None:
    directory = tmp_path / "witness"
    vkey = init_witness(directory, platform)
    key = directory / "keys" / "witness.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert key.read_text().startswith("PRIVATE+KEY+" + NAME + "+")
    assert parse_verifier_key(vkey).name == NAME
    before = key.read_bytes()
    code, _, err = run("witness", "init", "--dir", str(directory), "--name", NAME)
    assert code == 2 and "不会覆盖" in err and "not overwritten" in err
    assert key.read_bytes() == before
    code, out, _ = run("witness", "status", "--dir", str(directory), "--format", "json")
    status = json.loads(out)
    assert status["name"] == NAME and status["verifier_key"] == vkey
    assert [(log["origin"], log["size"]) for log in status["logs"]] == [(platform.services.settings.ledger_origin, 0)]
    assert len(status["logs"][0]["keys"]) == 2


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("witness", "init", "--name", "bad name"), "密钥名称", "invalid key name"),
    (("witness", "status"), "尚未初始化", "not initialised"),
    (("witness", "add-log", "--origin", "o", "--key", "/nonexistent.vkey"), "尚未初始化", "not initialised"),
    (("witness", "serve", "--port", "0"), "端口", "port"),
])
def test_bad_witness_input_is_a_bilingual_error(tmp_path: Path, args: tuple[str, ...], zh: str, en: str) -> None:
    code, _, err = run(*args[:2], "--dir", str(tmp_path / "w"), *args[2:])
    assert code == 2, err
    assert zh in err and en in err and "Traceback" not in err


def test_add_log_refuses_wrong_keys_and_duplicates(tmp_path: Path, platform: TenderWorld) -> None:
    directory = tmp_path / "witness"
    vkey = init_witness(directory, platform)
    origin = platform.services.settings.ledger_origin
    cases = [
        (("--origin", "other.example/log", "--key", vkey), "不是平台的检查点签名公钥", "not a platform checkpoint key"),
        (("--origin", "other.example/log", "--key", "nonsense"), "找不到公钥文件", "Key file not found"),
        (("--origin", "other.example/log", "--key", "x+00000000+AAAA"), "密钥", "malformed key"),
        (("--origin", origin, "--key", vkeys(platform)[0]), "已在见证此账本", "already witnessed"),
    ]
    for args, zh, en in cases:
        code, _, err = run("witness", "add-log", "--dir", str(directory), *args)
        assert code == 2, err
        assert zh in err and en in err
    code, _, err = run("witness", "add-log", "--dir", str(directory), "--origin", origin, "--key", vkeys(platform)[0],
                       "--replace")
    assert code == 0, err
    code, out, _ = run("witness", "status", "--dir", str(directory), "--format", "json")
    assert len(json.loads(out)["logs"][0]["keys"]) == 1


def test_served_witness_cosigns_through_the_platform_cli(tmp_path: Path, platform: TenderWorld) -> None:
    directory = tmp_path / "witness"
    vkey_file = str(directory / "keys" / "witness.vkey")
    init_witness(directory, platform)
    data = str(platform.services.settings.data_dir)
    code, _, err = run("--data-dir", data, "ledger", "cosign")
    assert code == 2 and "尚未登记见证方" in err and "No witness is registered" in err
    with witness_process(directory) as url:
        code, out, err = run("--data-dir", data, "ledger", "witness", "add", NAME, url + "/", vkey_file)
        assert code == 0, err
        code, out, err = run("--data-dir", data, "ledger", "cosign")
        assert code == 0, err
        assert f"{NAME}" in out and "cosigned" in out
        code, out, _ = run("--data-dir", data, "ledger", "checkpoint")
        witness_key = parse_verifier_key((directory / "keys" / "witness.vkey").read_text())
        platform_keys = [parse_verifier_key(k) for k in run("--data-dir", data, "ledger", "keys")[1].split()]
        _, report = open_checkpoint(out, [witness_key, *platform_keys])
        origin = platform.services.settings.ledger_origin
        assert sorted(s.name for s in report.verified) == sorted([origin, origin, NAME]) and not report.failed
        code, out, _ = run("witness", "status", "--dir", str(directory), "--format", "json")
        size = json.loads(out)["logs"][0]["size"]
        code, out, _ = run("--data-dir", data, "ledger", "witness", "list", "--format", "json")
        assert json.loads(out) == [{"name": NAME, "url": url, "key": witness_key_text(directory),
                                    "last_cosigned_size": size}]
        code, out, _ = run("--data-dir", data, "ledger", "cosign")
        assert code == 0 and "already cosigned" in out
    # The witness is gone: cosign reports the failure (exit 1) and the platform is unharmed.
    code, out, _ = run("--data-dir", data, "ledger", "cosign")
    assert code == 0 and "already cosigned" in out  # nothing new to send
    platform.person("late", ("expert",))
    platform.services.checkpointer.checkpoint("time")
    code, out, _ = run("--data-dir", data, "ledger", "cosign")
    assert code == 1 and "failed" in out and "cannot reach" in out
    code, out, _ = run("--data-dir", data, "ledger", "witness", "remove", NAME)
    assert code == 0
    code, out, _ = run("--data-dir", data, "ledger", "witness", "list", "--format", "json")
    assert json.loads(out) == []


def witness_key_text(directory: Path) -> str:
    return (directory / "keys" / "witness.vkey").read_text().strip()
