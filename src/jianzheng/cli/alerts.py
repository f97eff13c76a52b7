"""`jianzheng alerts`: the supervisors' alert workbench on the command line.

List and show alerts with their evidence; acknowledge, review, transfer (线索移送),
dismiss, confirm (optionally recording a credit record), assign and comment — each a
witnessed event in the name of the supervisor given with ``--as``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import check_format, console, fail, local_staff, open_services, print_json, reported, state_of
from jianzheng.cli.desk_common import AS_HELP, acting_supervisor, instant

if TYPE_CHECKING:
    from jianzheng.domain.events import WitnessedEvent

app = typer.Typer(help="预警处置 / alerts: list, evidence and the supervisors' workflow", no_args_is_help=True)

AlertId = Annotated[str, typer.Argument(help="预警编号 / alert id")]
As = Annotated[str, typer.Option("--as", help=AS_HELP)]


def _done(events: list[WitnessedEvent], what_zh: str, what_en: str) -> None:
    seqs = ", ".join(str(e.seq) for e in events)
    typer.echo(f"{what_zh} / {what_en}（账本序号 / ledger seq {seqs}）")


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option(
        help="状态，可重复：new acknowledged under_review transferred dismissed confirmed / status")] = None,
    severity: Annotated[list[str] | None, typer.Option(
        help="严重程度，可重复：info low medium high / severity")] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="指标代码，可重复 / indicator code")] = None,
    lot: Annotated[str | None, typer.Option(help="涉及的标段编号 / lot concerned")] = None,
    party: Annotated[str | None, typer.Option(help="涉及的单位编号 / party concerned")] = None,
    assignee: Annotated[str | None, typer.Option(help="承办人用户名；none 为未分派 / assignee, or none")] = None,
    order: Annotated[str, typer.Option(help="-raised raised -severity -updated / order")] = "-raised",
    limit: Annotated[int, typer.Option(help="最多显示条数（1-1000）/ at most this many")] = 50,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出预警 / List alerts, newest first by default."""
    with reported():
        check_format(output)
        services = open_services(state_of(ctx))
        filters: dict[str, Any] = {"status": status, "severity": severity, "indicator": indicator, "lot_id": lot,
                                   "party_id": party, "assignee": assignee}
        total, rows = services.desk.alerts(local_staff(), filters, order, limit)
        if output == "json":
            print_json({"total": total, "alerts": rows})
            return
        from rich.table import Table

        table = Table(title=f"预警 / alerts（{len(rows)} / {total}）")
        for column in ("编号 id", "指标 indicator", "级别 severity", "状态 status", "标段 lots", "说明 explanation",
                       "承办 assignee", "时间 raised (UTC)"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["alert_id"], r["indicator"], r["severity"], f"{r['status_zh']} {r['status']}",
                          ", ".join(r["lot_ids"]), r["explanation_zh"], r["assignee_name"] or "", r["raised_at"])
        console().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    alert_id: AlertId,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """显示预警详情、证据、处置记录和意见 / Show one alert: evidence, history and comments."""
    with reported():
        check_format(output)
        services = open_services(state_of(ctx))
        alert = services.desk.alert(local_staff(), alert_id)
        if output == "json":
            print_json(alert)
            return
        import json

        from rich.table import Table

        out = console()
        facts = Table(title=f"预警 / alert {alert['alert_id']}", show_header=False)
        facts.add_column("", style="bold")
        facts.add_column("", overflow="fold")
        for label, value in (
            ("指标 indicator", alert["indicator"]),
            ("级别 severity", alert["severity"]),
            ("状态 status", f"{alert['status_zh']} {alert['status']}"),
            ("说明", alert["explanation_zh"]),
            ("explanation", alert["explanation_en"]),
            ("依据 basis", alert["article"] or ""),
            ("标段 lots", ", ".join(f"{lot['lot_id']} {lot['name']}" for lot in alert["lots"])
             or ", ".join(alert["lot_ids"])),
            ("单位 parties", ", ".join(f"{p['party_id']} {alert['party_names'].get(p['party_id'], '')} ({p['role']})"
                                      for p in alert["parties"])),
            ("人员 persons", ", ".join(f"{p} {alert['person_names'].get(p, '')}" for p in alert["person_ids"])),
            ("承办 assignee", alert["assignee_name"] or ""),
            ("结论 resolution", alert["resolution"] or ""),
            ("信用记录 credit", alert["credit_record_id"] or ""),
            ("可执行 next", " ".join(alert["next_actions"])),
        ):
            facts.add_row(label, value)
        out.print(facts)
        evidence = Table(title="证据 / evidence")
        for column in ("事实 fact", "值 value", "见证事件 events"):
            evidence.add_column(column, overflow="fold")
        for item in alert["evidence"]:
            evidence.add_row(item["fact"], json.dumps(item["value"], ensure_ascii=False),
                             ", ".join(str(s) for s in item["event_seqs"]))
        out.print(evidence)
        history = Table(title="处置记录 / history")
        for column in ("序号 seq", "时间 time (UTC)", "事件 event", "操作人 actor", "内容 details"):
            history.add_column(column, overflow="fold")
        for h in alert["history"]:
            details = {k: v for k, v in h["payload"].items() if k in ("note", "reason", "finding", "recipient",
                                                                      "assignee_name", "text", "credit_record_id")}
            history.add_row(str(h["seq"]), h["time"], h["type"], h["actor_name"],
                            json.dumps(details, ensure_ascii=False) if details else "")
        out.print(history)


@app.command("ack")
def ack(ctx: typer.Context, alert_id: AlertId, as_user: As,
        note: Annotated[str, typer.Option(help="备注 / note")] = "") -> None:
    """签收预警 / Acknowledge a new alert."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.acknowledge(acting_supervisor(services, as_user), alert_id, note), "已签收", "acknowledged")


@app.command("review")
def review(ctx: typer.Context, alert_id: AlertId, as_user: As,
           note: Annotated[str, typer.Option(help="备注 / note")] = "") -> None:
    """开始核查 / Start reviewing an acknowledged alert."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.start_review(acting_supervisor(services, as_user), alert_id, note),
              "已开始核查", "review started")


@app.command("transfer")
def transfer(
    ctx: typer.Context, alert_id: AlertId, as_user: As,
    to: Annotated[str, typer.Option("--to", help="移送机关 / the body receiving the clue")],
    note: Annotated[str, typer.Option(help="移送说明 / what is transferred and why")],
) -> None:
    """线索移送纪检监察 / Transfer the alert to discipline inspection."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.transfer(acting_supervisor(services, as_user), alert_id, to, note),
              "已移送", "transferred")


@app.command("dismiss")
def dismiss(
    ctx: typer.Context, alert_id: AlertId, as_user: As,
    reason: Annotated[str, typer.Option(help="排除理由（必填）/ reason (required)")],
) -> None:
    """排除预警（须说明理由）/ Dismiss the alert with a reason."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.dismiss(acting_supervisor(services, as_user), alert_id, reason), "已排除", "dismissed")


@app.command("confirm")
def confirm(
    ctx: typer.Context, alert_id: AlertId, as_user: As,
    finding: Annotated[str, typer.Option(help="核查结论 / the finding")],
    credit_sanction: Annotated[str | None, typer.Option(
        help="同时记录信用记录的处理措施，如 bid_ban / record a credit record with this sanction")] = None,
    credit_subject: Annotated[str | None, typer.Option(
        help="信用记录对象编号（默认预警的第一个单位）/ party or person id (default: the alert's first party)")] = None,
    credit_kind: Annotated[str, typer.Option(help="party 或 person / the subject's kind")] = "party",
    credit_basis: Annotated[str | None, typer.Option(help="处理依据 / legal basis")] = None,
    credit_authority: Annotated[str | None, typer.Option(help="决定机关 / deciding authority")] = None,
    credit_from: Annotated[str | None, typer.Option(help="记录期限起始（默认现在）/ period from (default now)")] = None,
    credit_until: Annotated[str | None, typer.Option(help="记录期限截止 / period until")] = None,
    credit_ref: Annotated[str, typer.Option(help="决定文号 / decision document number")] = "",
) -> None:
    """确认预警，可同时记录信用记录 / Confirm the alert, optionally recording a credit record."""
    with reported():
        services = open_services(state_of(ctx))
        actor = acting_supervisor(services, as_user)
        credit = None
        if credit_sanction is not None:
            from jianzheng.domain.credit import RecordCredit

            subject = credit_subject
            if subject is None:
                parties = services.desk.alert(local_staff(), alert_id)["party_ids"]
                if not parties:
                    fail("该预警未涉及单位，请用 --credit-subject 指定",
                         "The alert names no party; give --credit-subject")
                subject = parties[0]
            if not (credit_basis and credit_authority and credit_until):
                fail("记录信用记录须同时给出 --credit-basis、--credit-authority 和 --credit-until",
                     "A credit record needs --credit-basis, --credit-authority and --credit-until")
            start = instant(credit_from, "--credit-from") if credit_from else services.platform.clock.now()
            credit = RecordCredit(credit_kind, subject, finding, credit_sanction, credit_basis, credit_authority,
                                  start, instant(credit_until, "--credit-until"), credit_ref)
        events = services.desk.confirm(actor, alert_id, finding, credit)
        _done(events, "已确认", "confirmed")
        for e in events:
            if e.type == "credit.recorded":
                typer.echo(f"信用记录 / credit record: {e.payload['record_id']}")


@app.command("assign")
def assign(
    ctx: typer.Context, alert_id: AlertId, as_user: As,
    to: Annotated[str, typer.Option("--to", help="承办人用户名 / the supervisor's username")],
    note: Annotated[str, typer.Option(help="备注 / note")] = "",
) -> None:
    """分派承办人 / Assign the alert to a supervisor."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.assign(acting_supervisor(services, as_user), alert_id, to, note), "已分派", "assigned")


@app.command("comment")
def comment(
    ctx: typer.Context, alert_id: AlertId, as_user: As,
    text: Annotated[str, typer.Option(help="意见 / comment")],
) -> None:
    """批注意见 / Comment on the alert."""
    with reported():
        services = open_services(state_of(ctx))
        _done(services.desk.comment(acting_supervisor(services, as_user), alert_id, text), "已批注", "commented")
