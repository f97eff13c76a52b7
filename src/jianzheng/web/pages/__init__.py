"""The server-rendered pages: Jinja2 templates, htmx for interaction, ECharts for charts.

`page_router()` gathers the page routers; the application factory includes it beside the
JSON API. Every asset the pages use is served from `web/static` by the application itself.
"""

from __future__ import annotations

from fastapi import APIRouter

from jianzheng.web.pages import alerts, auth_pages, certificates, cockpit, credit, hall, lots, mine, oplog, public


def page_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (auth_pages, cockpit, hall, lots, oplog, public, mine, alerts, certificates, credit):
        router.include_router(module.router)
    return router
