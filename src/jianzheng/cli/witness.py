"""`jianzheng witness`: run an independent witness (见证方) for a platform's ledger.

A witness is another party — the supervision bureau, a notary — with its own key and its
own directory (never the platform's data directory). It cosigns a checkpoint only if it is
an append-only extension of the last one it cosigned (C2SP tlog-witness, served over HTTP
by `witness serve`), so a history the operator rewrote gets no cosignature.

    jianzheng witness init --dir W --name bureau.example/witness
    jianzheng witness add-log --dir W --origin ORIGIN --key platform-ed25519.vkey --key platform-sm2.vkey
    jianzheng witness serve --dir W --port 7380
    jianzheng witness status --dir W
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jianzheng.cli.common import fail, print_json, reported

if TYPE_CHECKING:
    from jianzheng.adapters.witness_home import WitnessHome

app = typer.Typer(help="独立见证方：副签平台检查点 / an independent witness that cosigns the platform's checkpoints",
                  no_args_is_help=True)

DirOption = Annotated[Path, typer.Option(
    "--dir", envvar="JIANZHENG_WITNESS_DIR",
    help="见证方目录（不是平台数据目录）/ the witness's own directory (not the platform's data directory)")]


def _home(directory: Path) -> WitnessHome:
    from jianzheng.adapters.witness_home import WitnessHome

    return WitnessHome(directory)


@app.command("init")
def init(
    directory: DirOption,
    name: Annotated[str, typer.Option(
        help="见证方名称（副签行上的名称），宜用域名，如 bureau.example/witness / the witness's key name")],
) -> None:
    """创建见证方目录并生成副签密钥 / Create the witness directory and its cosignature key."""
    with reported():
        from jianzheng.adapters.witness_home import WitnessHome

        home = WitnessHome.init(directory, name.strip())
        typer.echo(f"已初始化见证方 / witness initialised: {home.directory.resolve()}")
        typer.echo(f"副签私钥（仅本人可读）/ cosignature key (owner-only): {home.key_path}")
        typer.echo("副签公钥（交给平台：jianzheng ledger witness add）/ verifier key (give it to the platform):")
        typer.echo(f"  {home.verifier_key()}   ({home.vkey_path})")


def _platform_key(value: str) -> str:
    path = Path(value)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            fail(f"无法读取公钥文件 {path}：{error}", f"Cannot read the key file {path}: {error}")
    if "+" in value and not path.exists():
        return value.strip()
    fail(f"找不到公钥文件：{value}", f"Key file not found: {value}")


@app.command("add-log")
def add_log(
    directory: DirOption,
    origin: Annotated[str, typer.Option(help="账本来源（检查点第一行）/ the log's origin (first checkpoint line)")],
    key: Annotated[list[str], typer.Option(
        help="平台检查点公钥文件（.vkey）或公钥字符串，可重复：Ed25519 与 SM2 都要给 / a platform verifier key file "
             "or string; repeat it: give both the Ed25519 and the SM2 key")],
    replace: Annotated[bool, typer.Option(
        "--replace",
        help="替换已见证账本的公钥（保留已持有的检查点）/ replace the keys of a log already watched")] = False,
) -> None:
    """见证一个账本：来源与平台公钥 / Watch a log: its origin and the platform keys that must sign it."""
    with reported():
        home = _home(directory)
        watched = home.add_log(origin, [_platform_key(k) for k in key], replace=replace)
        typer.echo(f"已见证账本 / watching log: {watched.origin}")
        for text in watched.keys:
            typer.echo(f"  {text}")
        typer.echo("每个检查点须由以上全部公钥签名 / every checkpoint must be signed by all of these keys")


@app.command("serve")
def serve(
    directory: DirOption,
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 7380,
) -> None:
    """提供 C2SP tlog-witness 接口（POST /add-checkpoint）/ Serve the C2SP tlog-witness HTTP API."""
    with reported():
        if not 0 < port < 65536:
            fail(f"端口应在 1 至 65535 之间：{port}", f"The port must be between 1 and 65535: {port}")
        home = _home(directory)
        if not home.logs():
            fail("尚未见证任何账本：请先运行 jianzheng witness add-log",
                 "No log is watched yet: run `jianzheng witness add-log` first")
        import uvicorn

        from jianzheng.adapters.witness_http import witness_app

        typer.echo(f"见证方 {home.name} 服务地址 / witness serving at http://{host}:{port}/add-checkpoint")
        uvicorn.run(witness_app(home), host=host, port=port)


@app.command("status")
def status(
    directory: DirOption,
    output: Annotated[str, typer.Option("--format", help="text 或 json / text or json")] = "text",
) -> None:
    """见证方状态：公钥、见证的账本及持有的检查点 / The witness's key, logs and the checkpoint it holds for each."""
    with reported():
        if output not in ("text", "json"):
            fail(f"输出格式应为 text 或 json，而不是 {output}", f"--format must be text or json, not {output!r}")
        info = _home(directory).status()
        if output == "json":
            print_json(info)
            return
        typer.echo(f"见证方 / witness: {info['name']}")
        typer.echo(f"副签公钥 / verifier key: {info['verifier_key']}")
        if not info["logs"]:
            typer.echo("尚未见证任何账本 / no log is watched yet")
        for log in info["logs"]:
            typer.echo(f"账本 / log: {log['origin']}")
            typer.echo(f"  已副签树大小 / cosigned size: {log['size']}")
            if log["root_hash"]:
                typer.echo(f"  根哈希 / root hash: {log['root_hash']}")
            for key in log["keys"]:
                typer.echo(f"  平台公钥 / platform key: {key}")
        if info["refused"]:
            typer.echo(f"拒绝的不一致检查点（证据）/ refused inconsistent checkpoints (evidence): {info['refused']}, "
                       f"latest {info['last_refused']}")
