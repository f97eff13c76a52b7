"""`jianzheng experts`: the expert pool (专家库), the draw (专家抽取) and its re-check from the ledger.

Changes are a staff member's acts, witnessed in that account's name (``--as``); reads use
the local staff view. `redraw-check` re-runs every recorded draw of a lot from the ledger
and exits 1 when any check fails, so it can run in a supervisor's script.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from jianzheng.cli.common import check_format, console, fail, local_staff, open_services, print_json, reported, state_of
from jianzheng.cli.desk_common import instant

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services
    from jianzheng.domain.draw import Requirement
    from jianzheng.services.actor import Actor

app = typer.Typer(help="评标专家库与专家抽取 / the expert pool and the expert draw", no_args_is_help=True)
AS_HELP = "以此交易中心工作人员账号（用户名）的名义操作 / act as this staff account (username)"
EXIT_CHECK_FAILED = 1


def acting_staff(services: Services, username: str) -> Actor:
    """The enabled staff account named by ``--as``."""
    from jianzheng.domain.roles import Role
    from jianzheng.services.auth import actor_from_row

    name = username.strip().lower()
    with services.store.read() as session:
        rows = session.rows("users", {"username": name})
    if not rows:
        fail(f"未找到账号：{username}", f"No account named {username!r}")
    row = rows[0]
    if row["disabled"]:
        fail(f"账号已停用：{row['username']}", f"The account {row['username']!r} is disabled")
    if row["role"] != Role.STAFF.value:
        fail(f"--as 须为交易中心工作人员账号，{row['username']} 的角色是 {row['role']}",
             f"--as must name a staff account; {row['username']!r} is {row['role']}")
    return actor_from_row(row)


def parse_line(text: str) -> Requirement:
    """SPECIALTY:COUNT[:RESERVES[:SCOPE]], e.g. A0101:5:2:local."""
    from jianzheng.domain.draw import SCOPES, Requirement

    parts = text.strip().split(":")
    try:
        specialty, count = parts[0].strip().upper(), int(parts[1])
        reserves = int(parts[2]) if len(parts) > 2 and parts[2] else 2
        scope = parts[3].strip() if len(parts) > 3 else "any"
    except (IndexError, ValueError):
        fail(f"--line 应为 专业:人数[:备选[:范围]]，如 A0101:5:2:local：{text}",
             f"--line is SPECIALTY:COUNT[:RESERVES[:SCOPE]], e.g. A0101:5:2:local: {text!r}")
    if len(parts) > 4 or scope not in SCOPES:
        fail(f"--line 的范围应为 {'、'.join(SCOPES)}：{text}",
             f"The scope of --line is one of {', '.join(SCOPES)}: {text!r}")
    return Requirement(specialty, count, reserves, scope)


@app.command("list")
def list_pool(
    ctx: typer.Context,
    specialty: Annotated[str | None, typer.Option(help="按评标专业筛选，如 A01 / filter by specialty")] = None,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出专家库 / List the expert pool."""
    with reported():
        check_format(output)
        rows = open_services(state_of(ctx)).experts.pool(local_staff(), specialty)
        if output == "json":
            print_json(rows)
            return
        from rich.table import Table

        table = Table(title=f"评标专家库 / expert pool（{len(rows)}）")
        for column in ("人员 person", "姓名 name", "专业 specialties", "级别 level", "地区 region", "单位 employer",
                       "可参加 available"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["person_id"], r["name"], " ".join(r["specialties"]), r["level"], r["region"],
                          r["employer_id"] or "", "是 yes" if r["available"] else f"否 no（{r['unavailable_reason']}）")
        console().print(table)


@app.command("profile")
def profile(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="专家的人员编号 / the expert's person id")],
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    specialty: Annotated[list[str], typer.Option(help="评标专业代码（可重复），如 A0101 / specialty code (repeat)")],
    level: Annotated[str, typer.Option(help="senior associate intermediate / level of title")],
    region: Annotated[str, typer.Option(help="6位行政区划代码，如 530100 / region code")],
    employer: Annotated[str | None, typer.Option(help="工作单位编号 / employer's company id")] = None,
) -> None:
    """登记或更新专家信息 / Set an expert's profile."""
    from jianzheng.domain.experts import SetExpertProfile

    with reported():
        services = open_services(state_of(ctx))
        [event] = services.experts.set_profile(acting_staff(services, as_user), SetExpertProfile(
            person, tuple(specialty), level.strip(), region, employer))
        p = event.payload
        typer.echo(f"已登记 / profile set: {p['person_id']} {' '.join(p['specialties'])} {p['level']} {p['region']}")


@app.command("availability")
def availability(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="专家的人员编号 / the expert's person id")],
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    available: Annotated[bool, typer.Option("--available/--unavailable", help="可否参加评标 / available or not")],
    reason: Annotated[str, typer.Option(help="暂停原因 / why not available")] = "",
    until: Annotated[str | None, typer.Option(help="暂停至（不含）/ unavailable until (exclusive)")] = None,
) -> None:
    """设置专家可否参加评标 / Set whether an expert is available."""
    from jianzheng.domain.experts import SetExpertAvailability

    with reported():
        services = open_services(state_of(ctx))
        end = instant(until, "--until") if until else None
        [event] = services.experts.set_availability(acting_staff(services, as_user), SetExpertAvailability(
            person, available, reason, end))
        state = "可参加 / available" if event.payload["available"] else "暂停 / unavailable"
        typer.echo(f"{event.payload['person_id']}: {state}")


@app.command("draw")
def draw(
    ctx: typer.Context,
    lot_id: Annotated[str, typer.Argument(help="标段编号 / lot id")],
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    line: Annotated[list[str], typer.Option(help="专业:人数[:备选[:范围]]（可重复），范围 any/local/remote / "
                                                 "SPECIALTY:COUNT[:RESERVES[:SCOPE]] (repeat)")],
    region: Annotated[str, typer.Option(help="项目所在地区代码，如 530100 / the lot's region code")],
    evaluation_at: Annotated[str, typer.Option(help="评标时间 / when the evaluation takes place")],
) -> None:
    """申请并执行专家抽取 / Request a draw and run it with the checkpoint that contains the request."""
    with reported():
        services = open_services(state_of(ctx))
        lines = [parse_line(x) for x in line]
        events = services.experts.request_draw(acting_staff(services, as_user), lot_id, lines, region,
                                               instant(evaluation_at, "--evaluation-at"))
        request = events[0].payload
        typer.echo(f"抽取申请 / request {request['request_id']} (seq {events[0].seq}): "
                   f"{len(request['pool'])} 名候选 / candidates, {len(request['exclusions'])} 项回避 / exclusions")
        if len(events) == 1:
            typer.echo("等待见证方副签后再执行 / waiting for the witnesses' cosignatures; run it again later")
            return
        drawn = events[1].payload
        typer.echo(f"种子 / seed {drawn['seed']} (checkpoint {drawn['checkpoint']['tree_size']})")
        for pick in drawn["picks"]:
            kind = "备选 reserve" if pick["reserve"] else "抽中 drawn"
            typer.echo(f"  {pick['line']}.{pick['position']} {pick['person_id']} {kind}")


@app.command("draws")
def draws(
    ctx: typer.Context,
    lot_id: Annotated[str, typer.Argument(help="标段编号 / lot id")],
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """标段的抽取记录 / The lot's draws, their picks and answers."""
    with reported():
        check_format(output)
        rows = open_services(state_of(ctx)).experts.draws(local_staff(), lot_id)
        if output == "json":
            print_json(rows)
            return
        for r in rows:
            typer.echo(f"{r['request_id']} {r['status']} seq {r['requested_seq']} seed {r['seed'] or '-'}")
            for pick in r["picks"]:
                typer.echo(f"  {pick['line']}.{pick['position']} {pick['person_id']} {pick['status']}")


@app.command("redraw-check")
def redraw_check(
    ctx: typer.Context,
    lot_id: Annotated[str, typer.Argument(help="标段编号 / lot id")],
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """从账本重新抽取并核对 / Re-run the lot's recorded draws from the ledger; exit 1 if any check fails."""
    with reported():
        check_format(output)
        results = open_services(state_of(ctx)).experts.check_draws(local_staff(), lot_id)
    if output == "json":
        print_json(results)
    else:
        if not results:
            typer.echo(f"标段 {lot_id} 没有抽取记录 / lot {lot_id} has no draws")
        for r in results:
            verdict = "一致 / OK" if r["ok"] else ("未抽取 / not drawn yet" if r["status"] == "requested"
                                                  else "不一致 / FAILED")
            typer.echo(f"{r['request_id']}: {verdict}")
            for check in r["checks"]:
                mark = "✓" if check["ok"] else "✗"
                typer.echo(f"  {mark} {check['check']}: {check['zh']} / {check['en']}")
    if any(r["status"] == "drawn" and not r["ok"] for r in results):
        raise typer.Exit(EXIT_CHECK_FAILED)
