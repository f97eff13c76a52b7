"""The application factory: the JSON API under /api/v1 and its documentation at /api/docs.

`create_app(services)` builds the app around already-built services; nothing connects to a
database at import. The Swagger UI is served from the vendored copy under
`static/vendor/swagger-ui` (swagger-ui-dist, Apache-2.0): no CDN, no network.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from jianzheng.bootstrap import Services
from jianzheng.web.api import (
    alerts,
    auth,
    award,
    bids,
    certificates,
    credit,
    disputes,
    documents,
    evaluation,
    events,
    experts,
    hall,
    ledger,
    lots,
    notices,
    registry,
    watchlist,
)
from jianzheng.web.errors import install_error_handlers
from jianzheng.web.pages import page_router

API = "/api/v1"
STATIC = Path(__file__).with_name("static")
SWAGGER = "/static/vendor/swagger-ui"

DESCRIPTION = """见证（jianzheng）公共资源交易平台 API：从项目登记到合同签订，每一步都是账本上的见证事件。

The jianzheng API: every change is a witnessed event on the ledger and answers with those
events (seq, type, time). Money is integer fen, scores integer centipoints, instants ISO 8601.
Sign in with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`; without a
token you act as the public. Errors share one shape:
`{"error": {"code", "message_zh", "message_en", "article", "field", "details"}}`.
"""


def api_router() -> APIRouter:
    router = APIRouter(prefix=API)
    for module in (auth, registry, documents, lots, bids, evaluation, award, disputes, notices, events):
        router.include_router(module.router)
    for desk_module in (alerts, watchlist, credit):  # the supervision desk
        router.include_router(desk_module.router)
    router.include_router(hall.router)  # sealed bids and the opening hall
    router.include_router(ledger.router)  # the witness ledger: checkpoints, leaves, proofs, keys
    router.include_router(certificates.router)  # witness certificates: issue, verify offline (public)
    router.include_router(experts.router)  # the expert pool and the verifiable draw (issue 7)
    return router


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="见证 jianzheng", version="1", description=DESCRIPTION,
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None)
    app.state.services = services
    install_error_handlers(app)
    app.include_router(api_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API}/openapi.json", title="见证 jianzheng API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js", swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url="data:,", swagger_ui_parameters={"validatorUrl": None})

    # The server-rendered pages (Jinja2 + htmx + ECharts), beside the API; assets under /static.
    app.include_router(page_router())
    return app
