"""A bidder's own bids and an expert's own evaluations.

A bidder sees every bid its company submitted across lots (sealed ones without price, as
the platform never knows a price before the opening); an expert sees the lots whose
committee it sits on, with how many score sheets it has handed in.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from jianzheng.domain.roles import Role
from jianzheng.web.pages import figures
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.session import Page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/my/bids")
def my_bids(v: Page) -> HTMLResponse:
    actor = v.require(Role.BIDDER)
    rows = figures.bids_of_party(v.services.engine, actor.party_id or "")
    return render(v, "mine/bids.html", rows=rows, party_id=actor.party_id)


@router.get("/my/lots")
def my_lots(v: Page) -> HTMLResponse:
    actor = v.require(Role.EXPERT)
    total, rows = v.services.queries.lots(actor, None, 200, 0)
    scored = figures.scored_lots(v.services.engine, actor.person_id or "")
    projects = figures.project_names(v.services.engine, {r["project_id"] for r in rows})
    return render(v, "mine/lots.html", rows=rows, total=total, scored=scored, projects=projects)
