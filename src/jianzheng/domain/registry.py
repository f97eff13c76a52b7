"""Registration of enterprises, people, projects and lots: validated, then one event each.

These are not lot lifecycle steps but they are witnessed like everything else: the party
registry is what the Regs 34 check and the relationship analysis read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jianzheng.domain.commands import RegisterLot
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.common import require_text
from jianzheng.domain.errors import invalid
from jianzheng.domain.events import EventDraft, lot_stream, party_stream, person_stream, project_stream
from jianzheng.domain.identifiers import validate_resident_id, validate_uscc
from jianzheng.domain.money import check_fen

PARTY_KINDS = ("bidder", "tenderer", "agency", "center", "supervisor", "other")
PERSON_ROLES = ("staff", "supervisor", "tenderer_staff", "agency_staff", "expert", "legal_representative",
                "project_manager", "key_staff", "bidder_staff", "shareholder")
CATEGORIES = ("works", "goods", "services")


@dataclass(frozen=True)
class Shareholder:
    name: str
    holder_id: str  # a person or party id
    share_bp: int  # basis points, 10000 = 100%


@dataclass(frozen=True)
class RegisterEnterprise:
    name: str
    credit_code: str
    kind: str
    legal_representative_id: str
    address: str
    phones: tuple[str, ...] = ()
    basic_account: str = ""
    basic_bank: str = ""
    shareholders: tuple[Shareholder, ...] = ()
    qualifications: tuple[str, ...] = ()
    email: str = ""


@dataclass(frozen=True)
class RegisterPerson:
    name: str
    id_number: str
    roles: tuple[str, ...]
    employer_id: str | None = None
    phone: str = ""
    email: str = ""
    certificates: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RegisterProject:
    name: str
    tenderer_id: str
    agency_id: str | None
    funding_source: str
    state_funded: bool
    region: str = ""
    lots: Sequence[RegisterLot] = ()


def register_enterprise(cmd: RegisterEnterprise, ctx: Context) -> list[EventDraft]:
    name = require_text(cmd.name, "name", "单位名称", "company name")
    code = validate_uscc(cmd.credit_code)
    if cmd.kind not in PARTY_KINDS:
        raise invalid("kind", f"单位类型应为：{'、'.join(PARTY_KINDS)}", f"kind must be one of {PARTY_KINDS}")
    total = sum(s.share_bp for s in cmd.shareholders)
    if any(s.share_bp <= 0 for s in cmd.shareholders) or total > 10000:
        raise invalid("shareholders", "股东持股比例应大于0且合计不超过100%",
                      "Shares must be positive and add up to at most 100%")
    party_id = ctx.new_id("P")
    return [EventDraft("party.registered", party_stream(party_id), {
        "party_id": party_id, "name": name, "credit_code": code, "kind": cmd.kind,
        "legal_representative_id": cmd.legal_representative_id, "address": cmd.address.strip(),
        "phones": list(cmd.phones), "email": cmd.email, "basic_account": cmd.basic_account.strip(),
        "basic_bank": cmd.basic_bank.strip(),
        "shareholders": [{"name": s.name, "holder_id": s.holder_id, "share_bp": s.share_bp} for s in cmd.shareholders],
        "qualifications": list(cmd.qualifications),
    })]


def register_person(cmd: RegisterPerson, ctx: Context) -> list[EventDraft]:
    name = require_text(cmd.name, "name", "姓名", "name")
    number = validate_resident_id(cmd.id_number)
    unknown = [r for r in cmd.roles if r not in PERSON_ROLES]
    if unknown:
        raise invalid("roles", f"未知的人员角色：{', '.join(unknown)}", f"Unknown person roles: {', '.join(unknown)}")
    person_id = ctx.new_id("H")
    return [EventDraft("person.registered", person_stream(person_id), {
        "person_id": person_id, "name": name, "id_number": number, "roles": list(cmd.roles),
        "employer_id": cmd.employer_id, "phone": cmd.phone, "email": cmd.email,
        "certificates": list(cmd.certificates),
    })]


def register_project(cmd: RegisterProject, ctx: Context) -> list[EventDraft]:
    name = require_text(cmd.name, "name", "项目名称", "project name")
    funding = require_text(cmd.funding_source, "funding_source", "资金来源", "funding source")
    if not cmd.lots:
        raise invalid("lots", "项目至少包含一个标段", "A project has at least one lot")
    project_id = ctx.new_id("PRJ")
    events = [EventDraft("project.registered", project_stream(project_id), {
        "project_id": project_id, "name": name, "tenderer_id": cmd.tenderer_id, "agency_id": cmd.agency_id,
        "funding_source": funding, "state_funded": cmd.state_funded, "region": cmd.region,
    })]
    for index, lot in enumerate(cmd.lots, start=1):
        lot_name = require_text(lot.name, f"lots[{index - 1}].name", "标段名称", "lot name")
        if lot.category not in CATEGORIES:
            raise invalid(f"lots[{index - 1}].category", f"标段类别应为：{'、'.join(CATEGORIES)}",
                          f"category must be one of {CATEGORIES}")
        check_fen(lot.estimated_price_fen, f"lots[{index - 1}].estimated_price_fen", allow_zero=False)
        lot_id = f"{project_id}-{index:02d}"
        events.append(EventDraft("lot.registered", lot_stream(lot_id), {
            "lot_id": lot_id, "project_id": project_id, "name": lot_name, "index": index,
            "estimated_price_fen": lot.estimated_price_fen, "category": lot.category,
            "procedure": lot.procedure, "tenderer_id": cmd.tenderer_id, "agency_id": cmd.agency_id,
            "state_funded": cmd.state_funded,
        }))
    return events
