"""`jianzheng log`: the operation log (操作日志), every witnessed event with its envelope.

Filters combine: lot, actor (username or user id), role, event type (``*`` is a
wildcard, e.g. ``lot.*``), time window. Newest first.
"""

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


def _instant(value: str, option: str) -> str:
    from jianzheng.domain.calendar import format_instant, parse_instant

    try:
        return format_instant(parse_instant(value.strip()))
    except ValueError:
        fail(f"{option} 的时间格式应为 ISO 8601，例如 2026-03-02 或 2026-03-02T09:00（北京时间）：{value}",
             f"{option} must be an ISO 8601 time such as 2026-03-02 or 2026-03-02T09:00 (Shanghai): {value!r}")


def log(
    ctx: typer.Context,
    lot: Annotated[str | None, typer.Option(help="标段编号 / lot id")] = None,
    actor: Annotated[str | None, typer.Option(help="操作人用户名或编号 / actor's username or user id")] = None,
    role: Annotated[str | None, typer.Option(help="操作人角色 / actor's role")] = None,
    event_type: Annotated[str | None, typer.Option(
        "--type", help="事件类型，可用 * 通配，例如 lot.* / event type, * is a wildcard")] = None,
    since: Annotated[str | None, typer.Option(
        help="起始时间（含），ISO 8601，无时区时为北京时间 / from this time (inclusive)")] = None,
    until: Annotated[str | None, typer.Option(
        help="截止时间（含）/ up to this time (inclusive)")] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数（1-10000）/ at most this many")] = 100,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """查看操作日志 / Show the operation log, newest first."""
    with reported():
        check_format(output)
        if not 1 <= limit <= 10000:
            fail("--limit 应在 1 至 10000 之间", "--limit must be between 1 and 10000")
        filters: dict[str, Any] = {"lot_id": lot, "type": event_type}
        if role:
            from jianzheng.domain.roles import Role

            if role.strip().lower() not in {r.value for r in Role}:
                fail(f"未知角色：{role}；可选：{', '.join(r.value for r in Role)}",
                     f"Unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
            filters["role"] = role.strip().lower()
        if since:
            filters["since"] = _instant(since, "--since")
        if until:
            filters["until"] = _instant(until, "--until")
        if since and until and filters["since"] > filters["until"]:
            fail("--since 晚于 --until", "--since is later than --until")
        services = open_services(state_of(ctx))
        if actor:
            filters["actor"] = _actor_id(services, actor.strip())
        total, rows = services.queries.log(local_staff(), filters, limit=limit)
        if output == "json":
            print_json({"total": total, "events": rows})
            return
        from rich.table import Table

        table = Table(title=f"操作日志 / operation log（{len(rows)} / {total}）")
        for column in ("序号 seq", "时间 time (UTC)", "操作人 actor", "角色 role", "事件 type", "对象 stream"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(str(r["seq"]), r["time"], r["actor_name"], r["role"], r["type"], r["stream"])
        console().print(table)


def _actor_id(services: Any, actor: str) -> str:
    """Accept a username as well as a user id; the log stores user ids."""
    with services.store.read() as session:
        rows = session.rows("users", {"username": actor.lower()})
    return str(rows[0]["user_id"]) if rows else actor
