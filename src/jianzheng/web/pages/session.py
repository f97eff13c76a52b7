"""Who is looking at a page: the session cookie, the language, and the CSRF token of the forms.

Signing in on the login form goes through `services.auth.login` (password check, a
witnessed `user.signed_in` event) and the bearer token it issues is kept in an httponly,
SameSite=Lax cookie; every page resolves that token with `services.auth.actor_for_token`,
the same way the JSON API resolves its Authorization header. Forms that change something
carry a CSRF token in a hidden field (or the `X-CSRF-Token` header for htmx): for a signed-in
visitor it is derived from the session token, so it changes with every sign-in; before
signing in it is a random value held in its own cookie (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from jianzheng.bootstrap import Services
from jianzheng.domain.errors import Refusal, forbidden
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.web.deps import services as services_of
from jianzheng.web.deps import source_ip
from jianzheng.web.pages.i18n import Translator, choose_language

SESSION_COOKIE = "jz_session"
CSRF_COOKIE = "jz_csrf"
LANG_COOKIE = "lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
YEAR_SECONDS = 365 * 24 * 3600


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in visitor; answered with a redirect to the login form."""


@dataclass
class Cookie:
    """A cookie a page asks the response to set (or delete, when `value` is None)."""

    name: str
    value: str | None
    max_age: int | None = None
    httponly: bool = True


@dataclass
class Visitor:
    """The visitor of one page request: actor, language, CSRF token and the cookies to set."""

    request: Request
    services: Services
    actor: Actor
    signed_in: bool
    lang: str
    csrf: str
    ip: str
    session_expired: bool = False
    cookies: list[Cookie] = field(default_factory=list)

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    @property
    def role(self) -> Role:
        return self.actor.role

    def require(self, *roles: Role) -> Actor:
        """The actor, if signed in with one of `roles` (any role when none is given)."""
        if not self.signed_in:
            raise SignInRequired()
        if roles and self.actor.role not in roles:
            raise forbidden("您的角色无权查看此页面", "Your role may not see this page")
        return self.actor

    def check_csrf(self, submitted: str | None) -> None:
        """Refuse a form whose CSRF token is missing or wrong; nothing is done then."""
        header = self.request.headers.get(CSRF_HEADER)
        given = submitted or header or ""
        if not given or not hmac.compare_digest(given.encode(), self.csrf.encode()):
            raise Refusal("csrf.failed", "页面已过期或来源不明，请刷新后重试",
                          "The form has expired or did not come from this site; reload and try again",
                          field=CSRF_FIELD, status=403)


def session_csrf(token: str) -> str:
    """The CSRF token of a session: a digest of its secret token, which only the server and cookie know."""
    return hashlib.sha256(b"jianzheng-csrf\x00" + token.encode()).hexdigest()[:40]


def visitor(request: Request) -> Visitor:
    """Resolve the session cookie and language for a page (a FastAPI dependency)."""
    services = services_of(request)
    cookies: list[Cookie] = []
    query_lang = request.query_params.get("lang")
    cookie_lang = request.cookies.get(LANG_COOKIE)
    lang = choose_language(query_lang, cookie_lang)
    if query_lang == lang and cookie_lang != lang:
        cookies.append(Cookie(LANG_COOKIE, lang, YEAR_SECONDS))
    actor = Actor.anonymous()
    signed_in = False
    expired = False
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            actor = services.auth.actor_for_token(token)
            signed_in = True
        except Refusal:
            # Expired or revoked: forget the cookie and carry on as the public.
            expired = True
            cookies.append(Cookie(SESSION_COOKIE, None))
    if signed_in and token:
        csrf = session_csrf(token)
    else:
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        if len(csrf) < 20:
            csrf = secrets.token_urlsafe(24)
            cookies.append(Cookie(CSRF_COOKIE, csrf))
    return Visitor(request, services, actor, signed_in, lang, csrf, source_ip(request), expired, cookies)


Page = Annotated[Visitor, Depends(visitor)]
