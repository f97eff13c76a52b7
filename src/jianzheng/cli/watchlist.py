"""`jianzheng watchlist`: the watch list (重点关注名单) — add, list and remove entries.

While an entry is in force, its subject signing in, registering for a lot or being drawn
for a committee raises a WATCHLIST alert at once.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jianzheng.cli.common import check_format, console, local_staff, open_services, print_json, reported, state_of
from jianzheng.cli.desk_common import AS_HELP, acting_supervisor, instant

app = typer.Typer(help="重点关注名单 / the watch list", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    kind: Annotated[str, typer.Option(help="expert person bidder agency / kind of subject")],
    subject: Annotated[str, typer.Option(help="人员或单位编号 / person or party id")],
    reason: Annotated[str, typer.Option(help="列入理由 / why the subject is watched")],
    until: Annotated[str, typer.Option(help="关注截止（不含），如 2027-03-01 / watched until (exclusive)")],
    since: Annotated[str | None, typer.Option(
        "--from", help="关注起始（默认现在）/ watched from (default now)")] = None,
) -> None:
    """列入重点关注名单 / Add a subject to the watch list."""
    with reported():
        services = open_services(state_of(ctx))
        actor = acting_supervisor(services, as_user)
        start = instant(since, "--from") if since else None
        events = services.desk.watch(actor, kind.strip().lower(), subject, reason, instant(until, "--until"), start)
        p = events[0].payload
        typer.echo(f"已列入名单 / added: {p['entry_id']} {p['subject_name']} ({p['kind']}) "
                   f"{p['valid_from']} – {p['valid_to']}")


@app.command("list")
def list_entries(
    ctx: typer.Context,
    state: Annotated[str, typer.Option(help="in_force all removed expired upcoming / which entries")] = "in_force",
    kind: Annotated[str | None, typer.Option(help="expert person bidder agency / kind of subject")] = None,
    subject: Annotated[str | None, typer.Option(help="人员或单位编号 / person or party id")] = None,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出名单 / List watch-list entries (in force by default)."""
    with reported():
        check_format(output)
        services = open_services(state_of(ctx))
        rows = services.desk.watchlist(local_staff(), state.strip().lower(), kind.strip().lower() if kind else None,
                                       subject)
        if output == "json":
            print_json(rows)
            return
        from rich.table import Table

        table = Table(title=f"重点关注名单 / watch list（{len(rows)}）")
        for column in ("条目 entry", "类型 kind", "对象 subject", "理由 reason", "起 from (UTC)", "止 until (UTC)",
                       "状态 status"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["entry_id"], f"{r['kind_zh']} {r['kind']}", f"{r['subject_name']} ({r['subject_id']})",
                          r["reason"], r["valid_from"], r["valid_to"], r["status"])
        console().print(table)


@app.command("remove")
def remove(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="条目编号 / entry id")],
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    reason: Annotated[str, typer.Option(help="移出理由 / why the entry is removed")],
) -> None:
    """移出名单 / Remove an entry, with the reason."""
    with reported():
        services = open_services(state_of(ctx))
        events = services.desk.unwatch(acting_supervisor(services, as_user), entry_id, reason)
        typer.echo(f"已移出名单 / removed: {events[0].payload['entry_id']}")
