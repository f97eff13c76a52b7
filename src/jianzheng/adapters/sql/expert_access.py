"""What the expert draw and the evaluation read from the database, mixed into both session kinds.

The pool (persons with an expert profile), who an expert works for, the experts' earlier
committee seats (from the ``lot.committee_formed`` events themselves, so a seat's time is
the ledger's), and the credit records that suspend or disqualify an expert.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.domain.avoidance import Assignment, PersonSanction
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.experts import PersonFacts, PoolExpert
from jianzheng.domain.subjects import PERSON


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class ExpertAccess:
    """Mixed into `SqlReadSession` and `SqlWriteSession`; needs only `self.conn`."""

    conn: sa.Connection

    def person_facts(self, person_id: str) -> PersonFacts | None:
        row = self.conn.execute(sa.select(t.persons).where(t.persons.c.person_id == person_id)).mappings().first()
        if row is None:
            return None
        return PersonFacts(row["person_id"], row["name"], tuple(row["roles"] or ()), row["employer_id"])

    def expert_pool(self) -> list[PoolExpert]:
        """Every expert with a profile, in person-id order."""
        p, x = t.persons.c, t.expert_profiles.c
        rows = self.conn.execute(
            sa.select(p.person_id, p.name, x.specialties, x.level, x.region, x.employer_id, x.available,
                      x.unavailable_until, x.unavailable_reason)
            .join(t.expert_profiles, x.person_id == p.person_id).order_by(p.person_id)).mappings()
        return [PoolExpert(r["person_id"], r["name"], tuple(r["specialties"] or ()), r["level"], r["region"],
                           r["employer_id"], bool(r["available"]),
                           parse_instant(r["unavailable_until"]) if r["unavailable_until"] else None,
                           r["unavailable_reason"] or "") for r in rows]

    def employers(self, person_ids: Iterable[str]) -> dict[str, str | None]:
        """Each person's employer: the expert profile's when there is one, else the registry's."""
        ids = sorted(set(person_ids))
        found: dict[str, str | None] = {i: None for i in ids}
        for chunk in _chunks(ids):
            for r in self.conn.execute(sa.select(t.persons.c.person_id, t.persons.c.employer_id)
                                       .where(t.persons.c.person_id.in_(chunk))):
                found[r[0]] = r[1]
            for r in self.conn.execute(sa.select(t.expert_profiles.c.person_id, t.expert_profiles.c.employer_id)
                                       .where(t.expert_profiles.c.person_id.in_(chunk))):
                if r[1]:
                    found[r[0]] = r[1]
        return found

    def committee_history(self, since: datetime) -> dict[str, tuple[Assignment, ...]]:
        """Committee seats since `since`, per person, from the `lot.committee_formed` events."""
        e, lots = t.events.c, t.lots.c
        rows = self.conn.execute(
            sa.select(e.entry, e.lot_id, lots.tenderer_id, lots.agency_id)
            .join(t.lots, lots.lot_id == e.lot_id)
            .where(e.type == "lot.committee_formed", e.time >= format_instant(since)).order_by(e.seq))
        found: dict[str, list[Assignment]] = {}
        for r in rows:
            entry = json.loads(r.entry)
            at = parse_instant(entry["time"])
            for member in entry["payload"]["members"]:
                found.setdefault(member["person_id"], []).append(
                    Assignment(r.lot_id, r.tenderer_id, r.agency_id, at))
        return {k: tuple(v) for k, v in found.items()}

    def person_sanctions(self, person_ids: Iterable[str]) -> dict[str, tuple[PersonSanction, ...]]:
        """Unrevoked credit records about these persons (any sanction; the rules pick the expert ones)."""
        ids = sorted(set(person_ids))
        c = t.credit_records.c
        found: dict[str, list[PersonSanction]] = {}
        for chunk in _chunks(ids):
            rows = self.conn.execute(sa.select(t.credit_records).where(
                c.subject_kind == PERSON, c.subject_id.in_(chunk), c.revoked_at.is_(None)).order_by(c.seq)).mappings()
            for r in rows:
                found.setdefault(r["subject_id"], []).append(PersonSanction(
                    r["record_id"], r["sanction"], r["behaviour"], parse_instant(r["period_from"]),
                    parse_instant(r["period_to"])))
        return {k: tuple(v) for k, v in found.items()}
