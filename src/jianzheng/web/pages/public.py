"""The public portal (公共服务): notices and results anyone may read, without signing in.

Announcements, clarifications, opening records, candidates, awards, contracts, failures and
cancellations are the `notices` read table, newest first, filterable by kind; the public
view of a lot shows only what the visibility policy gives the public (announced lots, bids
after the opening without digests or IPs). Credit records join this portal when the
credit service publishes them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from jianzheng.domain.calendar import format_instant
from jianzheng.services.actor import Actor
from jianzheng.web.pages import figures
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.session import Page

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20


def _bidders_in(rows: list[dict[str, Any]]) -> set[str]:
    """Every company id a notice body names (opening lists, candidates, award, contract)."""
    ids: set[str] = set()
    for row in rows:
        body = row.get("body") or {}
        for key in ("bids", "candidates"):
            ids |= {str(item["bidder_id"]) for item in body.get(key) or [] if item.get("bidder_id")}
        if body.get("bidder_id"):
            ids.add(str(body["bidder_id"]))
    return ids


@router.get("/public")
def portal(v: Page, kind: str | None = None, page: str | None = None) -> HTMLResponse:
    errors: dict[str, str] = {}
    chosen = kind or None
    if chosen and chosen not in figures.NOTICE_KINDS:
        errors["kind"] = v.t("public.kind_unknown")
        chosen = None
    number = int(page) if page and page.isdigit() and 0 < int(page) < 100_000 else 1
    engine = v.services.engine
    total, rows = figures.notices(engine, chosen, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    names = figures.party_names(engine, _bidders_in(rows))
    now = format_instant(v.services.platform.clock.now())
    context: dict[str, Any] = dict(rows=rows, total=total, page=number, pages=max(1, -(-total // PAGE_SIZE)),
                                   kind=chosen or "", kinds=figures.NOTICE_KINDS, names=names, errors=errors)
    if v.request.headers.get("hx-request") == "true" and v.request.headers.get("hx-target") == "notices":
        return render(v, "public/_notices.html", **context)
    return render(v, "public/index.html", status=422 if errors else 200, open_lots=figures.open_lots(engine, now),
                  **context)


@router.get("/public/lots/{lot_id}")
def public_lot(lot_id: str, v: Page) -> HTMLResponse:
    public = Actor.anonymous()
    queries = v.services.queries
    lot = queries.lot(public, lot_id)  # only announced lots; 404 for unknown ones
    bids = queries.bids(public, lot_id) if lot["opened_at"] else []
    engine = v.services.engine
    _, notices = figures.notices(engine, None, 100, 0, lot_id=lot_id)
    names = figures.party_names(engine, _bidders_in(notices) | {b["bidder_id"] for b in bids}
                                | {i for i in (lot["tenderer_id"], lot.get("agency_id")) if i})
    return render(v, "public/lot.html", lot=lot, bids=bids, notices=notices, names=names)
