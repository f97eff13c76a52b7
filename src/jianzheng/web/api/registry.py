"""The registry: companies (单位), people (人员), accounts (账号) and projects with their lots."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from jianzheng.domain import commands as c
from jianzheng.domain import registry as r
from jianzheng.domain.roles import Role
from jianzheng.web.deps import Call, Change
from jianzheng.web.schemas import Changed, Fen, Strict, changed

router = APIRouter(tags=["registry 主体登记"])


class ShareholderIn(Strict):
    name: str = Field(description="股东名称 / shareholder's name")
    holder_id: str = Field(description="股东的人员或单位编号 / person or company id")
    share_bp: int = Field(ge=1, le=10000, description="持股（万分之一）/ share in basis points")


class EnterpriseIn(Strict):
    name: str = Field(description="单位名称 / company name")
    credit_code: str = Field(description="统一社会信用代码（18位）/ unified social credit code")
    kind: Literal["bidder", "tenderer", "agency", "center", "supervisor", "other"] = Field(
        description="单位类型 / kind of company")
    legal_representative_id: str = Field(description="法定代表人人员编号 / legal representative's person id")
    address: str = Field("", description="地址 / address")
    phones: list[str] = Field(default_factory=list, description="电话 / phone numbers")
    email: str = Field("", description="电子邮箱 / e-mail")
    basic_account: str = Field("", description="基本账户账号 / basic bank account")
    basic_bank: str = Field("", description="基本账户开户行 / bank of the basic account")
    shareholders: list[ShareholderIn] = Field(default_factory=list, description="股东 / shareholders")
    qualifications: list[str] = Field(default_factory=list, description="资质 / qualifications")


class PersonIn(Strict):
    name: str = Field(description="姓名 / name")
    id_number: str = Field(description="居民身份证号码（18位）/ resident identity number")
    roles: list[str] = Field(description="人员角色，如 expert、project_manager / roles of the person")
    employer_id: str | None = Field(None, description="所在单位编号 / employer's company id")
    phone: str = Field("", description="手机号 / phone")
    email: str = Field("", description="电子邮箱 / e-mail")
    certificates: list[str] = Field(default_factory=list, description="证书 / certificates")


class UserIn(Strict):
    username: str = Field(description="用户名（3-64位小写字母、数字、_ . -）/ username")
    password: str = Field(description="初始密码（至少8位）/ initial password, 8 characters or more")
    role: Literal["staff", "supervisor", "tenderer", "agency", "bidder", "expert", "public"] = Field(
        description="角色 / role")
    display_name: str = Field(description="显示名称 / display name")
    party_id: str | None = Field(None, description="所属单位编号 / company the account acts for")
    person_id: str | None = Field(None, description="对应人员编号 / person behind the account")


class LotIn(Strict):
    name: str = Field(description="标段名称 / lot name")
    estimated_price_fen: Fen = Field(description="招标控制价（分）/ estimated price in fen")
    category: Literal["works", "goods", "services"] = Field(description="类别：工程、货物、服务 / category")
    procedure: str = Field("construction-open", description="招标程序 / tender procedure")


class ProjectIn(Strict):
    name: str = Field(description="项目名称 / project name")
    tenderer_id: str = Field(description="招标人单位编号 / tenderer's company id")
    agency_id: str | None = Field(None, description="代理机构单位编号 / agency's company id")
    funding_source: str = Field(description="资金来源 / source of funds")
    state_funded: bool = Field(description="是否国有资金 / funded by the state")
    region: str = Field("", description="地区 / region")
    lots: list[LotIn] = Field(description="标段 / lots")


@router.post("/parties", status_code=201, summary="登记单位 / register a company")
def register_party(body: EnterpriseIn, call: Change) -> Changed:
    cmd = r.RegisterEnterprise(
        name=body.name, credit_code=body.credit_code, kind=body.kind,
        legal_representative_id=body.legal_representative_id, address=body.address, phones=tuple(body.phones),
        basic_account=body.basic_account, basic_bank=body.basic_bank, email=body.email,
        shareholders=tuple(r.Shareholder(s.name, s.holder_id, s.share_bp) for s in body.shareholders),
        qualifications=tuple(body.qualifications))
    return changed(call.services.platform.register_enterprise(call.actor, cmd, call.ip))


@router.get("/parties", summary="单位名录 / companies")
def list_parties(call: Call, kind: str | None = None) -> list[dict[str, Any]]:
    return call.services.queries.parties(call.actor, kind)


@router.get("/parties/{party_id}", summary="单位详情 / one company")
def get_party(party_id: str, call: Call) -> dict[str, Any]:
    return call.services.queries.party(call.actor, party_id)


@router.post("/persons", status_code=201, summary="登记人员 / register a person")
def register_person(body: PersonIn, call: Change) -> Changed:
    cmd = r.RegisterPerson(name=body.name, id_number=body.id_number, roles=tuple(body.roles),
                           employer_id=body.employer_id, phone=body.phone, email=body.email,
                           certificates=tuple(body.certificates))
    return changed(call.services.platform.register_person(call.actor, cmd, call.ip))


@router.get("/persons", summary="人员名录（个人信息）/ people (personal data)")
def list_persons(call: Call) -> list[dict[str, Any]]:
    return call.services.queries.persons(call.actor)


@router.get("/persons/{person_id}", summary="人员详情 / one person")
def get_person(person_id: str, call: Call) -> dict[str, Any]:
    return call.services.queries.person(call.actor, person_id)


@router.post("/users", status_code=201, summary="开设账号 / create an account")
def create_user(body: UserIn, call: Change) -> Changed:
    return changed(call.services.platform.create_user(
        call.actor, body.username, body.password, Role(body.role), body.display_name, body.party_id, body.person_id,
        call.ip))


@router.get("/users", summary="账号列表 / accounts")
def list_users(call: Call) -> list[dict[str, Any]]:
    return call.services.queries.users(call.actor)


@router.post("/projects", status_code=201, summary="项目登记 / register a project and its lots")
def register_project(body: ProjectIn, call: Change) -> Changed:
    lots = tuple(c.RegisterLot("", lot.name, lot.estimated_price_fen, lot.category, lot.procedure, body.tenderer_id,
                               body.agency_id, body.state_funded) for lot in body.lots)
    cmd = r.RegisterProject(name=body.name, tenderer_id=body.tenderer_id, agency_id=body.agency_id,
                            funding_source=body.funding_source, state_funded=body.state_funded, region=body.region,
                            lots=lots)
    return changed(call.services.platform.register_project(call.actor, cmd, call.ip))
