"""`jianzheng user`: create, list, disable, enable accounts and set passwords.

Every change is a witnessed event recorded as the local `system` actor; password hashes go
to the credentials table, never to the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from jianzheng.cli.common import (
    check_format,
    console,
    fail,
    new_password,
    open_services,
    print_json,
    reported,
    state_of,
    system_actor,
)

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services
    from jianzheng.domain.roles import Role

app = typer.Typer(help="账号管理 / user accounts", no_args_is_help=True)


def _role(value: str) -> Role:
    from jianzheng.domain.roles import Role

    try:
        role = Role(value.strip().lower())
    except ValueError:
        fail(f"未知角色：{value}；可选：{', '.join(r.value for r in Role if r is not Role.SYSTEM)}",
             f"Unknown role {value!r}; choose one of {', '.join(r.value for r in Role if r is not Role.SYSTEM)}")
    if role is Role.SYSTEM:
        fail("不能创建系统账号", "The system account cannot be created")
    return role


def _user(services: Services, username: str) -> dict[str, Any]:
    with services.store.read() as session:
        rows = session.rows("users", {"username": username.strip().lower()})
    if not rows:
        fail(f"未找到账号：{username}", f"No account named {username!r}")
    return rows[0]


@app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="用户名（3-64位小写字母、数字、_ . -）/ username")],
    role: Annotated[str, typer.Option(
        help="角色：staff supervisor tenderer agency bidder expert public / role")],
    display_name: Annotated[str | None, typer.Option(help="显示名称 / display name")] = None,
    password: Annotated[str | None, typer.Option(
        help="密码；省略时随机生成并只显示一次 / password; generated and shown once when omitted")] = None,
    party: Annotated[str | None, typer.Option(
        help="所属单位编号（招标人、代理机构、投标人必填）/ company id (tenderer, agency, bidder)")] = None,
    person: Annotated[str | None, typer.Option(
        help="对应人员编号（专家必填）/ person id (required for experts)")] = None,
) -> None:
    """创建账号 / Create an account."""
    with reported():
        chosen_role = _role(role)
        services = open_services(state_of(ctx))
        chosen = password if password is not None else new_password()
        events = services.platform.create_user(system_actor(), username, chosen, chosen_role,
                                               display_name or username, party_id=party, person_id=person)
        created = events[0].payload
        typer.echo(f"已创建账号 / account created: {created['username']} ({created['role']}, "
                   f"{created['user_id']})")
        if password is None:
            typer.echo(f"密码（只显示这一次）/ password (shown only once): {chosen}")


@app.command("list")
def list_users(
    ctx: typer.Context,
    role: Annotated[str | None, typer.Option(help="只列出此角色 / only this role")] = None,
    output: Annotated[str, typer.Option("--format", help="table 或 json / table or json")] = "table",
) -> None:
    """列出账号 / List accounts."""
    with reported():
        check_format(output)
        wanted = _role(role).value if role else None
        services = open_services(state_of(ctx))
        with services.store.read() as session:
            rows = session.rows("users", {"role": wanted} if wanted else None, order_by="username")
        if output == "json":
            print_json(rows)
            return
        from rich.table import Table

        from jianzheng.domain.roles import Role

        table = Table(title=f"账号 / accounts（{len(rows)}）")
        for column in ("用户名 username", "角色 role", "名称 name", "单位 party", "人员 person", "状态 status"):
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(r["username"], f"{Role(r['role']).label_zh} {r['role']}", r["display_name"] or "",
                          r["party_id"] or "", r["person_id"] or "",
                          "停用 disabled" if r["disabled"] else "启用 active")
        console().print(table)


def _set_disabled(ctx: typer.Context, username: str, disabled: bool) -> None:
    from jianzheng.domain.events import EventDraft, user_stream

    services = open_services(state_of(ctx))
    row = _user(services, username)
    if bool(row["disabled"]) == disabled:
        fail(f"账号 {row['username']} 已经是{'停用' if disabled else '启用'}状态",
             f"The account {row['username']!r} is already {'disabled' if disabled else 'active'}")
    kind = "user.disabled" if disabled else "user.enabled"
    services.platform.execute(system_actor(), "127.0.0.1", lambda session, context: [
        EventDraft(kind, user_stream(row["user_id"]), {"user_id": row["user_id"], "username": row["username"]})])
    typer.echo(f"账号已{'停用' if disabled else '启用'} / account {'disabled' if disabled else 'enabled'}: "
               f"{row['username']}")


@app.command("disable")
def disable(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="用户名 / username")],
) -> None:
    """停用账号（其登录令牌随即失效）/ Disable an account; its sign-in tokens stop working."""
    with reported():
        _set_disabled(ctx, username, True)


@app.command("enable")
def enable(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="用户名 / username")],
) -> None:
    """重新启用账号 / Enable a disabled account again."""
    with reported():
        _set_disabled(ctx, username, False)


@app.command("password")
def password(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    new: Annotated[str | None, typer.Option(
        "--password", help="新密码；省略时随机生成并只显示一次 / new password; generated when omitted")] = None,
) -> None:
    """重设账号密码 / Set a new password for an account."""
    with reported():
        from jianzheng.domain.events import EventDraft, user_stream

        if new is not None and len(new) < 8:
            fail("密码至少8位", "The password needs at least 8 characters")
        services = open_services(state_of(ctx))
        row = _user(services, username)
        chosen = new if new is not None else new_password()
        assert services.platform.hash_password is not None
        password_hash = services.platform.hash_password(chosen)
        user_id = row["user_id"]
        services.platform.execute(
            system_actor(), "127.0.0.1",
            # The event records that the password changed, never the password or its hash.
            lambda session, context: [EventDraft("user.password_changed", user_stream(user_id),
                                                 {"user_id": user_id, "username": row["username"]})],
            lambda session, events: session.set_password_hash(user_id, password_hash))
        typer.echo(f"密码已更新 / password changed: {row['username']}")
        if new is None:
            typer.echo(f"新密码（只显示这一次）/ new password (shown only once): {chosen}")
