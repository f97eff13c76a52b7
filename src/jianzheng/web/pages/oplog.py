"""The operation log (操作日志), seed 002's second one-screen view: every operation, filterable.

Filters: lot, person (username or user id), role, event type (with * wildcards), and a
time range in Beijing time. Each bad filter is reported next to its field and the list is
not filtered by it; the form works without JavaScript and, with htmx, swaps only the
results and keeps the address bar in step. Staff and supervisors read the whole log; a
tenderer or agency reads the log of its own lots (the policy's `may_read_log`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.roles import Role
from jianzheng.web.pages import figures
from jianzheng.web.pages.i18n import CATALOGUE
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOG_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.TENDERER, Role.AGENCY)
PAGE_SIZE = 50
TYPE_PATTERN = re.compile(r"^[a-z0-9_.*]{1,64}$")
LOT_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EVENT_TYPES = sorted(key.removeprefix("event.") for key in CATALOGUE if key.startswith("event."))
ROLES = [r.value for r in Role]


def _time(raw: str) -> datetime | None:
    """A `datetime-local` value (Beijing time, no offset) or an ISO instant; None if malformed."""
    try:
        return parse_instant(raw.strip().replace(" ", "T"))
    except ValueError:
        return None


def read_filters(v: Visitor, params: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check each filter; the valid ones go to the query, the others get a message next to their field."""
    t = v.t
    filters: dict[str, Any] = {}
    errors: dict[str, str] = {}
    lot_id = params.get("lot_id", "").strip()
    if lot_id:
        if LOT_PATTERN.match(lot_id):
            filters["lot_id"] = lot_id
        else:
            errors["lot_id"] = t("log.bad_lot")
    person = params.get("person", "").strip()
    if person:
        user_id = figures.user_id_for(v.services.engine, person)
        if user_id is None:
            errors["person"] = t("log.unknown_person")
        else:
            filters["actor"] = user_id
    role = params.get("role", "").strip()
    if role:
        if role in ROLES:
            filters["role"] = role
        else:
            errors["role"] = t("log.unknown_role")
    kind = params.get("type", "").strip()
    if kind:
        if TYPE_PATTERN.match(kind):
            filters["type"] = kind
        else:
            errors["type"] = t("log.bad_type")
    since = until = None
    for name in ("since", "until"):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        value = _time(raw)
        if value is None:
            errors[name] = t("log.bad_time")
        elif name == "since":
            since = value
        else:
            until = value
    if since and until and since > until:
        errors["until"] = t("log.bad_range")
    else:
        if since:
            filters["since"] = format_instant(since)
        if until:
            filters["until"] = format_instant(until)
    return filters, errors


@router.get("/log")
def operation_log(v: Page) -> HTMLResponse:
    actor = v.require(*LOG_ROLES)
    params = {k: v_ for k, v_ in v.request.query_params.items()}
    filters, errors = read_filters(v, params)
    raw_page = params.get("page", "")
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 1_000_000 else 1
    choose_lot = actor.role in (Role.TENDERER, Role.AGENCY) and "lot_id" not in filters
    own_lots: list[dict[str, Any]] = []
    total, items = 0, list[dict[str, Any]]()
    if choose_lot:
        _, own_lots = v.services.queries.lots(actor, None, 200, 0)
    else:
        total, items = v.services.queries.log(actor, filters, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    lot_names = figures.lot_names(v.services.engine, {i["stream"][4:] for i in items if i["stream"].startswith("lot:")})
    context = dict(params={k: params.get(k, "") for k in ("lot_id", "person", "role", "type", "since", "until")},
                   errors=errors, items=items, total=total, page=number, pages=max(1, -(-total // PAGE_SIZE)),
                   roles=ROLES, event_types=EVENT_TYPES, choose_lot=choose_lot, own_lots=own_lots,
                   lot_names=lot_names)
    status = 422 if errors else 200
    if v.request.headers.get("hx-request") == "true" and v.request.headers.get("hx-target") == "log-panel":
        # htmx swaps only 2xx answers: the messages next to the fields travel in the panel itself.
        return render(v, "log/_panel.html", status=200, **context)
    return render(v, "log.html", status=status, **context)
