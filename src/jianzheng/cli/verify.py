"""`jianzheng verify`: check that the database still says what the witnessed ledger says.

Recomputes the Merkle tree from the events and compares every stored node and checkpoint
root, checks the checkpoints' platform signatures, the witnesses' cosignatures and the
consistency between checkpoints, replays every event into empty read tables and compares
them with the live ones, and recomputes the digests of every referenced document. Each
discrepancy is printed in Chinese and English; the exit status is 0 when everything holds,
1 when anything does not, 2 for bad input. See docs/cli/verify.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import (
    check_format,
    console,
    err_console,
    fail,
    is_initialised,
    print_json,
    reported,
    settings_for,
    state_of,
)

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress

    from jianzheng.adapters.sql.verify import Report

EXIT_DISCREPANCIES = 1

_PHASES = {
    "events": "账本事件 / ledger events",
    "tree": "树节点 / tree nodes",
    "replay": "重放 / replay",
    "tables": "读表比对 / read tables",
    "blobs": "文件 / blobs",
}


def verify(
    ctx: typer.Context,
    key: Annotated[list[Path] | None, typer.Option(
        "--key", help="平台公钥文件（签名注记验证密钥，可重复）；默认用数据目录 keys/*.vkey / platform verifier key "
                      "file (repeatable); default: the data directory's keys/*.vkey")] = None,
    witness_key: Annotated[list[Path] | None, typer.Option(
        "--witness-key", help="见证方副签公钥文件（可重复）/ witness cosignature verifier key file "
                              "(repeatable)")] = None,
    blobs: Annotated[Path | None, typer.Option(
        "--blobs", help="文件库目录；默认为数据目录下的 blobs / blob store directory (default: <data dir>/blobs)")
    ] = None,
    no_blobs: Annotated[bool, typer.Option(
        "--no-blobs", help="不检查文件库 / do not check the blob store")] = False,
    limit: Annotated[int, typer.Option(
        help="每类差异最多列出几条（计数总是完整的）/ list at most this many discrepancies of each kind")] = 100,
    replay: Annotated[str, typer.Option(
        help="重放方式：memory（快，必要时自动改用 sql）或 sql / replay mode: memory (fast, falls back to sql "
             "by itself) or sql")] = "memory",
    workers: Annotated[int, typer.Option(
        help="1：大账本的账本检查在第二个进程中进行；0：全部在一个进程中 / 1: on large ledgers the ledger "
             "checks run in a second process; 0: everything in one process")] = 1,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """核验账本、检查点、读表和文件 / Verify the ledger, checkpoints, read tables and blobs."""
    with reported():
        check_format(output)
        if limit < 1:
            fail("--limit 至少为 1", "--limit must be at least 1")
        if replay not in ("memory", "sql"):
            fail(f"--replay 应为 memory 或 sql，而不是 {replay}", f"--replay must be memory or sql, not {replay!r}")
        if workers not in (0, 1):
            fail("--workers 应为 0 或 1", "--workers must be 0 or 1")
        if no_blobs and blobs is not None:
            fail("--blobs 与 --no-blobs 不能同时使用", "--blobs and --no-blobs cannot be used together")
        state = state_of(ctx)
        if blobs is not None and not blobs.is_dir():
            fail(f"文件库目录不存在：{blobs}", f"The blob directory does not exist: {blobs}")
        if not is_initialised(state):
            fail(f"数据目录尚未初始化：{state.data_dir}，没有可核验的账本",
                 f"The data directory {state.data_dir} is not initialised: there is no ledger to verify")
        report, url = _run(state.data_dir, settings_for(state).url(), key or [], witness_key or [],
                           None if no_blobs else (blobs or state.data_dir / "blobs"), limit, replay, workers,
                           show_progress=output == "table")
    if output == "json":
        print_json({"database": url, **report.as_json()})
    else:
        _print(report, url)
    if not report.ok:
        raise typer.Exit(EXIT_DISCREPANCIES)


def _run(data_dir: Path, url: str, keys: list[Path], witness_keys: list[Path], blob_dir: Path | None, limit: int,
         replay: str, workers: int, show_progress: bool) -> tuple[Report, str]:
    import sqlalchemy as sa

    from jianzheng.adapters.blobs import FileBlobStore
    from jianzheng.adapters.sql.database import make_engine
    from jianzheng.adapters.sql.verify import VerifyOptions, load_keys
    from jianzheng.adapters.sql.verify import verify as run_verify

    found = load_keys(data_dir, keys, witness_keys)
    options = VerifyOptions(found.platform, found.witnesses, FileBlobStore(blob_dir) if blob_dir else None,
                            limit=limit, replay=replay, workers=workers)
    engine = make_engine(url)
    shown_url = engine.url.render_as_string(hide_password=True)
    try:
        if not show_progress or not err_console().is_terminal:
            return run_verify(engine, options), shown_url
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console(), transient=True) as bar:
            return run_verify(engine, options, _progress(bar)), shown_url
    except sa.exc.SQLAlchemyError as error:
        fail(f"读取数据库失败：{error.__class__.__name__}", f"Reading the database failed: {error}")
    finally:
        engine.dispose()


def _progress(bar: RichProgress) -> Any:
    tasks: dict[str, Any] = {}

    def advance(phase: str, done: int, total: int | None) -> None:
        task = tasks.get(phase)
        if task is None:
            task = tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
        bar.update(task, advance=done, total=total)

    return advance


def _print(report: Report, url: str) -> None:
    from rich.markup import escape

    out = console()
    out.print(f"[bold]账本核验 / Ledger verification[/bold]  {escape(url)}")
    primary = [d for d in report.discrepancies if not d.consequence and d.severity == "error"]
    warnings = [d for d in report.discrepancies if d.severity == "warning"]
    for d in primary:
        out.print(f"[red]✗[/red] [bold]{escape(d.kind)}[/bold] {escape(d.zh)}")
        out.print(f"    {escape(d.en)}", style="dim")
    if report.consequences:
        out.print("[yellow]由上述差异引起的连带差异 / consequences of the discrepancies above:[/yellow] "
                  + ", ".join(f"{k} × {n}" for k, n in sorted(report.consequences.items())))
    for d in warnings:
        out.print(f"[yellow]![/yellow] [bold]{escape(d.kind)}[/bold] {escape(d.zh)}")
        out.print(f"    {escape(d.en)}", style="dim")
    for zh, en in report.notes:
        out.print(f"[cyan]i[/cyan] {escape(zh)} / {escape(en)}")
    hidden = sum(report.counts.values()) - len(primary)
    if hidden > 0:
        out.print(f"另有 {hidden} 条同类差异未列出（--limit）/ {hidden} more discrepancies of the kinds above not "
                  "listed (--limit)")
    s = report.stats
    seconds = report.timings.get("total", 0.0)
    rate = s.get("events", 0) / seconds if seconds else 0.0
    out.print(
        f"事件 events {s.get('events', 0):,} · 树大小 tree size {s.get('tree_size', 0):,} · 节点 nodes "
        f"{s.get('tree_nodes', 0):,} · 检查点 checkpoints {s.get('checkpoints', 0):,}（副签 cosignatures "
        f"{s.get('cosignatures', 0):,}）· 读表 tables {s.get('tables', 0)}（行 rows {s.get('table_rows', 0):,}，"
        f"重放 replay {s.get('replay', '-')}）· 文件 blobs {s.get('blobs_checked', 0):,}")
    if report.ok:
        verdict = "[green]通过 / PASSED[/green]：全部一致 / everything holds"
    else:
        verdict = (f"[red]未通过 / FAILED[/red]：{report.errors} 处差异 / discrepancies（主要 primary "
                   f"{sum(report.counts.values())}，连带 consequences {sum(report.consequences.values())}）")
    if report.warnings:
        verdict += f"，{sum(report.warnings.values())} 条提醒 / warnings"
    out.print(f"结果 / result: {verdict}；用时 / time {seconds:.1f} s（{rate:,.0f} 事件/秒 events/s）")
