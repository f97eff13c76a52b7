"""The alert workbench (预警工作台) and the evidence page of one alert, with the workflow's forms.

Supervisors work the alerts; the center's staff look (read-only, as `services.policy` says:
`alert.view` for both, `alert.act` for supervisors only). The workbench lists the alerts
from the supervision desk with filters (status, severity, indicator, lot, words), and a
supervisor acknowledges a new alert straight from the list. The evidence page shows the
alert's explanation, its evidence as readable tables (each fact's value rendered by its
shape: a list of records as a table, a record as a list of fields), the witnessed events
behind it linked to the operation log, its history and comments, and one form per action
the workflow allows from its status: acknowledge, review, transfer (with the receiving
body), dismiss (with the reason), confirm (with the finding), assign and comment.

Every form is checked first (each missing or too-long field is named next to it), then its
CSRF token, then the desk decides; a refusal is shown next to the field it names, or at the
top of its form, and nothing is written — the desk appends all of an action's events in one
transaction or none.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Response
from fastapi.responses import HTMLResponse

from jianzheng.domain.errors import Refusal, not_found
from jianzheng.domain.roles import Role
from jianzheng.web.pages.auth_pages import safe_next
from jianzheng.web.pages.cockpit import indicator_name, indicator_names
from jianzheng.web.pages.render import PageRoute, redirect, render
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VIEW_ROLES = (Role.STAFF, Role.SUPERVISOR)
PAGE_SIZE = 50
MAX_TEXT = 4000
STATUSES = ("new", "acknowledged", "under_review", "transferred", "dismissed", "confirmed")
SEVERITIES = ("high", "medium", "low", "info")
LOT_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

# Each action: the form fields it takes, which of them must be filled, and the desk call.
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "acknowledge": (("note",), ()),
    "review": (("note",), ()),
    "transfer": (("recipient", "note"), ("recipient", "note")),
    "dismiss": (("reason",), ("reason",)),
    "confirm": (("finding",), ("finding",)),
    "assign": (("assignee", "note"), ("assignee",)),
    "comment": (("text",), ("text",)),
}


def _call(v: Visitor, action: str, alert_id: str, values: dict[str, str]) -> None:
    desk, actor, ip = v.services.desk, v.actor, v.ip
    if action == "acknowledge":
        desk.acknowledge(actor, alert_id, values["note"], ip)
    elif action == "review":
        desk.start_review(actor, alert_id, values["note"], ip)
    elif action == "transfer":
        desk.transfer(actor, alert_id, values["recipient"], values["note"], ip)
    elif action == "dismiss":
        desk.dismiss(actor, alert_id, values["reason"], ip)
    elif action == "confirm":
        desk.confirm(actor, alert_id, values["finding"], None, ip)
    elif action == "assign":
        desk.assign(actor, alert_id, values["assignee"], values["note"], ip)
    else:
        desk.comment(actor, alert_id, values["text"], ip)


def read_filters(v: Visitor, params: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The workbench's filters; a bad one is named next to its field and not applied."""
    t = v.t
    filters: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = params.get("status", "").strip()
    if status == "open":
        filters["status"] = ["new", "acknowledged", "under_review"]
    elif status:
        if status in STATUSES:
            filters["status"] = [status]
        else:
            errors["status"] = t("alerts.bad_status")
    severity = params.get("severity", "").strip()
    if severity:
        if severity in SEVERITIES:
            filters["severity"] = [severity]
        else:
            errors["severity"] = t("alerts.bad_severity")
    indicator = params.get("indicator", "").strip()
    if indicator:
        if indicator in indicator_names() or indicator in ("WATCHLIST", "PROC-RULE"):
            filters["indicator"] = [indicator]
        else:
            errors["indicator"] = t("alerts.bad_indicator")
    lot_id = params.get("lot_id", "").strip()
    if lot_id:
        if LOT_PATTERN.match(lot_id):
            filters["lot_id"] = lot_id
        else:
            errors["lot_id"] = t("log.bad_lot")
    text = params.get("text", "").strip()
    if text:
        if len(text) <= 100:
            filters["text"] = text
        else:
            errors["text"] = t("login.too_long")
    return filters, errors


def _lot_names(v: Visitor, lot_ids: set[str]) -> dict[str, str]:
    from jianzheng.web.pages import figures

    return figures.lot_names(v.services.engine, lot_ids)


@router.get("/alerts")
def workbench(v: Page) -> HTMLResponse:
    actor = v.require(*VIEW_ROLES)
    params = {k: value for k, value in v.request.query_params.items()}
    filters, errors = read_filters(v, params)
    raw_page = params.get("page", "")
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    total, rows = v.services.desk.alerts(actor, filters, "-raised", PAGE_SIZE, (number - 1) * PAGE_SIZE)
    counts = v.services.desk.alert_counts(actor)
    lots = _lot_names(v, {lot for r in rows for lot in r["lot_ids"]})
    indicators = sorted({*indicator_names(), "WATCHLIST", "PROC-RULE"})
    return render(v, "alerts/index.html", status=422 if errors else 200, rows=rows, total=total, page=number,
                  pages=max(1, -(-total // PAGE_SIZE)), errors=errors, lots=lots, counts=counts,
                  params={k: params.get(k, "") for k in ("status", "severity", "indicator", "lot_id", "text")},
                  statuses=STATUSES, severities=SEVERITIES, indicators=indicators,
                  indicator_label=lambda code: indicator_name(v, code), may_act=actor.role is Role.SUPERVISOR,
                  back=v.request.url.path + (f"?{v.request.url.query}" if v.request.url.query else ""))


def evidence_rows(value: Any) -> dict[str, Any]:
    """How to show one evidence value: as a table, a list of fields, a list or a plain value."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        columns: list[str] = []
        for item in value:
            columns += [k for k in item if k not in columns]
        return {"kind": "table", "columns": columns, "rows": value}
    if isinstance(value, dict):
        return {"kind": "fields", "pairs": list(value.items())}
    if isinstance(value, list):
        return {"kind": "list", "entries": value}
    return {"kind": "value", "value": value}


def log_link(event: dict[str, Any]) -> str:
    """The operation log filtered to the instant (and lot) of a witnessed event, scrolled to its row."""
    from urllib.parse import urlencode

    params = {"since": event["time"], "until": event["time"]}
    if str(event["stream"]).startswith("lot:"):
        params["lot_id"] = str(event["stream"])[4:]
    return f"/log?{urlencode(params)}#seq-{event['seq']}"


def alert_view(v: Visitor, alert_id: str, status: int = 200, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, failed: str | None = None) -> HTMLResponse:
    actor = v.require(*VIEW_ROLES)
    alert = v.services.desk.alert(actor, alert_id)
    events = {e["seq"]: e for e in alert["evidence_events"]}
    evidence = [{"fact": item.get("fact", ""), "shown": evidence_rows(item.get("value")),
                 "events": [events[s] for s in item.get("event_seqs", []) if s in events],
                 "missing": [s for s in item.get("event_seqs", []) if s not in events]}
                for item in alert["evidence"]]
    # A refused form stays on the page with its messages, even if the workflow no longer offers it.
    shown = list(alert["next_actions"]) + ([failed] if failed and failed not in alert["next_actions"] else [])
    return render(v, "alerts/detail.html", status=status, alert=alert, evidence=evidence, shown_actions=shown,
                  indicator=indicator_name(v, alert["indicator"]), may_act=actor.role is Role.SUPERVISOR,
                  errors=errors or {}, values=values or {}, failed=failed, log_link=log_link,
                  explanation=v.t.both(alert["explanation_zh"], alert["explanation_en"]), actions=ACTIONS)


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: str, v: Page) -> HTMLResponse:
    return alert_view(v, alert_id)


@router.post("/alerts/{alert_id}/{action}")
async def alert_action(alert_id: str, action: str, v: Page, csrf_token: Annotated[str, Form()] = "",
                       next: Annotated[str, Form()] = "") -> Response:
    v.require(*VIEW_ROLES)
    if action not in ACTIONS:
        raise not_found("操作", action)
    form = await v.request.form()
    fields, required = ACTIONS[action]
    values = {name: str(form.get(name) or "").strip() for name in fields}
    return await _run(v, alert_id, action, values, required, csrf_token, next)


async def _run(v: Visitor, alert_id: str, action: str, values: dict[str, str], required: tuple[str, ...],
               csrf_token: str, next_path: str) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_run_sync, v, alert_id, action, values, required, csrf_token, next_path)


def _run_sync(v: Visitor, alert_id: str, action: str, values: dict[str, str], required: tuple[str, ...],
              csrf_token: str, next_path: str) -> Response:
    t = v.t
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name in required and not value:
            errors[f"{action}.{name}"] = t(f"alerts.required.{name}")
        elif len(value) > MAX_TEXT:
            errors[f"{action}.{name}"] = t("alerts.too_long", n=MAX_TEXT)
    if not errors:
        try:
            v.check_csrf(csrf_token)
            _call(v, action, alert_id, values)
        except Refusal as refusal:
            if refusal.status == 404:
                raise
            key = f"{action}.{refusal.field}" if refusal.field in values else f"{action}.form"
            errors[key] = t.both(refusal.message_zh, refusal.message_en)
            status = refusal.status if 400 <= refusal.status < 500 else 400
            return alert_view(v, alert_id, status, errors, values, action)
    if errors:
        return alert_view(v, alert_id, 422, errors, values, action)
    # The quick acknowledgement on the workbench returns to the list it came from.
    back = safe_next(next_path)
    if back and back.startswith("/alerts"):
        return redirect(v, back)
    return redirect(v, f"/alerts/{alert_id}?done={action}")
