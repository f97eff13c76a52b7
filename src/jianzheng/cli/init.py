"""`jianzheng init`: create the data directory, the schema, the ledger keys and the first administrator.

The ledger's checkpoint signing keys (Ed25519 and SM2) are generated into
``<data dir>/keys/`` (owner-only) and their public verifier keys are printed.

The administrator is a staff (交易中心工作人员) account. Its password is printed once when
it is generated; an existing staff account is never overwritten.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jianzheng.cli.common import fail, new_password, reported, settings_for, state_of, system_actor


def init(
    ctx: typer.Context,
    username: Annotated[str, typer.Option(help="管理员用户名 / administrator's username")] = "admin",
    password: Annotated[str | None, typer.Option(
        help="管理员密码（至少8位）；省略时随机生成并只显示一次 / password (8+ characters); generated and "
             "shown once when omitted")] = None,
    display_name: Annotated[str, typer.Option(
        help="显示名称 / display name")] = "交易中心管理员 / Administrator",
) -> None:
    """初始化数据目录和首个管理员账号 / Create the data directory, schema and first admin account."""
    state = state_of(ctx)
    with reported():
        _init(state, username, password, display_name)


def _init(state: object, username: str, password: str | None, display_name: str) -> None:
    from jianzheng.cli.common import CliState

    assert isinstance(state, CliState)
    if state.data_dir.exists() and not state.data_dir.is_dir():
        fail(f"数据目录不是文件夹：{state.data_dir}", f"The data directory is not a directory: {state.data_dir}")
    if password is not None and len(password) < 8:
        fail("密码至少8位", "The password needs at least 8 characters")
    from jianzheng.cli.common import is_initialised

    if is_initialised(state):
        from jianzheng.bootstrap import bootstrap
        from jianzheng.domain.roles import Role

        services = bootstrap(settings_for(state), create=False)
        try:
            with services.store.read() as session:
                admins = session.rows("users", {"role": Role.STAFF.value})
        finally:
            services.engine.dispose()
        if admins:
            fail(f"已初始化：已有管理员账号 {admins[0]['username']}，不会覆盖",
                 f"Already initialised: the admin account {admins[0]['username']!r} exists and is not "
                 "overwritten")
    from jianzheng.bootstrap import bootstrap
    from jianzheng.domain.roles import Role

    services = bootstrap(settings_for(state), create=True)
    try:
        chosen = password or new_password()
        services.platform.create_user(system_actor(), username, chosen, Role.STAFF, display_name)
    finally:
        services.engine.dispose()
    typer.echo(f"已初始化 / initialised: {state.data_dir.resolve()}")
    from jianzheng.adapters.keyring import platform_key_paths

    typer.echo("账本签名公钥（可公开，交给见证方）/ ledger verifier keys (public; give them to witnesses):")
    for paths in platform_key_paths(state.data_dir).values():
        typer.echo(f"  {paths.verifier.read_text(encoding='utf-8').strip()}   ({paths.verifier})")
    typer.echo(f"管理员 / administrator: {username.strip().lower()}")
    if password is None:
        typer.echo(f"密码（只显示这一次）/ password (shown only once): {chosen}")
