"""Public credit records (信用记录公开): who was sanctioned, for what, on which basis, for how long.

No sign-in: the page reads `services.desk.credit_records` as the visitor, so the public sees
published, unrevoked records only (without who in the administration typed them in), while
signed-in staff and supervisors see every record, unpublished and revoked ones marked.
Filters: words in the name or behaviour, the sanction, and records in force now; a bad
filter is named next to its field and not applied.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from jianzheng.domain import credit as cr
from jianzheng.services.actor import Actor
from jianzheng.web.pages.render import PageRoute, render
from jianzheng.web.pages.session import Page

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 20


@router.get("/portal/credit")
def credit_records(v: Page, text: str = "", sanction: str = "", in_force: str = "",
                   page: str = "") -> HTMLResponse:
    actor = v.actor if v.signed_in else Actor.anonymous()
    errors: dict[str, str] = {}
    words = text.strip()
    if len(words) > 100:
        errors["text"] = v.t("login.too_long")
        words = ""
    chosen = sanction.strip() or None
    if chosen and chosen not in cr.SANCTIONS:
        errors["sanction"] = v.t("credit.bad_sanction")
        chosen = None
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    total, rows = v.services.desk.credit_records(actor, None, chosen, in_force == "1", None, words or None,
                                                 True, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    sanctions: list[dict[str, Any]] = [{"code": s.code, "label": v.t.both(s.label_zh, s.label_en)}
                                       for s in cr.SANCTIONS.values()]
    return render(v, "public/credit.html", status=422 if errors else 200, rows=rows, total=total, page=number,
                  pages=max(1, -(-total // PAGE_SIZE)), errors=errors, text=text, sanction=sanction or "",
                  in_force=in_force == "1", sanctions=sanctions)
