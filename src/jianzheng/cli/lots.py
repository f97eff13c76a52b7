"""`jianzheng lots`: list lots (标段) by stage and show one lot with its warnings."""

from __future__ import annotations

from typing import Annotated, Any

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

app = typer.Typer(help="标段查询 / lots", no_args_is_help=True)


def _yuan(fen: Any) -> str:
    from jianzheng.domain.money import format_yuan

    return format_yuan(int(fen)) if fen is not None else ""


def _stage(value: str) -> str:
    from jianzheng.domain.lifecycle import Stage

    try:
        return Stage(value.strip().lower()).value
    except ValueError:
        fail(f"未知阶段：{value}；可选：{', '.join(s.value for s in Stage)}",
             f"Unknown stage {value!r}; choose one of {', '.join(s.value for s in Stage)}")


def _stage_label(value: str) -> str:
    from jianzheng.domain.lifecycle import Stage

    return f"{Stage(value).label_zh} {value}"


@app.command("list")
def list_lots(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="只列出此阶段，例如 bidding / only this stage")] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数 / at most this many")] = 50,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出标段 / List lots, newest first."""
    with reported():
        check_format(output)
        wanted = _stage(stage) if stage else None
        if not 1 <= limit <= 10000:
            fail("--limit 应在 1 至 10000 之间", "--limit must be between 1 and 10000")
        services = open_services(state_of(ctx))
        total, rows = services.queries.lots(local_staff(), wanted, limit=limit)
        if output == "json":
            print_json({"total": total, "lots": rows})
            return
        from rich.table import Table

        table = Table(title=f"标段 / lots（{len(rows)} / {total}）")
        for column in ("标段 lot", "名称 name", "阶段 stage", "估算价（元）estimate", "投标截止 deadline"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["lot_id"], r["name"], _stage_label(r["stage"]), _yuan(r["estimated_price_fen"]),
                          r["bid_deadline"] or "")
        console().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    lot_id: Annotated[str, typer.Argument(help="标段编号 / lot id")],
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """显示一个标段的详情、公告和规则预警 / Show one lot with its notices and rule warnings."""
    with reported():
        check_format(output)
        services = open_services(state_of(ctx))
        lot = services.queries.lot(local_staff(), lot_id.strip())
        if output == "json":
            print_json(lot)
            return
        from rich.table import Table

        project = lot.get("project") or {}
        facts = Table(title=f"标段 / lot {lot['lot_id']}", show_header=False)
        facts.add_column("", style="bold")
        facts.add_column("", overflow="fold")
        for label, value in (
            ("名称 name", lot["name"]),
            ("项目 project", f"{project.get('name', '')} ({lot['project_id']})"),
            ("阶段 stage", _stage_label(lot["stage"])),
            ("轮次 round", str(lot["round"])),
            ("类别 category", lot["category"] or ""),
            ("估算价（元）estimate", _yuan(lot["estimated_price_fen"])),
            ("国有资金 state funded", "是 yes" if lot["state_funded"] else "否 no"),
            ("招标人 tenderer", lot["tenderer_id"] or ""),
            ("代理机构 agency", lot["agency_id"] or ""),
            ("投标截止 deadline", lot["bid_deadline"] or ""),
            ("开标 opened", lot["opened_at"] or ""),
            ("中标人 winner", lot["awarded_bidder_id"] or ""),
            ("合同价（元）contract", _yuan(lot["contract_price_fen"])),
        ):
            facts.add_row(label, value)
        out = console()
        out.print(facts)
        warnings = lot.get("warnings") or []
        if warnings:
            table = Table(title=f"规则预警 / rule warnings（{len(warnings)}）")
            for column in ("序号 seq", "规则 rule", "依据 article"):
                table.add_column(column, overflow="fold")
            for w in warnings:
                table.add_row(str(w.get("seq", "")), str(w.get("rule", "")), str(w.get("article", "")))
            out.print(table)
        notices = lot.get("notices") or []
        if notices:
            table = Table(title=f"公告 / notices（{len(notices)}）")
            for column in ("序号 seq", "类型 kind", "发布时间 published", "标题 title"):
                table.add_column(column, overflow="fold")
            for n in notices:
                table.add_row(str(n["seq"]), n["kind"], n["published_at"], n["title"])
            out.print(table)
