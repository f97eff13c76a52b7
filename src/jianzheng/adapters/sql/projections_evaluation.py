"""Projections of the expert pool and the evaluation's events (issue 7) onto their read tables.

Registered into `projections` like the core's, so `verify` replays them too.
"""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.adapters.sql.projections import _lot_id, _round, projects
from jianzheng.domain.events import WitnessedEvent


@projects("person.expert_profile_set")
def _profile(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    person = p["person_id"]
    found = conn.execute(sa.select(t.expert_profiles.c.available, t.expert_profiles.c.unavailable_reason,
                                   t.expert_profiles.c.unavailable_until)
                         .where(t.expert_profiles.c.person_id == person)).first()
    conn.execute(sa.delete(t.expert_profiles).where(t.expert_profiles.c.person_id == person))
    conn.execute(sa.insert(t.expert_profiles).values(
        person_id=person, specialties=p["specialties"], level=p["level"], region=p["region"],
        employer_id=p["employer_id"], available=found[0] if found else True,
        unavailable_reason=found[1] if found else None, unavailable_until=found[2] if found else None,
        updated_at=at, seq=e.seq))


@projects("person.expert_availability_set")
def _availability(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.update(t.expert_profiles).where(t.expert_profiles.c.person_id == p["person_id"]).values(
        available=p["available"], unavailable_reason=p["reason"] or None, unavailable_until=p["until"],
        updated_at=at, seq=e.seq))


@projects("lot.expert_draw_requested")
def _draw_requested(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.expert_draws).values(
        request_id=p["request_id"], lot_id=_lot_id(e), round=p["round"], status="requested", requested_at=at,
        requested_seq=e.seq, requested_by=e.actor, requirements=p["requirements"], local_region=p["local_region"],
        evaluation_at=p["evaluation_at"], witnesses=p["witnesses"], pool_size=len(p["pool"]),
        exclusions=p["exclusions"]))


@projects("lot.experts_drawn")
def _drawn(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.update(t.expert_draws).where(t.expert_draws.c.request_id == p["request_id"]).values(
        status="drawn", drawn_at=at, drawn_seq=e.seq, seed=p["seed"],
        checkpoint_size=p["checkpoint"]["tree_size"]))
    for pick in p["picks"]:
        conn.execute(sa.insert(t.expert_draw_picks).values(
            request_id=p["request_id"], person_id=pick["person_id"], lot_id=_lot_id(e), line=pick["line"],
            position=pick["position"], reserve=pick["reserve"], status="reserve" if pick["reserve"] else "called"))


def _pick(conn: sa.Connection, e: WitnessedEvent, **values: object) -> None:
    p = e.payload
    c = t.expert_draw_picks.c
    conn.execute(sa.update(t.expert_draw_picks).where(c.request_id == p["request_id"], c.person_id == p["person_id"])
                 .values(**values))


@projects("lot.expert_confirmed")
def _confirmed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _pick(conn, e, status="confirmed", answered_at=at)


@projects("lot.expert_declined")
def _declined(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _pick(conn, e, status="declined", answered_at=at, reason=e.payload["reason"])


@projects("lot.expert_reserve_called")
def _reserve_called(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _pick(conn, e, status="called")


@projects("lot.review_pages_viewed")
def _pages_viewed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    rows = [{"seq": e.seq, "idx": index, "lot_id": _lot_id(e), "person_id": p["person_id"], "bid_id": v["bid_id"],
             "document": v["document"], "page": v["page"], "opened_at": v["opened_at"], "seconds": v["seconds"]}
            for index, v in enumerate(p["views"])]
    conn.execute(sa.insert(t.review_page_views), rows)


@projects("lot.bidder_questioned")
def _questioned(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.evaluation_questions).values(
        question_id=p["question_id"], lot_id=_lot_id(e), bid_id=p["bid_id"], bidder_id=p["bidder_id"],
        kind=p["kind"], question=p["question"], deadline=p["deadline"], asked_by=p["asked_by"], asked_at=at))


@projects("lot.bidder_answered")
def _answered(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.update(t.evaluation_questions).where(t.evaluation_questions.c.question_id == p["question_id"])
                 .values(answer=p["answer"], answered_at=at, document=p["document"]))


@projects("lot.deviation_explained")
def _explained(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    c = t.deviation_reasons.c
    conn.execute(sa.delete(t.deviation_reasons).where(
        c.lot_id == _lot_id(e), c.person_id == p["person_id"], c.bid_id == p["bid_id"], c.factor == p["factor"]))
    conn.execute(sa.insert(t.deviation_reasons).values(
        lot_id=_lot_id(e), person_id=p["person_id"], bid_id=p["bid_id"], factor=p["factor"], points=p["points"],
        others_mean=p["others_mean"], reason=p["reason"], at=at, seq=e.seq))


@projects("lot.report_signed")
def _signed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.report_signatures).values(
        lot_id=_lot_id(e), person_id=p["person_id"], round=_round(conn, _lot_id(e)), agrees=p["agrees"],
        dissent=p["dissent"] or None, report_sha256=p["report_sha256"] or None, signed_at=at, seq=e.seq))


@projects("lot.price_adjusted")
def _adjusted(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.price_decisions).values(
        seq=e.seq, lot_id=_lot_id(e), bid_id=p["bid_id"], kind="adjustment", amount_fen=p["amount_fen"],
        reason=p["reason"], at=at))


@projects("lot.low_price_accepted")
def _low_accepted(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.price_decisions).values(
        seq=e.seq, lot_id=_lot_id(e), bid_id=p["bid_id"], kind="low_price_accepted", amount_fen=None,
        reason=p["reason"], at=at))
