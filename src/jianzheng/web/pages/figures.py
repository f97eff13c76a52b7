"""Figures for the pages that the row-by-row `Queries` port does not give: aggregates and joins.

The cockpit counts and sums over every lot, groups trading volume by Beijing-time month and
follows the event log by sequence number; the portal lists notices with their lot's name;
a bidder sees its own bids across lots. Each of these is one indexed SQL query over the read
tables, so the pages stay fast on a ledger of a million events. The page decides who may see
a figure before asking for it; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t


@dataclass(frozen=True)
class Counts:
    lots: int
    active: int
    bidding: int
    completed: int
    bids: int
    events: int
    estimated_fen: int
    awarded_fen: int
    warnings: int


CLOSED_STAGES = ("completed", "cancelled")


def _month(engine: sa.Engine, column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """The Beijing-time month (YYYY-MM) of a UTC ISO instant column, in the engine's dialect."""
    if engine.dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", column, "+8 hours")
    # PostgreSQL: the stored text is ISO 8601 with a Z, which timestamptz parses.
    local = sa.func.timezone("Asia/Shanghai", sa.cast(column, sa.TIMESTAMP(timezone=True)))
    return sa.func.to_char(local, "YYYY-MM")


def _awarded_price() -> tuple[sa.ColumnElement[Any], Any]:
    """The price of each awarded lot: the contract price once signed, else the winning bid's price."""
    winning = sa.select(t.bids.c.price_fen).where(
        t.bids.c.lot_id == t.lots.c.lot_id, t.bids.c.bidder_id == t.lots.c.awarded_bidder_id,
        t.bids.c.round == t.lots.c.round, t.bids.c.status == "opened").limit(1).scalar_subquery()
    price = sa.func.coalesce(t.lots.c.contract_price_fen, winning)
    return price, t.lots.c.awarded_at.is_not(None)


def latest_seq(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.events.c.seq), 0))).scalar_one())


def counts(engine: sa.Engine) -> Counts:
    price, awarded = _awarded_price()
    with engine.connect() as conn:
        lots = conn.execute(sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((t.lots.c.stage.not_in(CLOSED_STAGES), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((t.lots.c.stage == "bidding", 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((t.lots.c.stage == "completed", 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(t.lots.c.estimated_price_fen), 0),
        )).one()
        awarded_fen = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(price), 0)).where(awarded)).scalar_one()
        bids = conn.execute(sa.select(sa.func.count()).select_from(t.bids)
                            .where(t.bids.c.status.in_(("submitted", "opened", "rejected")))).scalar_one()
        events = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.events.c.seq), 0))).scalar_one()
        warnings = conn.execute(sa.select(sa.func.count()).select_from(t.rule_warnings)).scalar_one()
    return Counts(lots=int(lots[0]), active=int(lots[1]), bidding=int(lots[2]), completed=int(lots[3]),
                  bids=int(bids), events=int(events), estimated_fen=int(lots[4]), awarded_fen=int(awarded_fen),
                  warnings=int(warnings))


def lots_by_stage(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.lots.c.stage, sa.func.count()).group_by(t.lots.c.stage)).all()
    return {str(stage): int(n) for stage, n in rows}


def volume_by_month(engine: sa.Engine) -> list[dict[str, Any]]:
    """Per Beijing-time month: estimated value of lots registered, value of lots awarded (fen)."""
    registered = _month(engine, t.lots.c.registered_at)
    price, awarded = _awarded_price()
    awarded_month = _month(engine, t.lots.c.awarded_at)
    with engine.connect() as conn:
        estimated = conn.execute(
            sa.select(registered, sa.func.sum(t.lots.c.estimated_price_fen), sa.func.count())
            .where(t.lots.c.registered_at.is_not(None)).group_by(registered)).all()
        won = conn.execute(
            sa.select(awarded_month, sa.func.sum(price), sa.func.count()).where(awarded).group_by(awarded_month)
        ).all()
    months: dict[str, dict[str, Any]] = {}
    for month, total, n in estimated:
        months.setdefault(str(month), {"month": str(month), "estimated_fen": 0, "awarded_fen": 0, "registered": 0,
                                       "awarded": 0}).update(estimated_fen=int(total or 0), registered=int(n))
    for month, total, n in won:
        months.setdefault(str(month), {"month": str(month), "estimated_fen": 0, "awarded_fen": 0, "registered": 0,
                                       "awarded": 0}).update(awarded_fen=int(total or 0), awarded=int(n))
    return [months.get(m) or {"month": m, "estimated_fen": 0, "awarded_fen": 0, "registered": 0, "awarded": 0}
            for m in month_range(sorted(months))]


def month_range(months: list[str]) -> list[str]:
    """Every month from the first to the last given (YYYY-MM), so a chart's time axis has no gaps."""
    if not months:
        return []
    year, month = (int(x) for x in months[0].split("-"))
    last = months[-1]
    out = []
    while True:
        current = f"{year:04d}-{month:02d}"
        out.append(current)
        if current >= last or len(out) > 1200:
            return out
        month += 1
        if month > 12:
            year, month = year + 1, 1


def warnings_by_rule(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.rule_warnings.c.rule, sa.func.min(t.rule_warnings.c.article),
                      sa.func.min(t.rule_warnings.c.text_zh), sa.func.min(t.rule_warnings.c.text_en), sa.func.count())
            .group_by(t.rule_warnings.c.rule).order_by(sa.func.count().desc())).all()
    return [{"rule": r[0], "article": r[1], "text_zh": r[2], "text_en": r[3], "count": int(r[4])} for r in rows]


EVENT_COLUMNS = (t.events.c.seq, t.events.c.time, t.events.c.actor, t.events.c.role, t.events.c.source_ip,
                 t.events.c.type, t.events.c.lot_id)


def events_after(engine: sa.Engine, after: int, limit: int = 50) -> list[dict[str, Any]]:
    """Events with seq > `after`, oldest first, with the actor's display name and the lot's name."""
    query = (sa.select(*EVENT_COLUMNS, t.users.c.display_name, t.lots.c.name.label("lot_name"))
             .join(t.users, t.users.c.user_id == t.events.c.actor, isouter=True)
             .join(t.lots, t.lots.c.lot_id == t.events.c.lot_id, isouter=True)
             .where(t.events.c.seq > after).order_by(t.events.c.seq).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def latest_events(engine: sa.Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The newest events, newest first (the live stream's starting view)."""
    last = latest_seq(engine)
    rows = events_after(engine, max(0, last - limit), limit)
    return list(reversed(rows))


def user_id_for(engine: sa.Engine, name_or_id: str) -> str | None:
    """Resolve a username (case-insensitive) or a user id to the user id the log records."""
    text = name_or_id.strip()
    with engine.connect() as conn:
        found = conn.execute(sa.select(t.users.c.user_id).where(
            sa.or_(t.users.c.user_id == text, t.users.c.username == text.lower()))).first()
    if found is not None:
        return str(found[0])
    # Accounts of the platform itself (system, imports) appear in the log without a users row.
    with engine.connect() as conn:
        seen = conn.execute(sa.select(t.events.c.actor).where(t.events.c.actor == text).limit(1)).first()
    return str(seen[0]) if seen else None


def party_names(engine: sa.Engine, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.parties.c.party_id, t.parties.c.name)
                            .where(t.parties.c.party_id.in_(sorted(ids)))).all()
    return {str(r[0]): str(r[1]) for r in rows}


def person_names(engine: sa.Engine, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.persons.c.person_id, t.persons.c.name)
                            .where(t.persons.c.person_id.in_(sorted(ids)))).all()
    return {str(r[0]): str(r[1]) for r in rows}


def registrations(engine: sa.Engine, lot_id: str, round_no: int) -> list[dict[str, Any]]:
    query = (sa.select(t.registrations, t.parties.c.name.label("bidder_name"))
             .join(t.parties, t.parties.c.party_id == t.registrations.c.bidder_id, isouter=True)
             .where(t.registrations.c.lot_id == lot_id, t.registrations.c.round == round_no)
             .order_by(t.registrations.c.registered_at))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def bids_of_party(engine: sa.Engine, party_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """A bidder's own bids across lots, newest first, with each lot's name, stage and deadline."""
    query = (sa.select(t.bids.c.bid_id, t.bids.c.lot_id, t.bids.c.round, t.bids.c.version, t.bids.c.status,
                       t.bids.c.submitted_at, t.bids.c.price_fen, t.bids.c.rank, t.bids.c.score, t.bids.c.sealed,
                       t.bids.c.rejected_reason, t.lots.c.name.label("lot_name"), t.lots.c.stage,
                       t.lots.c.bid_deadline, t.lots.c.awarded_bidder_id, t.projects.c.name.label("project_name"))
             .join(t.lots, t.lots.c.lot_id == t.bids.c.lot_id)
             .join(t.projects, t.projects.c.project_id == t.lots.c.project_id, isouter=True)
             .where(t.bids.c.bidder_id == party_id).order_by(t.bids.c.submitted_at.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def scored_lots(engine: sa.Engine, person_id: str) -> dict[str, int]:
    """How many score sheets an expert has submitted, per lot."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.scores.c.lot_id, sa.func.count()).where(t.scores.c.person_id == person_id)
                            .group_by(t.scores.c.lot_id)).all()
    return {str(r[0]): int(r[1]) for r in rows}


NOTICE_KINDS = ("announcement", "clarification", "deadline", "opening", "candidates", "award", "contract",
                "failure", "cancellation")


def notices(engine: sa.Engine, kind: str | None, limit: int, offset: int,
            lot_id: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Public notices, newest first, with their lot's and project's names."""
    conditions = []
    if kind:
        conditions.append(t.notices.c.kind == kind)
    if lot_id:
        conditions.append(t.notices.c.lot_id == lot_id)
    query = (sa.select(t.notices, t.lots.c.name.label("lot_name"), t.projects.c.name.label("project_name"),
                       t.lots.c.stage)
             .join(t.lots, t.lots.c.lot_id == t.notices.c.lot_id, isouter=True)
             .join(t.projects, t.projects.c.project_id == t.lots.c.project_id, isouter=True)
             .where(*conditions).order_by(t.notices.c.seq.desc()).limit(limit).offset(offset))
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(t.notices).where(*conditions)).scalar_one()
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return int(total), rows


def open_lots(engine: sa.Engine, now_iso: str, limit: int = 10) -> list[dict[str, Any]]:
    """Lots whose bidding is open now, the nearest deadline first."""
    query = (sa.select(t.lots.c.lot_id, t.lots.c.name, t.lots.c.bid_deadline, t.lots.c.estimated_price_fen,
                       t.projects.c.name.label("project_name"))
             .join(t.projects, t.projects.c.project_id == t.lots.c.project_id, isouter=True)
             .where(t.lots.c.stage == "bidding", t.lots.c.bid_deadline > now_iso)
             .order_by(t.lots.c.bid_deadline).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


OPEN_ALERTS = ("new", "acknowledged", "under_review")


def open_alerts_by_indicator(engine: sa.Engine) -> dict[str, dict[str, int]]:
    """Open alerts (new, acknowledged, under review) per indicator code and severity."""
    a = t.alerts.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a.indicator, a.severity, sa.func.count()).where(a.status.in_(OPEN_ALERTS))
                            .group_by(a.indicator, a.severity)).all()
    out: dict[str, dict[str, int]] = {}
    for indicator, severity, n in rows:
        out.setdefault(str(indicator), {})[str(severity)] = int(n)
    return out


def latest_alert_seq(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.alerts.c.raised_seq), 0))).scalar_one())


def lot_names(engine: sa.Engine, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.lots.c.lot_id, t.lots.c.name).where(t.lots.c.lot_id.in_(sorted(ids)))).all()
    return {str(r[0]): str(r[1]) for r in rows}


def project_names(engine: sa.Engine, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.projects.c.project_id, t.projects.c.name)
                            .where(t.projects.c.project_id.in_(sorted(ids)))).all()
    return {str(r[0]): str(r[1]) for r in rows}
