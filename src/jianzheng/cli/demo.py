"""`jianzheng demo`: a simulated year of a trading center in a fresh data directory, then serve it.

The demo plays `--lots` lots (default 300) through the real services with the simulator
(`jianzheng.simulate`): a market of bidder companies, tenderers, agencies and an expert
pool, honest tenders and planted misconduct with ground-truth labels in `labels.jsonl`.
It prints one login per role (accounts of real simulated parties, passwords shown once),
a summary of the year — lots by stage, events, planted cases per kind and how many of them
supervision's indicators found, per kind, with recall and precision — and serves the web
application. `--seed` makes the year reproducible: the same seed gives the same ledger.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jianzheng.cli.common import fail, new_password, reported, state_of

if TYPE_CHECKING:
    from jianzheng.bootstrap import Settings
    from jianzheng.simulate import SimulationResult

MARKER = ".jianzheng-demo"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_LOTS = 1000
SHOWCASE = ("staff", "supervisor", "tenderer", "agency", "bidder", "expert", "public")


def demo(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Option(
        "--dir", help="演示数据目录（默认 <数据目录>/demo）/ demo data directory (default <data dir>/demo)")] = None,
    seed: Annotated[int, typer.Option(help="随机种子：同一种子得到同一账本 / seed: the same seed gives the same "
                                           "ledger")] = 2026,
    lots: Annotated[int, typer.Option(
        help=f"模拟一年的标段数（1-{MAX_LOTS}）/ lots in the simulated year (1-{MAX_LOTS})")] = 300,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="创建后启动网站 / serve the web application afterwards")] = True,
    reset: Annotated[bool, typer.Option(
        "--reset", help="删除并重建已有的演示目录 / delete and rebuild an existing demo directory")] = False,
) -> None:
    """模拟交易中心一年的招标投标并启动网站 / Simulate a trading center's year and serve it."""
    state = state_of(ctx)
    with reported():
        if not 1 <= lots <= MAX_LOTS:
            fail(f"--lots 应在 1 至 {MAX_LOTS} 之间", f"--lots must be between 1 and {MAX_LOTS}")
        target = directory or (state.data_dir / "demo")
        if (target / MARKER).is_file():
            if reset:
                shutil.rmtree(target)
            else:
                typer.echo(f"演示数据已存在，直接使用 / reusing the existing demo: {target.resolve()}")
                typer.echo("密码在创建时已显示；用 --reset 重建 / passwords were shown at creation; "
                           "--reset rebuilds it")
                if serve:
                    _serve(target)
                return
        elif target.exists() and any(target.iterdir()):
            fail(f"目录非空且不是演示目录，不会改动：{target}",
                 f"The directory is not empty and not a demo directory; it is left alone: {target}")
        _build(target, seed, lots)
        if serve:
            _serve(target)


def _settings(target: Path) -> Settings:
    # The demo always runs on its own embedded SQLite database, whatever --database-url says.
    from jianzheng.simulate import simulation_settings

    return simulation_settings(target)


def _serve(target: Path) -> None:
    from jianzheng.bootstrap import bootstrap
    from jianzheng.cli.serve import run_server

    run_server(bootstrap(_settings(target), create=False), DEFAULT_HOST, DEFAULT_PORT)


def _build(target: Path, seed: int, lots: int) -> None:
    from jianzheng.simulate import SimulationConfig, simulate

    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(f"seed={seed}\nlots={lots}\n", encoding="utf-8")
    passwords = {name: new_password() for name in SHOWCASE}
    typer.echo(f"正在模拟 {lots} 个标段的一年 / simulating a year of {lots} lots …")
    result = simulate(_settings(target), SimulationConfig.for_lots(lots, seed), passwords)
    typer.echo(f"演示平台已创建 / demo platform created: {target.resolve()}")
    typer.echo("账号（密码只显示这一次）/ accounts (passwords are shown only once):")
    from jianzheng.domain.roles import Role

    for username in SHOWCASE:
        role = Role(username)
        typer.echo(f"  {role.label_zh:<10} {role.value:<11} {username:<11} {passwords[username]}")
    _summary(result)
    _detection(target)


def _detection(target: Path) -> None:
    """Run the supervision indicators over the year and score them against the planted cases."""
    from jianzheng.bootstrap import bootstrap
    from jianzheng.simulate.detection import evaluate
    from jianzheng.simulate.scoring import report

    typer.echo("运行监管指标 / running the supervision indicators …")
    services = bootstrap(_settings(target), create=False)
    try:
        evaluation = evaluate(services, target)
    finally:
        services.engine.dispose()
    typer.echo(f"监管指标检出的植入案例（{evaluation.alerts} 条预警，用时 {evaluation.seconds:.1f} 秒）/ planted cases "
               f"found by supervision ({evaluation.alerts} alerts, {evaluation.seconds:.1f} s):")
    for line in report(evaluation.scores):
        typer.echo(f"  {line}")


def _summary(result: SimulationResult) -> None:
    from jianzheng.domain.lifecycle import Stage
    from jianzheng.simulate.kinds import KINDS

    typer.echo(f"模拟用时 / built in {result.seconds:.1f} s: {result.commands} 条命令 / commands, "
               f"{result.events} 个事件 / events, 账本根 / ledger root {result.root_hash[:16]}…")
    typer.echo("标段阶段 / lots by stage:")
    for stage, count in result.lots_by_stage.items():
        typer.echo(f"  {Stage(stage).label_zh:<10} {stage:<22} {count:>5}")
    typer.echo(f"植入的违规案例（{result.labels_path.name}）/ planted cases:")
    for code, kind in KINDS.items():
        count = result.cases_by_kind.get(code, 0)
        typer.echo(f"  {code:<22} {count:>4}  {kind.name_zh} / {kind.name_en}")
