"""Signing in and out on the pages, and the start page of each role.

The login form checks its input before anything else (each message next to its field),
then its CSRF token, then asks `services.auth.login` — which checks the Argon2 hash and
records the sign-in as a witnessed event with the visitor's IP — and keeps the issued token
in the session cookie. A wrong password changes nothing and says so without telling which
of the two was wrong.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from jianzheng.domain.errors import Refusal
from jianzheng.web.pages.nav import home
from jianzheng.web.pages.render import PageRoute, apply_cookies, redirect, render
from jianzheng.web.pages.session import CSRF_COOKIE, SESSION_COOKIE, Cookie, Page, Visitor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_USERNAME = 64
MAX_PASSWORD = 256


def safe_next(target: str | None) -> str | None:
    """Only a path on this site may follow the login (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if target.startswith(("/login", "/logout")):
        return None
    return target


@router.get("/")
def start(v: Page) -> RedirectResponse:
    return redirect(v, home(v.role) if v.signed_in else "/public")


def login_form(v: Visitor, status: int = 200, username: str = "", errors: dict[str, str] | None = None,
               next_path: str | None = None, notice: str | None = None) -> HTMLResponse:
    return render(v, "login.html", status=status, username=username, errors=errors or {}, next_path=next_path or "",
                  notice=notice)


@router.get("/login")
def login_page(v: Page, next: str | None = None, out: str | None = None, expired: str | None = None) -> Response:
    target = safe_next(next)
    if v.signed_in:
        return redirect(v, target or home(v.role))
    notice = "login.signed_out" if out else "login.expired" if v.session_expired or expired else None
    return login_form(v, next_path=target, notice=notice)


@router.post("/login")
def login_submit(v: Page, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                 csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
                 ) -> Response:
    t = v.t
    errors: dict[str, str] = {}
    name = username.strip()
    if not name:
        errors["username"] = t("login.username_required")
    elif len(name) > MAX_USERNAME:
        errors["username"] = t("login.too_long")
    if not password:
        errors["password"] = t("login.password_required")
    elif len(password) > MAX_PASSWORD:
        errors["password"] = t("login.too_long")
    target = safe_next(next)
    if errors:
        return login_form(v, 422, name, errors, target)
    try:
        v.check_csrf(csrf_token)
    except Refusal:
        return login_form(v, 403, name, {"form": t("csrf.failed")}, target)
    try:
        token, actor = v.services.auth.login(name, password, v.ip)
    except Refusal as refusal:
        if refusal.code != "auth.failed":
            raise
        return login_form(v, 401, name, {"form": t("login.failed")}, target)
    response = redirect(None, target or home(actor.role))
    v.cookies.append(Cookie(SESSION_COOKIE, token, v.services.settings.token_days * 24 * 3600))
    v.cookies.append(Cookie(CSRF_COOKIE, None))
    apply_cookies(v, response)
    return response


@router.post("/logout")
def logout(v: Page, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    v.check_csrf(csrf_token)
    v.cookies.append(Cookie(SESSION_COOKIE, None))
    return redirect(v, "/login?out=1")
