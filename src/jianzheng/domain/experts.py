"""The expert pool (专家库): each evaluation expert's profile and availability, as person events.

An expert is a registered person with the role ``expert``. The profile says what the draw
needs: the specialty codes (专业, from the national classification of evaluation experts'
specialties: a letter for works, goods or services and two digits per level, e.g.
``A0101``), the level of the professional title, the region (administrative division code,
GB/T 2260, e.g. ``530100`` for Kunming) and the employer. Availability (an expert on leave
or abroad says so) is a separate event, so the history of both stays on the ledger:
``person.expert_profile_set`` and ``person.expert_availability_set`` on ``person:<id>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.context import Context
from jianzheng.domain.errors import invalid
from jianzheng.domain.events import EventDraft, WitnessedEvent, person_stream

SPECIALTY = re.compile(r"^[A-Z](?:[0-9]{2}){1,4}$")
REGION = re.compile(r"^[1-9][0-9]{5}$")
LEVELS: dict[str, tuple[str, str]] = {
    "senior": ("正高级职称", "senior professional title"),
    "associate": ("副高级职称", "associate senior professional title"),
    "intermediate": ("中级职称并从业满八年", "intermediate title with eight years of practice"),
}
MAX_SPECIALTIES = 10


@dataclass(frozen=True)
class SetExpertProfile:
    person_id: str
    specialties: tuple[str, ...]
    level: str
    region: str
    employer_id: str | None = None


@dataclass(frozen=True)
class SetExpertAvailability:
    person_id: str
    available: bool
    reason: str = ""
    until: datetime | None = None  # unavailable until (exclusive); None: until said otherwise


@dataclass(frozen=True)
class PersonFacts:
    """A registered person as the registry knows them (for the profile decision)."""

    person_id: str
    name: str
    roles: tuple[str, ...]
    employer_id: str | None = None


@dataclass
class ExpertProfile:
    """An expert's profile folded from the person stream."""

    person_id: str
    specialties: tuple[str, ...] = ()
    level: str = ""
    region: str = ""
    employer_id: str | None = None
    available: bool = True
    unavailable_reason: str = ""
    unavailable_until: datetime | None = None
    exists: bool = False

    def available_at(self, at: datetime) -> bool:
        if self.available:
            return True
        return self.unavailable_until is not None and at >= self.unavailable_until

    def covers(self, specialty: str) -> bool:
        """Whether the expert serves a required specialty: the code or one of its sub-specialties."""
        return any(code.startswith(specialty) for code in self.specialties)


def fold_profile(person_id: str, events: Iterable[WitnessedEvent]) -> ExpertProfile:
    profile = ExpertProfile(person_id)
    for e in events:
        apply_profile_event(profile, e.type, e.payload)
    return profile


def apply_profile_event(profile: ExpertProfile, kind: str, p: dict[str, object]) -> None:
    if kind == "person.expert_profile_set":
        profile.exists = True
        profile.specialties = tuple(str(s) for s in p["specialties"])  # type: ignore[attr-defined]
        profile.level = str(p["level"])
        profile.region = str(p["region"])
        profile.employer_id = str(p["employer_id"]) if p.get("employer_id") else None
    elif kind == "person.expert_availability_set":
        profile.available = bool(p["available"])
        profile.unavailable_reason = str(p.get("reason") or "")
        until = p.get("until")
        profile.unavailable_until = parse_instant(str(until)) if until else None


def _text(value: str, field_name: str, what_zh: str, what_en: str) -> str:
    text = value.strip()
    if not text:
        raise invalid(field_name, f"{what_zh}不能为空", f"The {what_en} must not be empty")
    return text


def _expert(person: PersonFacts | None, person_id: str) -> PersonFacts:
    if person is None:
        raise invalid("person_id", f"未找到人员：{person_id}", f"No person with id {person_id!r}")
    if "expert" not in person.roles:
        raise invalid("person_id", f"{person.name}（{person_id}）不是评标专家",
                      f"{person.name} ({person_id}) is not an expert")
    return person


def set_profile(cmd: SetExpertProfile, ctx: Context, person: PersonFacts | None,
                employer_known: bool) -> list[EventDraft]:
    """The `person.expert_profile_set` event, or a refusal naming the bad field."""
    found = _expert(person, cmd.person_id)
    specialties = sorted({s.strip().upper() for s in cmd.specialties if s.strip()})
    if not specialties:
        raise invalid("specialties", "至少填写一个评标专业代码", "Give at least one specialty code")
    if len(specialties) > MAX_SPECIALTIES:
        raise invalid("specialties", f"评标专业最多 {MAX_SPECIALTIES} 个", f"At most {MAX_SPECIALTIES} specialties")
    bad = [s for s in specialties if not SPECIALTY.match(s)]
    if bad:
        raise invalid("specialties", f"评标专业代码应为一个大写字母加 2/4/6/8 位数字（如 A0101）：{'、'.join(bad)}",
                      f"A specialty code is a capital letter and 2, 4, 6 or 8 digits (e.g. A0101): {', '.join(bad)}")
    if cmd.level not in LEVELS:
        raise invalid("level", f"专家级别应为：{'、'.join(LEVELS)}", f"level must be one of {', '.join(LEVELS)}")
    region = cmd.region.strip()
    if not REGION.match(region):
        raise invalid("region", "地区应为6位行政区划代码（GB/T 2260），如 530100",
                      "The region is a 6-digit administrative division code (GB/T 2260), e.g. 530100")
    employer = (cmd.employer_id or "").strip() or found.employer_id
    if cmd.employer_id and cmd.employer_id.strip() and not employer_known:
        raise invalid("employer_id", f"未找到单位：{cmd.employer_id}", f"No company with id {cmd.employer_id!r}")
    return [EventDraft("person.expert_profile_set", person_stream(cmd.person_id), {
        "person_id": cmd.person_id, "specialties": specialties, "level": cmd.level, "region": region,
        "employer_id": employer})]


def set_availability(cmd: SetExpertAvailability, ctx: Context, person: PersonFacts | None,
                     profile: ExpertProfile) -> list[EventDraft]:
    _expert(person, cmd.person_id)
    if not profile.exists:
        raise invalid("person_id", "请先登记专家的评标专业等信息", "Set the expert's profile first")
    reason = "" if cmd.available else _text(cmd.reason, "reason", "暂停原因", "reason for being unavailable")
    if cmd.until is not None and cmd.until <= ctx.now:
        raise invalid("until", "暂停截止时间应在将来", "The end of the unavailability must be in the future")
    return [EventDraft("person.expert_availability_set", person_stream(cmd.person_id), {
        "person_id": cmd.person_id, "available": cmd.available, "reason": reason,
        "until": format_instant(cmd.until) if (cmd.until and not cmd.available) else None})]


@dataclass(frozen=True)
class PoolExpert:
    """An expert of the pool with everything the draw and the avoidance rules look at."""

    person_id: str
    name: str
    specialties: tuple[str, ...]
    level: str
    region: str
    employer_id: str | None
    available: bool = True
    unavailable_until: datetime | None = None
    unavailable_reason: str = ""

    def available_at(self, at: datetime) -> bool:
        return self.available or (self.unavailable_until is not None and at >= self.unavailable_until)

    def covers(self, specialty: str) -> bool:
        return any(code.startswith(specialty) for code in self.specialties)
