"""Plumbing shared by the supervision desk's commands (`alerts`, `watchlist`, `credit`).

Changes on the desk are a supervisor's acts and are witnessed in that supervisor's name:
the command names the account with ``--as``, which must be an enabled supervisor account.
Reads use the local staff view like the other commands.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from jianzheng.cli.common import fail

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services
    from jianzheng.services.actor import Actor

AS_HELP = "以此监督人员账号（用户名）的名义操作 / act as this supervisor account (username)"


def acting_supervisor(services: Services, username: str) -> Actor:
    """The enabled supervisor account named by ``--as``."""
    from jianzheng.domain.roles import Role
    from jianzheng.services.auth import actor_from_row

    name = username.strip().lower()
    with services.store.read() as session:
        rows = session.rows("users", {"username": name})
    if not rows:
        fail(f"未找到账号：{username}", f"No account named {username!r}")
    row = rows[0]
    if row["disabled"]:
        fail(f"账号已停用：{row['username']}", f"The account {row['username']!r} is disabled")
    if row["role"] != Role.SUPERVISOR.value:
        fail(f"--as 须为行政监督人员账号，{row['username']} 的角色是 {row['role']}",
             f"--as must name a supervisor account; {row['username']!r} is {row['role']}")
    return actor_from_row(row)


def instant(value: str, option: str) -> datetime:
    """An ISO 8601 date or time; without an offset it is Beijing time (a date means its 00:00)."""
    from jianzheng.domain.calendar import parse_instant

    try:
        return parse_instant(value.strip())
    except ValueError:
        fail(f"{option} 的时间格式应为 ISO 8601，例如 2027-03-01 或 2027-03-01T09:00（北京时间）：{value}",
             f"{option} must be an ISO 8601 time such as 2027-03-01 or 2027-03-01T09:00 (Shanghai): {value!r}")
