"""`jianzheng ledger`: the witness ledger from the command line.

Read commands print exactly what an outside verifier consumes — the latest checkpoint as a
C2SP signed note (platform signatures and witness cosignatures), leaf entries and proof
hashes in base64, one per line — so their output can be piped into other tools.
`ledger witness add/list/remove` keep the platform's witness registry
(``<data dir>/witnesses.toml``) and `ledger cosign` asks every registered witness for its
cosignature on the latest checkpoint now, instead of at the next checkpoint.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import (
    check_format,
    console,
    fail,
    local_staff,
    open_services,
    print_json,
    reported,
    state_of,
)

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services

app = typer.Typer(help="见证账本：检查点、叶子、证明、公钥、见证方 / the witness ledger", no_args_is_help=True)
proof_app = typer.Typer(help="默克尔证明（base64，每行一个哈希）/ Merkle proofs, one base64 hash per line",
                        no_args_is_help=True)
witness_app = typer.Typer(help="平台的见证方登记 / the witnesses this platform sends checkpoints to",
                          no_args_is_help=True)
app.add_typer(proof_app, name="proof")
app.add_typer(witness_app, name="witness")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _services(ctx: typer.Context) -> Services:
    return open_services(state_of(ctx))


@app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """打印最新检查点（C2SP 签名注记，含平台签名与见证方副签）/ Print the latest checkpoint as a C2SP note."""
    with reported():
        note = _services(ctx).ledger.latest().cosigned_note()
        typer.echo(note, nl=False)


@app.command("checkpoints")
def checkpoints(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="最多显示条数（1-1000）/ at most this many")] = 50,
    offset: Annotated[int, typer.Option(help="跳过条数 / skip this many (newest first)")] = 0,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出检查点：大小、时间、原因、副签方 / List checkpoints with sizes, times, reasons and cosigners."""
    with reported():
        check_format(output)
        from jianzheng.services.ledger_queries import checkpoint_json

        total, rows = _services(ctx).ledger.checkpoints(limit, offset)
        if output == "json":
            print_json({"total": total, "checkpoints": [checkpoint_json(c) for c in rows]})
            return
        from rich.table import Table

        table = Table(title=f"检查点 / checkpoints（{len(rows)} / {total}）")
        for column in ("树大小 size", "时间 time (UTC)", "原因 reason", "根哈希 root", "副签方 cosigners"):
            table.add_column(column, overflow="fold")
        for c in rows:
            cosigners = ", ".join(s.witness for s in c.cosignatures) or "-"
            table.add_row(str(c.tree_size), c.created_at, c.reason, _b64(c.root_hash), cosigners)
        console().print(table)


@app.command("leaves")
def leaves(
    ctx: typer.Context,
    start: Annotated[int, typer.Option(help="起始叶子序号（含，从 0 起）/ first leaf index, inclusive")] = 0,
    end: Annotated[int | None, typer.Option(
        help="结束叶子序号（不含），默认树大小 / end index, exclusive (default: the tree size)")] = None,
) -> None:
    """输出叶子（事件的规范 JSON），每行一个 base64 / Print leaf entries, one base64 entry per line."""
    with reported():
        from jianzheng.services.ledger_queries import MAX_LEAVES

        services = _services(ctx)
        size = services.ledger.tree_size()
        stop = size if end is None else end
        if start < 0 or stop < start or stop > size:
            fail(f"叶子范围 [{start}, {stop}) 无效（树大小 {size}）",
                 f"Leaf range [{start}, {stop}) is invalid (tree size {size})")
        actor = local_staff()
        for position in range(start, stop, MAX_LEAVES):
            for entry in services.ledger.leaves(actor, position, min(stop, position + MAX_LEAVES)):
                typer.echo(_b64(entry))


@proof_app.command("inclusion")
def inclusion(
    ctx: typer.Context,
    index: Annotated[int, typer.Argument(help="叶子序号（事件序号 - 1）/ leaf index (event seq - 1)")],
    size: Annotated[int | None, typer.Option(
        help="树大小，默认最新检查点的大小 / tree size (default: the latest checkpoint's)")] = None,
) -> None:
    """叶子的包含证明 / Inclusion proof of a leaf (RFC 9162), one base64 hash per line."""
    with reported():
        result = _services(ctx).ledger.inclusion_proof(index, size)
        for value in result["proof"]:
            typer.echo(value)


@proof_app.command("consistency")
def consistency(
    ctx: typer.Context,
    old: Annotated[int, typer.Argument(help="旧树大小 / old tree size")],
    new: Annotated[int, typer.Argument(help="新树大小 / new tree size")],
) -> None:
    """两个树大小之间的一致性证明 / Consistency proof between two tree sizes, one base64 hash per line."""
    with reported():
        result = _services(ctx).ledger.consistency_proof(old, new)
        for value in result["proof"]:
            typer.echo(value)


@app.command("keys")
def keys(ctx: typer.Context) -> None:
    """打印平台检查点签名公钥（Ed25519、SM2）/ Print the platform's checkpoint verifier keys."""
    with reported():
        for key in _services(ctx).ledger.verifier_keys():
            typer.echo(key)


@app.command("cosign")
def cosign(ctx: typer.Context) -> None:
    """立即向全部见证方收集最新检查点的副签 / Collect cosignatures on the latest checkpoint now."""
    with reported():
        services = _services(ctx)
        if not services.cosigner.registry.witnesses():
            fail("尚未登记见证方：请先运行 jianzheng ledger witness add",
                 "No witness is registered: run `jianzheng ledger witness add` first")
        services.ledger.latest()  # refuses clearly when there is no checkpoint yet
        outcomes = services.cosigner.collect()
        labels = {"cosigned": "已副签 / cosigned", "present": "已有副签 / already cosigned",
                  "failed": "失败 / failed", "ahead": "见证方已有更新的树 / witness holds a later tree"}
        for o in outcomes:
            detail = f"：{o.message_zh} / {o.message_en}" if o.message_zh else ""
            typer.echo(f"{o.witness}  {o.tree_size}  {labels[o.status]}{detail}")
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)


def _read_key(keyfile: str) -> str:
    path = Path(keyfile)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            fail(f"无法读取公钥文件 {path}：{error}", f"Cannot read the key file {path}: {error}")
    if "+" in keyfile and not path.exists():
        return keyfile.strip()  # the verifier key string itself
    fail(f"找不到公钥文件：{keyfile}", f"Key file not found: {keyfile}")


@witness_app.command("add")
def witness_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="见证方名称（其公钥名称）/ the witness's name (its key name)")],
    url: Annotated[str, typer.Argument(help="见证方提交地址前缀，如 https://bureau.example/tlog / submission URL")],
    keyfile: Annotated[str, typer.Argument(
        help="见证方公钥文件（witness.vkey）或公钥字符串 / the witness's verifier key file or string")],
) -> None:
    """登记见证方 / Register a witness: new checkpoints are sent to it for cosigning."""
    with reported():
        from jianzheng.services.witnesses import RegisteredWitness

        services = _services(ctx)
        services.cosigner.registry.add(RegisteredWitness(name.strip(), url, _read_key(keyfile)))
        services.cosigner.forget(name.strip())
        typer.echo(f"已登记见证方 / registered witness: {name.strip()} {url.strip().rstrip('/')}")
        typer.echo("运行 jianzheng ledger cosign 立即收集副签 / run `jianzheng ledger cosign` to collect now")


@witness_app.command("list")
def witness_list(
    ctx: typer.Context,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出登记的见证方及其最近副签的树大小 / List registered witnesses and the size each last cosigned."""
    with reported():
        check_format(output)
        services = _services(ctx)
        rows: list[dict[str, Any]] = [
            {"name": w.name, "url": w.url, "key": w.key, "last_cosigned_size": services.cosigner.last_cosigned(w)}
            for w in services.cosigner.registry.witnesses()
        ]
        if output == "json":
            print_json(rows)
            return
        from rich.table import Table

        table = Table(title=f"见证方 / witnesses（{len(rows)}）")
        for column in ("名称 name", "地址 url", "最近副签大小 last cosigned", "公钥 key"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["name"], r["url"], str(r["last_cosigned_size"]), r["key"])
        console().print(table)


@witness_app.command("remove")
def witness_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="见证方名称 / the witness's name")],
) -> None:
    """注销见证方（已收集的副签保留）/ Unregister a witness (its stored cosignatures stay)."""
    with reported():
        services = _services(ctx)
        services.cosigner.registry.remove(name.strip())
        services.cosigner.forget(name.strip())
        typer.echo(f"已注销见证方 / removed witness: {name.strip()}")
