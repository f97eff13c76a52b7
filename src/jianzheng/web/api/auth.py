"""Signing in: a username and password give a bearer token; the sign-in is witnessed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from jianzheng.services.actor import Actor
from jianzheng.web.deps import Call
from jianzheng.web.schemas import Strict

router = APIRouter(prefix="/auth", tags=["auth 登录"])


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64, description="用户名 / username")
    password: str = Field(min_length=1, max_length=256, description="密码 / password")


def actor_out(actor: Actor) -> dict[str, Any]:
    return {"user_id": actor.user_id, "username": actor.username, "role": actor.role.value,
            "role_zh": actor.role.label_zh, "display_name": actor.display_name, "party_id": actor.party_id,
            "person_id": actor.person_id}


@router.post("/login", summary="登录 / sign in")
def login(body: LoginIn, call: Call) -> dict[str, Any]:
    token, who = call.services.auth.login(body.username, body.password, call.ip)
    return {"token": token, "token_type": "bearer", "user": actor_out(who)}


@router.get("/me", summary="当前用户 / who am I")
def me(call: Call) -> dict[str, Any]:
    return actor_out(call.actor)
