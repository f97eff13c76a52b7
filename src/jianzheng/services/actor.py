"""The actor of a command: the signed-in user, their role and the party they act for."""

from __future__ import annotations

from dataclasses import dataclass

from jianzheng.domain.roles import Role


@dataclass(frozen=True)
class Actor:
    user_id: str
    username: str
    role: Role
    display_name: str = ""
    party_id: str | None = None  # the enterprise a tenderer, agency or bidder user acts for
    person_id: str | None = None  # the person behind an expert or staff account

    @classmethod
    def system(cls) -> Actor:
        return cls("system", "system", Role.SYSTEM, "系统 / System")

    @classmethod
    def anonymous(cls) -> Actor:
        return cls("public", "public", Role.PUBLIC, "社会公众 / Public")
