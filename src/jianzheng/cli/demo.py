"""`jianzheng demo`: a fresh demonstration platform with one account per role, then serve it.

The demo registers a tenderer, an agency, a bidder and their legal representatives and an
expert, creates an account for every role with a printed password, optionally registers
`--lots` lots on a demonstration project, and serves the web application. The simulated
year of tenders (`jianzheng.simulate`) will drive such lots through their whole life;
`--seed` fixes the identifiers so two demos with the same seed look alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jianzheng.cli.common import CliState, fail, new_password, reported, settings_for, state_of

if TYPE_CHECKING:
    from jianzheng.bootstrap import Services

MARKER = ".jianzheng-demo"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def demo(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Option(
        "--dir", help="演示数据目录（默认 <数据目录>/demo）/ demo data directory (default <data dir>/demo)")] = None,
    seed: Annotated[int, typer.Option(help="随机种子：编号可复现 / seed for reproducible identifiers")] = 2026,
    lots: Annotated[int, typer.Option(
        help="在演示项目中登记的标段数 / lots to register on the demo project")] = 0,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="创建后启动网站 / serve the web application afterwards")] = True,
    reset: Annotated[bool, typer.Option(
        "--reset", help="删除并重建已有的演示目录 / delete and rebuild an existing demo directory")] = False,
) -> None:
    """创建演示平台（每个角色一个账号）并启动网站 / Build a demo platform and serve it."""
    state = state_of(ctx)
    with reported():
        if not 0 <= lots <= 1000:
            fail("--lots 应在 0 至 1000 之间", "--lots must be between 0 and 1000")
        target = directory or (state.data_dir / "demo")
        demo_state = CliState(target, None)
        if (target / MARKER).is_file():
            if reset:
                shutil.rmtree(target)
            else:
                typer.echo(f"演示数据已存在，直接使用 / reusing the existing demo: {target.resolve()}")
                typer.echo("密码在创建时已显示；用 --reset 重建 / passwords were shown at creation; "
                           "--reset rebuilds it")
                if serve:
                    _serve(demo_state)
                return
        elif target.exists() and any(target.iterdir()):
            fail(f"目录非空且不是演示目录，不会改动：{target}",
                 f"The directory is not empty and not a demo directory; it is left alone: {target}")
        services = _build(demo_state, seed, lots)
        services.engine.dispose()
        if serve:
            _serve(demo_state)


def _serve(state: CliState) -> None:
    from jianzheng.cli.common import open_services
    from jianzheng.cli.serve import run_server

    run_server(open_services(state), DEFAULT_HOST, DEFAULT_PORT)


def _build(state: CliState, seed: int, lots: int) -> Services:
    from jianzheng.bootstrap import bootstrap
    from jianzheng.domain import commands as c
    from jianzheng.domain import registry as r
    from jianzheng.domain.identifiers import id_check_character, uscc_check_character
    from jianzheng.domain.roles import Role
    from jianzheng.services.ids import SeededIds

    services = bootstrap(settings_for(state), ids=SeededIds(seed))
    (state.data_dir / MARKER).write_text(f"seed={seed}\n", encoding="utf-8")
    platform = services.platform
    passwords: dict[str, tuple[Role, str]] = {}

    def account(username: str, role: Role, name: str, party: str | None = None,
                person: str | None = None) -> None:
        password = new_password()
        platform.create_user(system, username, password, role, name, party_id=party, person_id=person)
        passwords[username] = (role, password)

    from jianzheng.services.actor import Actor

    system = Actor.system()
    account("staff", Role.STAFF, "交易中心 演示员")
    staff = services.auth.login("staff", passwords["staff"][1])[1]

    def person(n: int, name: str, roles: tuple[str, ...], employer: str | None = None) -> str:
        first = f"5301021985{(n % 12) + 1:02d}15{n:03d}"[:17]
        events = platform.register_person(staff, r.RegisterPerson(
            name=name, id_number=first + id_check_character(first), roles=roles, employer_id=employer,
            phone=f"1390871{n:04d}"))
        return str(events[0].payload["person_id"])

    def company(n: int, name: str, kind: str) -> str:
        rep = person(n, f"{name}法定代表人", ("legal_representative",))
        first = f"91530100MA{seed % 1000:03d}{n:04d}"
        events = platform.register_enterprise(staff, r.RegisterEnterprise(
            name=name, credit_code=first + uscc_check_character(first), kind=kind,
            legal_representative_id=rep, address=f"云南省昆明市演示路{n}号", phones=(f"0871-6{n:06d}",),
            basic_account=f"5300{seed % 10000:04d}{n:08d}", basic_bank="中国建设银行昆明分行"))
        return str(events[0].payload["party_id"])

    tenderer = company(1, "昆明市演示建设投资有限公司", "tenderer")
    agency = company(2, "云南演示招标代理有限公司", "agency")
    bidder = company(3, "演示建筑工程有限公司", "bidder")
    expert = person(4, "演示专家", ("expert",))
    account("supervisor", Role.SUPERVISOR, "行政监督 演示员")
    account("tenderer", Role.TENDERER, "招标人 演示员", party=tenderer)
    account("agency", Role.AGENCY, "代理机构 演示员", party=agency)
    account("bidder", Role.BIDDER, "投标人 演示员", party=bidder)
    account("expert", Role.EXPERT, "评标专家 演示员", person=expert)
    account("public", Role.PUBLIC, "社会公众 演示员")
    if lots:
        platform.register_project(staff, r.RegisterProject(
            name="演示道路改造工程", tenderer_id=tenderer, agency_id=agency, funding_source="财政资金",
            state_funded=True, region="昆明市",
            lots=tuple(c.RegisterLot("", f"第{i}标段", 100_000_000 * i, "works", "construction-open", tenderer,
                                     agency, True) for i in range(1, lots + 1))))
    typer.echo(f"演示平台已创建 / demo platform created: {state.data_dir.resolve()}")
    typer.echo("账号（密码只显示这一次）/ accounts (passwords are shown only once):")
    for username, (role, password) in passwords.items():
        typer.echo(f"  {role.label_zh:<10} {role.value:<11} {username:<11} {password}")
    if lots:
        typer.echo(f"已登记 {lots} 个标段（项目登记阶段）；模拟一年招标的模拟器尚未接入 / "
                   f"{lots} lots registered (stage registered); the simulated year is not built yet")
    return services
