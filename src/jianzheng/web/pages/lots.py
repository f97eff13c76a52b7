"""The lots list and the project one-screen view (项目一屏可视) of one lot.

The one-screen view puts on one page what seed 002 asks a supervisor to see of a project:
the stages dated by their witnessed events, each statutory deadline against the actual
date with what is next and what is late, the participants, the bids once opened, the
scores once evaluated (the deviating expert marked), the lot's rule warnings and its
witnessed events, and the ledger block. Every part is read through `services.queries`,
which applies the one visibility policy: a section the visitor may not see is replaced
by the reason, never by the data. The witness certificate is issued by the API's own code
for the signed-in visitor (`/lots/{lot_id}/certificate?format=pdf|html|json`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from jianzheng.domain.errors import Refusal, invalid
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import fold
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.policy import may_read_log
from jianzheng.web.api import certificates
from jianzheng.web.deps import Caller
from jianzheng.web.pages import figures
from jianzheng.web.pages.ledger_status import ledger_status
from jianzheng.web.pages.progress import progress
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.scoring import ScoreTable, score_table
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LIST_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.TENDERER, Role.AGENCY)
PAGE_SIZE = 50
STAGES = [s.value for s in Stage]
CERTIFICATE_FORMATS: dict[str, Literal["pdf", "html", "json"]] = {"pdf": "pdf", "html": "html", "json": "json"}


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


@router.get("/lots")
def lots_list(v: Page, stage: str | None = None, page: str | None = None) -> HTMLResponse:
    actor = v.require(*LIST_ROLES)
    errors: dict[str, str] = {}
    chosen = stage or None
    if chosen and chosen not in STAGES:
        errors["stage"] = v.t("lots.stage_unknown")
        chosen = None
    number = page_number(page)
    total, rows = v.services.queries.lots(actor, chosen, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    projects = figures.project_names(v.services.engine, {r["project_id"] for r in rows})
    own = actor.role in (Role.TENDERER, Role.AGENCY)
    return render(v, "lots.html", status=422 if errors else 200, rows=rows, projects=projects, total=total,
                  page=number, pages=max(1, -(-total // PAGE_SIZE)), stage=stage or "", stages=STAGES, errors=errors,
                  own=own)


def _maybe(call: Any, *args: Any) -> Any:
    """A section the visitor may not see: None instead of the data (the template says why)."""
    try:
        return call(*args)
    except Refusal as refusal:
        if refusal.status == 403:
            return None
        raise


def _names(v: Visitor, lot: dict[str, Any], bids: list[dict[str, Any]] | None) -> dict[str, str]:
    ids = {lot["tenderer_id"], lot.get("agency_id")} | {b["bidder_id"] for b in bids or []}
    return figures.party_names(v.services.engine, {i for i in ids if i})


def _score_table(v: Visitor, actor: Actor, lot: dict[str, Any], bids: list[dict[str, Any]] | None,
                 names: dict[str, str]) -> ScoreTable | None:
    scores = _maybe(v.services.queries.scores, actor, lot["lot_id"])
    if not scores:
        return None
    committee = _maybe(v.services.queries.committee, actor, lot["lot_id"]) or []
    known = {m["person_id"] for m in committee}
    extra = {s["person_id"] for s in scores} - known
    people = figures.person_names(v.services.engine, extra)
    members = [(m["person_id"], m["name"], bool(m["chair"])) for m in committee]
    members += [(p, people.get(p, p), False) for p in sorted(extra)]
    scored = {s["bid_id"] for s in scores}
    shown = sorted((b for b in bids or [] if b["bid_id"] in scored),
                   key=lambda b: (b.get("rank") or 10_000, b["submitted_at"]))
    bid_list = [(b["bid_id"], names.get(b["bidder_id"], b["bidder_id"])) for b in shown]
    return score_table(scores, lot.get("factors") or [], bid_list, members)


def lot_view(v: Visitor, lot_id: str) -> HTMLResponse:
    actor = v.require()
    queries = v.services.queries
    lot = queries.lot(actor, lot_id)  # 404 / 403 by the visibility policy
    with v.services.store.read() as session:
        events = session.lot_events(lot_id)
    state = fold(lot_id, events)
    procedure = v.services.platform.procedure(state.procedure)
    now = v.services.platform.clock.now()
    plan = progress(state, events, procedure, now)
    bids = _maybe(queries.bids, actor, lot_id)
    names = _names(v, lot, bids)
    # Ranked bids in rank order, the rest (not yet evaluated, rejected) by price.
    opened_bids = sorted((b for b in bids or [] if b["status"] in ("opened", "rejected")),
                         key=lambda b: (b.get("rank") or 10_000, b.get("price_fen") or 0, b["bid_id"]))
    committee = _maybe(queries.committee, actor, lot_id)
    deposits = _maybe(queries.deposits, actor, lot_id)
    parties = queries.lot_parties(lot_id)
    show_registrations = actor.role in (Role.STAFF, Role.SUPERVISOR) or (
        parties.opened and actor.party_id in (parties.tenderer_id, parties.agency_id))
    registrations = figures.registrations(v.services.engine, lot_id, lot["round"]) if show_registrations else None
    log = None
    if may_read_log(actor, parties):
        _, log = queries.log(actor, {"lot_id": lot_id}, 200, 0)
    table = _score_table(v, actor, lot, bids, names)
    own_bids = [b for b in bids or [] if actor.role is Role.BIDDER and b["bidder_id"] == actor.party_id]
    price_chart = {
        "bidders": [names.get(b["bidder_id"], b["bidder_id"]) for b in opened_bids],
        "prices": [round((b["price_fen"] or 0) / 1_000_000, 2) for b in opened_bids],
        "estimate": round((lot["estimated_price_fen"] or 0) / 1_000_000, 2),
        "label_price": f'{v.t("lot.price")} ({v.t("common.unit_wan")})', "label_estimate": v.t("lot.estimate"),
    }
    score_chart = None
    if table is not None and table.means:
        score_chart = {"bidders": [name for _, name in table.bids],
                       "scores": [round(table.means.get(bid_id, 0) / 100, 2) for bid_id, _ in table.bids],
                       "label": v.t("lot.mean")}
    return render(v, "lot.html", lot=lot, state=state, procedure=procedure, plan=plan, now=now, names=names,
                  bids=bids, opened_bids=opened_bids, own_bids=own_bids, committee=committee, deposits=deposits,
                  registrations=registrations, show_registrations=show_registrations, log=log, table=table,
                  price_chart=price_chart, score_chart=score_chart,
                  ledger=ledger_status(v.services, lot_id), certificate=log is not None)


@router.get("/lots/{lot_id}")
def lot_page(lot_id: str, v: Page) -> HTMLResponse:
    return lot_view(v, lot_id)


@router.get("/lots/{lot_id}/certificate")
def lot_certificate(lot_id: str, v: Page, format: str = "pdf") -> Response:
    """The witness certificate for a signed-in page visitor: the API's own issuing code, with the session's actor."""
    actor = v.require()
    chosen = CERTIFICATE_FORMATS.get(format)
    if chosen is None:
        raise invalid("format", "证书格式应为 pdf、html 或 json", "The certificate format is pdf, html or json")
    return certificates.certificate(lot_id, Caller(v.services, actor, v.ip), chosen)
