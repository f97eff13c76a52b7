"""Shared plumbing of the CLI: global options, opening the services, bilingual errors.

Heavy modules (SQLAlchemy, pydantic, the services) are imported inside the functions so
that `jianzheng --help` stays fast. Every command reports a refusal or bad input as a
Chinese + English message on stderr and exits with status 2; nothing is written then.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from jianzheng.bootstrap import Services, Settings
    from jianzheng.services.actor import Actor

EXIT_BAD_INPUT = 2


@dataclass
class CliState:
    """The global options, kept on the click context for the subcommands."""

    data_dir: Path
    database_url: str | None


class CliError(Exception):
    """Bad input or a refused operation, with its message in both languages."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


def fail(message_zh: str, message_en: str) -> NoReturn:
    """Stop the command with a bilingual error (exit status 2)."""
    raise CliError(message_zh, message_en)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@contextmanager
def reported() -> Iterator[None]:
    """Turn refusals and CLI errors into a clear message and exit status 2, never a traceback."""
    from jianzheng.domain.errors import Refusal

    try:
        yield
    except CliError as error:
        _print_error(error.message_zh, error.message_en)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except Refusal as refusal:
        extra = f"（{refusal.field}）" if refusal.field else ""
        _print_error(refusal.message_zh + extra, refusal.message_en
                     + (f" ({refusal.field})" if refusal.field else ""))
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _print_error(message_zh: str, message_en: str) -> None:
    sys.stderr.write(f"错误：{message_zh}\nError: {message_en}\n")


def state_of(ctx: typer.Context) -> CliState:
    """The global options; commands invoked without the callback get the defaults."""
    root = ctx.find_root()
    obj = root.obj
    if isinstance(obj, CliState):
        return obj
    return CliState(Path("jianzheng-data"), None)


def settings_for(state: CliState) -> Settings:
    from jianzheng.bootstrap import Settings

    # Keyword unpacking: the other fields come from JIANZHENG_* variables or their defaults,
    # which mypy cannot see without the pydantic plugin.
    chosen: dict[str, Any] = {"data_dir": state.data_dir, "database_url": state.database_url}
    return Settings(**chosen)


def is_initialised(state: CliState) -> bool:
    """Whether the database holds the schema, checked without creating anything."""
    if not state.database_url:
        if not (state.data_dir / "jianzheng.db").is_file():
            return False
        url = settings_for(state).url()
    else:
        url = state.database_url
    import sqlalchemy as sa

    from jianzheng.adapters.sql.database import make_engine

    try:
        engine = make_engine(url)
        try:
            return sa.inspect(engine).has_table("users")
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as error:
        fail(f"无法连接数据库：{error.__class__.__name__}", f"Cannot connect to the database: {error}")


def open_services(state: CliState) -> Services:
    """The services of an initialised data directory; refuses when `init` has not run."""
    if not is_initialised(state):
        fail(f"数据目录尚未初始化：{state.data_dir}，请先运行 jianzheng init",
             f"The data directory {state.data_dir} is not initialised; run `jianzheng init` first")
    from jianzheng.bootstrap import bootstrap

    return bootstrap(settings_for(state), create=False)


def local_staff() -> Actor:
    """The actor the CLI reads as: the operator at the machine, with staff visibility."""
    from jianzheng.domain.roles import Role
    from jianzheng.services.actor import Actor

    return Actor("system", "system", Role.STAFF, "命令行 / command line")


def system_actor() -> Actor:
    """The actor the CLI writes as: the platform itself (recorded as `system`)."""
    from jianzheng.services.actor import Actor

    return Actor.system()


def print_json(data: Any) -> None:
    """Machine-readable output: UTF-8 JSON, Chinese kept as is."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def new_password() -> str:
    """A random password for an account whose password was not given."""
    import secrets

    return secrets.token_urlsafe(12)


def check_format(value: str) -> str:
    if value not in ("table", "json"):
        fail(f"输出格式应为 table 或 json，而不是 {value}", f"--format must be table or json, not {value!r}")
    return value
