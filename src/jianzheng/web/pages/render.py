"""Rendering pages: the Jinja2 environment, its filters, and HTML answers for refusals.

Templates live in `web/templates`, autoescaped, with undefined names as errors so a typo
fails a test instead of printing nothing. `render` adds what every page needs (the
translator, navigation, CSRF token) and the security headers: pages load scripts only from
this application (no CDN, no inline script), and pages of signed-in visitors are not cached.

`PageRoute` is the route class of every page router: a refusal raised while building a page
becomes an HTML page in the visitor's language (403, 404, ...) instead of the API's JSON, and
a page that needs a signed-in visitor redirects to the login form (303) — or answers 401 to
htmx and event-stream requests, which cannot follow a redirect to a form.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from jianzheng.domain.calendar import SHANGHAI, parse_instant
from jianzheng.domain.errors import Refusal
from jianzheng.web.errors import validation_refusal
from jianzheng.web.pages.nav import navigation
from jianzheng.web.pages.session import CSRF_FIELD, SESSION_COOKIE, SignInRequired, Visitor, visitor

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                                "base-uri 'self'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators: 123456789 -> ¥1,234,567.89 (exact)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def wan(fen: int | None) -> str:
    """Integer fen in 万元 (10,000 yuan), two decimals: the unit Chinese tender notices use."""
    if fen is None:
        return "—"
    value = (Decimal(int(fen)) / Decimal(1_000_000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,}"


def points(centipoints: int | None) -> str:
    """Scores are stored in hundredths of a point: 3500 -> 35.00."""
    if centipoints is None:
        return "—"
    return f"{Decimal(int(centipoints)) / 100:.2f}"


def ranking_score(value: int | None) -> str:
    """A ranking's mean score is kept in ten-thousandths of a point: 350000 -> 35.00."""
    if value is None:
        return "—"
    return f"{(Decimal(int(value)) / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def _instant(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return parse_instant(str(value))


def local(value: str | datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant (UTC ISO string or aware datetime) in Beijing time, as the statutes count it."""
    instant = _instant(value)
    return instant.astimezone(SHANGHAI).strftime(fmt) if instant else "—"


def local_date(value: str | datetime | None) -> str:
    return local(value, "%Y-%m-%d")


def local_seconds(value: str | datetime | None) -> str:
    return local(value, "%Y-%m-%d %H:%M:%S")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, wan=wan, points=points, ranking_score=ranking_score, local=local,
                       local_date=local_date, local_seconds=local_seconds)
    env.globals.update(csrf_field=CSRF_FIELD, urlencode=urlencode)
    return env


ENV = _environment()


def apply_cookies(v: Visitor, response: Response) -> None:
    """Set or delete the cookies the visitor's request asked for (language, CSRF, expired session)."""
    for cookie in v.cookies:
        if cookie.value is None:
            response.delete_cookie(cookie.name, path="/", httponly=True, samesite="lax")
        else:
            response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, path="/", httponly=cookie.httponly,
                                samesite="lax", secure=v.request.url.scheme == "https")


def with_query(request: Request, **changes: Any) -> str:
    """The current path with some query parameters changed (None removes one): for pagination links."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render_text(v: Visitor, template: str, **context: Any) -> str:
    """Render a template (or a fragment) to a string with the page globals."""
    t = v.t
    return ENV.get_template(template).render(
        v=v, t=t, lang=v.lang, nav=navigation(v.role) if v.signed_in else navigation(v.actor.role),
        path=v.request.url.path, with_query=lambda **changes: with_query(v.request, **changes),
        csrf=v.csrf, **context)


def render(v: Visitor, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page for the visitor, with its cookies and the security headers."""
    response = HTMLResponse(render_text(v, template, **context), status_code=status)
    finish(v, response)
    return response


def finish(v: Visitor, response: Response) -> None:
    """Headers and cookies every page answer carries."""
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = "zh-CN" if v.lang == "zh" else "en"
    response.headers["Vary"] = "Cookie"
    if v.signed_in:
        response.headers["Cache-Control"] = "no-store"
    apply_cookies(v, response)


def redirect(v: Visitor | None, location: str) -> RedirectResponse:
    """A 303 See Other (the answer to a form post and to a page that needs signing in)."""
    response = RedirectResponse(location, status_code=303)
    if v is not None:
        apply_cookies(v, response)
    return response


def wants_fragment(request: Request) -> bool:
    """htmx and event-stream requests cannot follow a redirect to a form; they get a status code."""
    return (request.headers.get("hx-request") == "true"
            or "text/event-stream" in request.headers.get("accept", ""))


def error_page(request: Request, refusal: Refusal) -> Response:
    """A refusal as an HTML page in the visitor's language, with its code and article."""
    v = visitor(request)
    status = refusal.status if 400 <= refusal.status < 600 else 400
    if status == 401:
        return sign_in_answer(request, v)
    response = render(v, "error.html", status=status, refusal=refusal)
    return response


def sign_in_answer(request: Request, v: Visitor) -> Response:
    if wants_fragment(request):
        response: Response = HTMLResponse(v.t("login.expired"), status_code=401)
        response.headers["HX-Redirect"] = "/login"
        apply_cookies(v, response)
        return response
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # A session that just expired is said so on the login form, not silently forgotten.
    expired = "&expired=1" if v.session_expired else ""
    answer = redirect(v, f"/login?next={quote(target, safe='')}{expired}")
    if request.cookies.get(SESSION_COOKIE):
        answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer


class PageRoute(APIRoute):
    """A route that answers refusals with HTML pages and unsigned visitors with the login form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired:
                return await run_in_threadpool(lambda: sign_in_answer(request, visitor(request)))
            except Refusal as refusal:
                return await run_in_threadpool(error_page, request, refusal)
            except RequestValidationError as error:
                return await run_in_threadpool(error_page, request, validation_refusal(list(error.errors())))

        return handler
