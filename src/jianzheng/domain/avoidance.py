"""Avoidance (回避): which experts of the pool may not sit on a lot's committee, and why.

Regs 46: a person with an interest in a bidder may not evaluate its bids; Law 37 and the
interim rules on evaluation committees (评标委员会和评标方法暂行规定第十二条) name the
relations. The platform checks what its registry knows, each rule with a stable reason code:

* ``unavailable`` — the expert said they are not available at the evaluation time;
* ``employer`` — employed by a bidder, the tenderer or the agency;
* ``legal_representative`` — the legal representative of one of them;
* ``shareholder`` — holds shares in one of them;
* ``affiliated_employer`` — the expert's employer holds shares in one of them, or one of
  them holds shares in the employer;
* ``frequency`` — already evaluated for the same tenderer or agency ``max_times`` times in
  the last ``days`` days (procedure setting: the same faces on every committee of one
  owner is how evaluation capture starts, seed 001);
* ``watchlist`` — on the supervisors' watch list at the time of the request;
* ``credit`` — an expert sanction in force (暂停或取消评标专家资格, Regs 71);
* ``already_drawn`` — drawn for this lot already (a supplementary draw takes others).

Each exclusion carries the facts it rests on, so it is recorded with the draw and can be
checked by anyone reading the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import PartyFacts
from jianzheng.domain.experts import PoolExpert
from jianzheng.domain.watchlist import WatchEntry

EXPERT_SANCTIONS = frozenset({"expert_suspension", "expert_disqualified"})
ROLE_LABELS = {"bidder": ("投标人", "a bidder"), "tenderer": ("招标人", "the tenderer"),
               "agency": ("招标代理机构", "the agency")}
REASONS: dict[str, tuple[str, str]] = {
    "unavailable": ("专家在评标时间不能参加", "not available at the evaluation time"),
    "employer": ("受雇于本项目的当事人", "employed by a party to this lot"),
    "legal_representative": ("是本项目当事人的法定代表人", "legal representative of a party to this lot"),
    "shareholder": ("持有本项目当事人的股份", "holds shares in a party to this lot"),
    "affiliated_employer": ("所在单位与本项目当事人存在持股关系", "employer linked by shareholding to a party"),
    "frequency": ("近期为同一招标人或代理机构评标次数过多", "evaluated too often for the same tenderer or agency"),
    "watchlist": ("列入重点关注名单", "on the watch list"),
    "credit": ("评标专家资格被暂停或取消", "suspended or disqualified as an expert"),
    "already_drawn": ("已在本标段抽取过", "already drawn for this lot"),
}


@dataclass(frozen=True)
class LotOwners:
    """The parties of a lot an expert must have no tie to."""

    tenderer_id: str
    agency_id: str | None
    bidder_ids: tuple[str, ...]

    def roles(self) -> list[tuple[str, str]]:
        out = [("tenderer", self.tenderer_id)]
        if self.agency_id:
            out.append(("agency", self.agency_id))
        out += [("bidder", b) for b in sorted(set(self.bidder_ids))]
        return out


@dataclass(frozen=True)
class Assignment:
    """An earlier committee seat: for which lot, tenderer and agency, when."""

    lot_id: str
    tenderer_id: str
    agency_id: str | None
    at: datetime


@dataclass(frozen=True)
class PersonSanction:
    record_id: str
    sanction: str
    behaviour: str
    period_from: datetime
    period_to: datetime


@dataclass(frozen=True)
class AvoidanceFacts:
    """Everything the rules consult, gathered by the service from the read tables."""

    parties: Mapping[str, PartyFacts] = field(default_factory=dict)  # the lot's parties and the employers
    history: Mapping[str, tuple[Assignment, ...]] = field(default_factory=dict)
    watch: Mapping[str, tuple[WatchEntry, ...]] = field(default_factory=dict)
    sanctions: Mapping[str, tuple[PersonSanction, ...]] = field(default_factory=dict)
    already_drawn: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Exclusion:
    person_id: str
    reason: str
    facts: dict[str, Any]

    def as_payload(self) -> dict[str, Any]:
        zh, en = REASONS[self.reason]
        return {"person_id": self.person_id, "reason": self.reason, "reason_zh": zh, "reason_en": en,
                "facts": self.facts}


def _ties(expert: PoolExpert, role: str, party_id: str, facts: AvoidanceFacts) -> list[Exclusion]:
    found: list[Exclusion] = []
    party = facts.parties.get(party_id)
    base = {"party_id": party_id, "party_role": role, "party_name": party.name if party else ""}
    if expert.employer_id and expert.employer_id == party_id:
        found.append(Exclusion(expert.person_id, "employer", {**base, "employer_id": expert.employer_id}))
    if party is not None and party.legal_representative_id == expert.person_id:
        found.append(Exclusion(expert.person_id, "legal_representative", base))
    if party is not None and expert.person_id in party.shareholders:
        found.append(Exclusion(expert.person_id, "shareholder",
                               {**base, "share_bp": party.shareholders[expert.person_id]}))
    employer = facts.parties.get(expert.employer_id) if expert.employer_id else None
    if employer is not None and expert.employer_id != party_id:
        if party_id in employer.shareholders:
            found.append(Exclusion(expert.person_id, "affiliated_employer", {
                **base, "employer_id": employer.party_id, "holder": party_id, "held": employer.party_id,
                "share_bp": employer.shareholders[party_id]}))
        elif party is not None and employer.party_id in party.shareholders:
            found.append(Exclusion(expert.person_id, "affiliated_employer", {
                **base, "employer_id": employer.party_id, "holder": employer.party_id, "held": party_id,
                "share_bp": party.shareholders[employer.party_id]}))
    return found


def exclusions_for(expert: PoolExpert, owners: LotOwners, facts: AvoidanceFacts, evaluation_at: datetime,
                   now: datetime, max_times: int, days: int) -> list[Exclusion]:
    """Every reason this expert may not be drawn for the lot (empty: eligible)."""
    person = expert.person_id
    found: list[Exclusion] = []
    if person in facts.already_drawn:
        found.append(Exclusion(person, "already_drawn", {}))
    if not expert.available_at(evaluation_at):
        found.append(Exclusion(person, "unavailable", {
            "reason": expert.unavailable_reason,
            "until": format_instant(expert.unavailable_until) if expert.unavailable_until else None,
            "evaluation_at": format_instant(evaluation_at)}))
    for role, party_id in owners.roles():
        found += _ties(expert, role, party_id, facts)
    since = now - timedelta(days=days)
    recent = [a for a in facts.history.get(person, ()) if since <= a.at <= now and (
        a.tenderer_id == owners.tenderer_id or (owners.agency_id is not None and a.agency_id == owners.agency_id))]
    if max_times > 0 and len(recent) >= max_times:
        found.append(Exclusion(person, "frequency", {
            "count": len(recent), "max_times": max_times, "days": days,
            "lots": sorted({a.lot_id for a in recent}), "tenderer_id": owners.tenderer_id,
            "agency_id": owners.agency_id}))
    for entry in facts.watch.get(person, ()):
        if entry.in_force(now):
            found.append(Exclusion(person, "watchlist", {
                "entry_id": entry.entry_id, "reason": entry.reason, "valid_to": format_instant(entry.valid_to)}))
    for sanction in facts.sanctions.get(person, ()):
        if sanction.sanction in EXPERT_SANCTIONS and sanction.period_from <= now < sanction.period_to:
            found.append(Exclusion(person, "credit", {
                "record_id": sanction.record_id, "sanction": sanction.sanction, "behaviour": sanction.behaviour,
                "period_to": format_instant(sanction.period_to)}))
    return found


def conflicts_of(person_id: str, employer_id: str | None, owners: LotOwners,
                 parties: Mapping[str, PartyFacts]) -> list[Exclusion]:
    """The ties to the lot's parties alone (Regs 46), for a committee formed without a draw."""
    expert = PoolExpert(person_id, "", (), "", "", employer_id)
    facts = AvoidanceFacts(parties=parties)
    found: list[Exclusion] = []
    for role, party_id in owners.roles():
        found += _ties(expert, role, party_id, facts)
    return found
