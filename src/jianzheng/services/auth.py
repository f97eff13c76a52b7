"""Signing in: passwords checked against Argon2 hashes, bearer tokens resolved to actors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.errors import Refusal
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Platform
from jianzheng.services.ports import Store

BAD_LOGIN = Refusal("auth.failed", "用户名或密码错误", "Wrong username or password", status=401)


def actor_from_row(row: dict[str, Any]) -> Actor:
    return Actor(user_id=row["user_id"], username=row["username"], role=Role(row["role"]),
                 display_name=row["display_name"] or row["username"], party_id=row["party_id"],
                 person_id=row["person_id"])


class Auth:
    def __init__(self, store: Store, platform: Platform, check_password: Callable[[str, str], bool],
                 new_token: Callable[[], str], token_digest: Callable[[str], str], token_days: int = 7) -> None:
        self.store = store
        self.token_days = token_days
        self.platform = platform
        self.check_password = check_password
        self.new_token = new_token
        self.token_digest = token_digest

    def login(self, username: str, password: str, source_ip: str = "127.0.0.1") -> tuple[str, Actor]:
        """Check the password and issue a bearer token; the sign-in is a witnessed event."""
        with self.store.read() as session:
            found = session.user_secret(username.strip().lower())
        if found is None:
            raise BAD_LOGIN
        row, password_hash = found
        if row["disabled"] or not self.check_password(password_hash, password):
            raise BAD_LOGIN
        actor = actor_from_row(row)
        token = self.new_token()
        self.platform.issue_token(actor, self.token_digest(token), days=self.token_days, source_ip=source_ip)
        return token, actor

    def actor_for_token(self, token: str) -> Actor:
        with self.store.read() as session:
            row = session.token_user(self.token_digest(token), format_instant(self.platform.clock.now()))
        if row is None:
            raise Refusal("auth.invalid_token", "登录已失效，请重新登录",
                          "The token is invalid or expired; sign in again", status=401)
        return actor_from_row(row)
