"""Request dependencies: the services, the acting user (bearer token) and the source IP.

No token means the public (社会公众); an invalid or expired token is a 401. The source IP
is the peer address; X-Forwarded-For is honoured only from a reverse proxy on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jianzheng.bootstrap import Services
from jianzheng.domain.errors import Refusal
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor

TRUSTED_PROXIES = frozenset({"127.0.0.1", "::1"})
bearer = HTTPBearer(auto_error=False, description="登录令牌 / token from POST /api/v1/auth/login")

SIGN_IN_REQUIRED = Refusal("auth.required", "请先登录后再执行此操作", "Sign in first to do this", status=401)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def source_ip(request: Request) -> str:
    peer = request.client.host if request.client else "0.0.0.0"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in TRUSTED_PROXIES:
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return peer


def actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
          ) -> Actor:
    if credentials is None:
        if request.headers.get("authorization"):
            raise Refusal("auth.invalid_token", "登录令牌格式应为 Bearer <令牌>",
                          "The Authorization header must be 'Bearer <token>'", status=401)
        return Actor.anonymous()
    return services(request).auth.actor_for_token(credentials.credentials)


@dataclass(frozen=True)
class Caller:
    """Who is calling, from where, with the services to call."""

    services: Services
    actor: Actor
    ip: str


def caller(request: Request, who: Annotated[Actor, Depends(actor)]) -> Caller:
    return Caller(services(request), who, source_ip(request))


def signed_in(call: Annotated[Caller, Depends(caller)]) -> Caller:
    """For changes: the public without a token is asked to sign in (401) before any policy check."""
    if call.actor.user_id == "public" and call.actor.role is Role.PUBLIC:
        raise SIGN_IN_REQUIRED
    return call


Call = Annotated[Caller, Depends(caller)]
Change = Annotated[Caller, Depends(signed_in)]
