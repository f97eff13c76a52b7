"""What the supervision desk reads from the database, mixed into both session kinds.

Alert pages filtered through the alert links, the registry facts a watch-list entry or a
credit record is checked against, the watch-list entries in force for a set of subjects,
and the credit sanctions bid registration consults. Everything here only reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql import event_store
from jianzheng.adapters.sql import tables as t
from jianzheng.domain.alerts import Assignee
from jianzheng.domain.calendar import format_instant, parse_instant
from jianzheng.domain.credit import CreditSanction
from jianzheng.domain.events import WitnessedEvent
from jianzheng.domain.subjects import PARTY, PERSON, SubjectFacts
from jianzheng.domain.watchlist import WatchEntry

SEVERITY_RANK = {"high": 4, "medium": 3, "low": 2, "info": 1}
ALERT_ORDERS = ("-raised", "raised", "-severity", "-updated")


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape \\)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


class DeskAccess:
    """Mixed into `SqlReadSession` and `SqlWriteSession`; needs only `self.conn`."""

    conn: sa.Connection

    def stream_events(self, stream: str) -> list[WitnessedEvent]:
        return event_store.load_stream(self.conn, stream)

    def existing_alerts(self, alert_ids: Iterable[str]) -> set[str]:
        ids = sorted(set(alert_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # bounded IN lists: a batch may bring thousands
            chunk = ids[start:start + 500]
            found |= {r[0] for r in self.conn.execute(
                sa.select(t.alerts.c.alert_id).where(t.alerts.c.alert_id.in_(chunk)))}
        return found

    def subject_facts(self, kind: str, subject_id: str) -> SubjectFacts | None:
        """A party or person from the registry, or None."""
        if kind == PARTY:
            row = self.conn.execute(sa.select(t.parties).where(t.parties.c.party_id == subject_id)).mappings().first()
            if row is None:
                return None
            return SubjectFacts(PARTY, row["party_id"], row["name"], party_kind=row["kind"],
                                credit_code=row["credit_code"])
        if kind == PERSON:
            row = self.conn.execute(sa.select(t.persons).where(t.persons.c.person_id == subject_id)).mappings().first()
            if row is None:
                return None
            return SubjectFacts(PERSON, row["person_id"], row["name"], person_roles=tuple(row["roles"] or ()))
        return None

    def account(self, user: str) -> Assignee | None:
        """An account by user id or username."""
        row = self.conn.execute(sa.select(t.users).where(
            sa.or_(t.users.c.user_id == user, t.users.c.username == user.strip().lower()))).mappings().first()
        if row is None:
            return None
        return Assignee(row["user_id"], row["display_name"] or row["username"], row["role"], bool(row["disabled"]))

    def watch_overlaps(self, kind: str, subject_id: str, valid_from: datetime, valid_to: datetime) -> list[str]:
        """Entries not removed for the same subject and kind whose period meets [valid_from, valid_to)."""
        w = t.watchlist.c
        rows = self.conn.execute(sa.select(w.entry_id).where(
            w.kind == kind, w.subject_id == subject_id, w.removed_at.is_(None),
            w.valid_from < format_instant(valid_to), w.valid_to > format_instant(valid_from)))
        return [r[0] for r in rows]

    def watch_entries(self, subject_ids: Iterable[str], at: datetime) -> list[WatchEntry]:
        """Entries in force at `at` for any of the subjects."""
        ids = sorted(set(subject_ids))
        if not ids:
            return []
        w = t.watchlist.c
        instant = format_instant(at)
        rows = self.conn.execute(sa.select(t.watchlist).where(
            w.subject_id.in_(ids), w.removed_at.is_(None), w.valid_from <= instant, w.valid_to > instant,
        ).order_by(w.seq)).mappings()
        return [WatchEntry(r["entry_id"], r["kind"], r["subject_id"], r["subject_name"] or "", r["reason"],
                           parse_instant(r["valid_from"]), parse_instant(r["valid_to"]), r["seq"]) for r in rows]

    def credit_sanctions(self, party_ids: Iterable[str]) -> dict[str, tuple[CreditSanction, ...]]:
        """Unrevoked records that bar bidding, per party (any period: the decision checks the time)."""
        ids = sorted(set(party_ids))
        if not ids:
            return {}
        c = t.credit_records.c
        rows = self.conn.execute(sa.select(t.credit_records).where(
            c.subject_kind == PARTY, c.subject_id.in_(ids), c.bars_bidding.is_(True), c.revoked_at.is_(None),
        ).order_by(c.seq)).mappings()
        found: dict[str, list[CreditSanction]] = {}
        for r in rows:
            found.setdefault(r["subject_id"], []).append(CreditSanction(
                r["record_id"], r["sanction"], r["behaviour"], r["basis"], r["authority"],
                parse_instant(r["period_from"]), parse_instant(r["period_to"])))
        return {k: tuple(v) for k, v in found.items()}

    def alert_page(self, filters: dict[str, Any], order: str = "-raised", limit: int = 50,
                   offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Alerts matching the filters, with the total count.

        Filters: status, severity, indicator, source (a value or a list), assignee_id
        (``""`` for unassigned), lot_id, party_id, person_id (through the alert links),
        since / until (raised, ISO instants), text (in either explanation).
        """
        a = t.alerts.c
        conditions: list[Any] = []
        for name in ("status", "severity", "indicator", "source"):
            if filters.get(name):
                conditions.append(a[name].in_(_values(filters[name])))
        if "assignee_id" in filters and filters["assignee_id"] is not None:
            assignee = filters["assignee_id"]
            conditions.append(a.assignee_id.is_(None) if assignee == "" else a.assignee_id == assignee)
        for kind in ("lot", "party", "person"):
            ref = filters.get(f"{kind}_id")
            if ref:
                link = t.alert_links.c
                conditions.append(a.alert_id.in_(
                    sa.select(link.alert_id).where(link.kind == kind, link.ref.in_(_values(ref)))))
        if filters.get("since"):
            conditions.append(a.raised_at >= filters["since"])
        if filters.get("until"):
            conditions.append(a.raised_at <= filters["until"])
        if filters.get("text"):
            pattern = _like(str(filters["text"]))
            conditions.append(sa.or_(a.explanation_zh.like(pattern, escape="\\"),
                                     a.explanation_en.like(pattern, escape="\\")))
        total = int(self.conn.execute(sa.select(sa.func.count()).select_from(t.alerts).where(*conditions))
                    .scalar_one())
        if order == "-severity" and len(_values(filters.get("severity") or [])) == 1:
            order = "-raised"  # one severity: ranking by it changes nothing, and the index gives the order
        rank = sa.case(SEVERITY_RANK, value=a.severity, else_=0)
        ordering = {
            "-raised": (a.raised_seq.desc(),),
            "raised": (a.raised_seq,),
            "-severity": (rank.desc(), a.raised_seq.desc()),
            "-updated": (a.last_seq.desc(),),
        }[order]
        rows = self.conn.execute(sa.select(t.alerts).where(*conditions).order_by(*ordering)
                                 .limit(limit).offset(offset)).mappings()
        return total, [dict(r) for r in rows]

    def alert_counts(self) -> dict[str, dict[str, int]]:
        """How many alerts per status and, among open ones, per severity (for dashboards)."""
        a = t.alerts.c
        by_status = {r[0]: int(r[1]) for r in self.conn.execute(
            sa.select(a.status, sa.func.count()).group_by(a.status))}
        open_statuses = ("new", "acknowledged", "under_review")
        by_severity = {r[0]: int(r[1]) for r in self.conn.execute(
            sa.select(a.severity, sa.func.count()).where(a.status.in_(open_statuses)).group_by(a.severity))}
        return {"status": by_status, "open_severity": by_severity}

    def alerts_after(self, seq: int, limit: int) -> list[dict[str, Any]]:
        """Alerts raised after ledger position `seq`, oldest first (to resume a live stream)."""
        a = t.alerts.c
        rows = self.conn.execute(sa.select(t.alerts).where(a.raised_seq > seq).order_by(a.raised_seq)
                                 .limit(limit)).mappings()
        return [dict(r) for r in rows]

    def events_by_seq(self, seqs: Iterable[int]) -> list[WitnessedEvent]:
        """The witnessed events at these ledger positions (evidence links), in order."""
        wanted = sorted({int(s) for s in seqs})[:1000]
        if not wanted:
            return []
        e = t.events.c
        rows = self.conn.execute(sa.select(e.entry).where(e.seq.in_(wanted)).order_by(e.seq))
        return [event_store.from_entry(r.entry) for r in rows]

    def credit_page(self, filters: dict[str, Any], limit: int = 50,
                    offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """Credit records, newest first. Filters: subject_id, subject_kind, sanction, bars_bidding,
        published_only (published and not revoked), in_force_at (ISO instant: the period covers it
        and the record is not revoked), include_revoked (default True), text (name or behaviour)."""
        c = t.credit_records.c
        conditions: list[Any] = []
        for name in ("subject_id", "subject_kind", "sanction"):
            if filters.get(name):
                conditions.append(c[name].in_(_values(filters[name])))
        if filters.get("bars_bidding") is not None:
            conditions.append(c.bars_bidding.is_(bool(filters["bars_bidding"])))
        if filters.get("published_only"):
            conditions += [c.published.is_(True), c.revoked_at.is_(None)]
        if not filters.get("include_revoked", True):
            conditions.append(c.revoked_at.is_(None))
        if filters.get("in_force_at"):
            at = filters["in_force_at"]
            conditions += [c.period_from <= at, c.period_to > at, c.revoked_at.is_(None)]
        if filters.get("text"):
            pattern = _like(str(filters["text"]))
            conditions.append(sa.or_(c.subject_name.like(pattern, escape="\\"), c.behaviour.like(pattern, escape="\\")))
        total = int(self.conn.execute(sa.select(sa.func.count()).select_from(t.credit_records).where(*conditions))
                    .scalar_one())
        rows = self.conn.execute(sa.select(t.credit_records).where(*conditions).order_by(c.seq.desc())
                                 .limit(limit).offset(offset)).mappings()
        return total, [dict(r) for r in rows]
