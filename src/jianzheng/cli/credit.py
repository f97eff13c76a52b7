"""`jianzheng credit`: credit records (信用记录) — list, record and revoke.

A record names the bad behaviour, the sanction, its legal basis and deciding authority,
and the record period; sanctions that bar bidding (bid_ban, blacklist) make bid
registration refuse the party while the period runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jianzheng.cli.common import check_format, console, fail, local_staff, open_services, print_json, reported, state_of
from jianzheng.cli.desk_common import AS_HELP, acting_supervisor, instant

app = typer.Typer(help="信用记录 / credit records", no_args_is_help=True)


@app.command("list")
def list_records(
    ctx: typer.Context,
    subject: Annotated[str | None, typer.Option(help="单位或人员编号 / party or person id")] = None,
    sanction: Annotated[str | None, typer.Option(help="处理措施，如 bid_ban / sanction")] = None,
    in_force: Annotated[bool, typer.Option("--in-force", help="只看期限内的 / only records in force now")] = False,
    limit: Annotated[int, typer.Option(help="最多显示条数（1-1000）/ at most this many")] = 50,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出信用记录 / List credit records, newest first."""
    with reported():
        check_format(output)
        services = open_services(state_of(ctx))
        total, rows = services.desk.credit_records(local_staff(), subject, sanction, in_force, limit=limit)
        if output == "json":
            print_json({"total": total, "records": rows})
            return
        from rich.table import Table

        table = Table(title=f"信用记录 / credit records（{len(rows)} / {total}）")
        for column in ("记录 record", "对象 subject", "行为 behaviour", "措施 sanction", "依据 basis",
                       "期限 period (UTC)", "状态 status"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["record_id"], f"{r['subject_name']} ({r['subject_id']})", r["behaviour"],
                          f"{r['sanction_zh']} {r['sanction']}", r["basis"], f"{r['period_from']} – {r['period_to']}",
                          r["status"])
        console().print(table)


@app.command("record")
def record(
    ctx: typer.Context,
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    subject: Annotated[str, typer.Option(help="单位或人员编号 / party or person id")],
    behaviour: Annotated[str, typer.Option(help="失信行为 / the bad behaviour")],
    sanction: Annotated[str, typer.Option(
        help="warning criticism fine bid_ban blacklist expert_suspension expert_disqualified / sanction")],
    basis: Annotated[str, typer.Option(help="处理依据（法条）/ legal basis")],
    authority: Annotated[str, typer.Option(help="决定机关 / deciding authority")],
    until: Annotated[str, typer.Option(help="记录期限截止（不含）/ record period until (exclusive)")],
    since: Annotated[str | None, typer.Option("--from", help="记录期限起始（默认现在）/ from (default now)")] = None,
    kind: Annotated[str, typer.Option(help="party 或 person / the subject's kind")] = "party",
    decision_ref: Annotated[str, typer.Option(help="决定文号 / decision document number")] = "",
    unpublished: Annotated[bool, typer.Option("--unpublished", help="不向社会公开 / do not publish")] = False,
) -> None:
    """记录失信行为 / Record a credit record."""
    with reported():
        from jianzheng.domain.credit import RecordCredit

        if kind not in ("party", "person"):
            fail(f"--kind 应为 party 或 person，而不是 {kind}", f"--kind must be party or person, not {kind!r}")
        services = open_services(state_of(ctx))
        actor = acting_supervisor(services, as_user)
        start = instant(since, "--from") if since else services.platform.clock.now()
        cmd = RecordCredit(kind, subject, behaviour, sanction, basis, authority, start, instant(until, "--until"),
                           decision_ref, not unpublished)
        events = services.desk.record_credit(actor, cmd)
        p = events[0].payload
        typer.echo(f"已记录 / recorded: {p['record_id']} {p['subject_name']} {p['sanction']} "
                   f"{p['period_from']} – {p['period_to']}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="记录编号 / record id")],
    as_user: Annotated[str, typer.Option("--as", help=AS_HELP)],
    reason: Annotated[str, typer.Option(help="撤销理由 / reason for revoking")],
) -> None:
    """撤销信用记录 / Revoke a credit record."""
    with reported():
        services = open_services(state_of(ctx))
        events = services.desk.revoke_credit(acting_supervisor(services, as_user), record_id, reason)
        typer.echo(f"已撤销 / revoked: {events[0].payload['record_id']}")
