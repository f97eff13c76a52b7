"""The opening hall page (开标大厅, 不见面开标): countdown, bidders live, results, and the hall's buttons.

Anyone may watch the hall of an announced lot (the hall's state is public, Order 20 Art. 29);
the page follows the same visibility policy as the one-screen view, so a lot not yet
announced is a 404 to the public. The bidders table and the results update live from the
API's own stream (`/api/v1/lots/{lot_id}/hall/stream`, no sign-in needed), which the browser
follows with `EventSource`; the countdown runs on the server's clock, sent with the page.

Signed in, the page also acts through the session cookie (CSRF-checked forms): center staff
or the lot's tenderer or agency start the hall at the deadline and open once the key-release
window has closed (`services.sealed.start_hall` / `.open`); a bidder with a bid on the lot
signs in (`services.sealed.sign_in`). A refused action is shown next to its button and writes
nothing. The key release itself happens in the bidder tool on the bidder's own machine: the
content key never passes through a web page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Response
from fastapi.responses import HTMLResponse

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import Refusal
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.web.pages import figures
from jianzheng.web.pages.render import PageRoute, redirect, render
from jianzheng.web.pages.session import Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ACTIONS = ("start", "sign_in", "open")


def may_run_hall(v: Visitor, lot_id: str) -> bool:
    """Center staff, or the lot's own tenderer or agency (the policy of StartHall and OpenBids)."""
    if not v.signed_in:
        return False
    if v.role is Role.STAFF:
        return True
    if v.role in (Role.TENDERER, Role.AGENCY):
        parties = v.services.queries.lot_parties(lot_id)
        return v.actor.party_id is not None and v.actor.party_id in (parties.tenderer_id, parties.agency_id)
    return False


def hall_view(v: Visitor, lot_id: str, status: int = 200, errors: dict[str, str] | None = None) -> HTMLResponse:
    actor = v.actor if v.signed_in else Actor.anonymous()
    lot = v.services.queries.lot(actor, lot_id)  # 404 / 403 by the visibility policy
    state = v.services.sealed.hall(lot_id)
    now = v.services.platform.clock.now()
    own = next((b for b in state["bidders"] if v.role is Role.BIDDER and b["bidder_id"] == v.actor.party_id), None)
    results = state["results"] or []
    names = figures.party_names(v.services.engine, {r["bidder_id"] for r in results})
    return render(v, "hall.html", status=status, lot=lot, hall=state, now=format_instant(now), own=own,
                  runner=may_run_hall(v, lot_id), results=results, names=names, errors=errors or {},
                  stream=f"/api/v1/lots/{lot_id}/hall/stream",
                  stage_labels={s.value: v.t.label("stage", s.value) for s in Stage})


@router.get("/lots/{lot_id}/hall")
def hall_page(lot_id: str, v: Page) -> HTMLResponse:
    return hall_view(v, lot_id)


def _act(v: Visitor, lot_id: str, action: str, csrf_token: str, call: Callable[[], Any]) -> Response:
    """Run one hall action; a refusal is shown next to its button and nothing is written."""
    v.require()
    try:
        v.check_csrf(csrf_token)
        call()
    except Refusal as refusal:
        if refusal.status == 404:
            raise
        message = v.t.both(refusal.message_zh, refusal.message_en)
        status = refusal.status if 400 <= refusal.status < 500 else 400
        return hall_view(v, lot_id, status, {action: message})
    return redirect(v, f"/lots/{lot_id}/hall?done={action}")


@router.post("/lots/{lot_id}/hall/start")
def hall_start(lot_id: str, v: Page, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(v, lot_id, "start", csrf_token, lambda: v.services.sealed.start_hall(v.actor, lot_id, v.ip))


@router.post("/lots/{lot_id}/hall/sign-in")
def hall_sign_in(lot_id: str, v: Page, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(v, lot_id, "sign_in", csrf_token, lambda: v.services.sealed.sign_in(v.actor, lot_id, v.ip))


@router.post("/lots/{lot_id}/hall/open")
def hall_open(lot_id: str, v: Page, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(v, lot_id, "open", csrf_token, lambda: v.services.sealed.open(v.actor, lot_id, v.ip))
