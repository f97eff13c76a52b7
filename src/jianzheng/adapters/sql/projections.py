"""Projections: each event type updates the read tables, in the append's transaction.

`apply` is the only writer of the read tables. `verify` runs the same function over the
whole ledger into empty tables and compares: any difference is tampering or a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.domain.calendar import format_instant
from jianzheng.domain.events import WitnessedEvent

Projector = Callable[[sa.Connection, WitnessedEvent, str], None]
_PROJECTORS: dict[str, Projector] = {}


def projects(*event_types: str) -> Callable[[Projector], Projector]:
    def register(function: Projector) -> Projector:
        for name in event_types:
            _PROJECTORS[name] = function
        return function
    return register


def apply(conn: sa.Connection, event: WitnessedEvent) -> None:
    """Update the read tables for one event (events without a projector change nothing)."""
    projector = _PROJECTORS.get(event.type)
    if projector is not None:
        projector(conn, event, format_instant(event.time))
    if event.stream.startswith("lot:"):
        lot_id = event.stream[4:]
        conn.execute(sa.update(t.lots).where(t.lots.c.lot_id == lot_id).values(last_seq=event.seq))


def _lot_id(event: WitnessedEvent) -> str:
    return event.stream[4:]


def _lot(conn: sa.Connection, event: WitnessedEvent, **values: Any) -> None:
    conn.execute(sa.update(t.lots).where(t.lots.c.lot_id == _lot_id(event)).values(**values))


def _round(conn: sa.Connection, lot_id: str) -> int:
    return int(conn.execute(sa.select(t.lots.c.round).where(t.lots.c.lot_id == lot_id)).scalar_one())


def _notice(conn: sa.Connection, event: WitnessedEvent, at: str, kind: str, title: str, body: Any) -> None:
    conn.execute(sa.insert(t.notices).values(seq=event.seq, lot_id=_lot_id(event), kind=kind, published_at=at,
                                             title=title, body=body))


def _document(conn: sa.Connection, event: WitnessedEvent, kind: str, doc: dict[str, Any] | None,
              version: int | None = None) -> None:
    if doc:
        conn.execute(sa.insert(t.lot_documents).values(
            seq=event.seq, lot_id=_lot_id(event), kind=kind, version=version, name=doc["name"],
            sha256=doc["sha256"], sm3=doc["sm3"], size=doc["size"], media_type=doc.get("media_type")))


@projects("party.registered")
def _party(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.parties).values(
        party_id=p["party_id"], name=p["name"], credit_code=p["credit_code"], kind=p["kind"],
        legal_representative_id=p["legal_representative_id"], address=p["address"], phones=p["phones"],
        email=p["email"], basic_account=p["basic_account"], basic_bank=p["basic_bank"],
        shareholders=p["shareholders"], qualifications=p["qualifications"], registered_at=at))


@projects("person.registered")
def _person(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.persons).values(
        person_id=p["person_id"], name=p["name"], id_number=p["id_number"], roles=p["roles"],
        employer_id=p["employer_id"], phone=p["phone"], email=p["email"], certificates=p["certificates"]))


@projects("user.created")
def _user(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.users).values(
        user_id=p["user_id"], username=p["username"], role=p["role"], display_name=p["display_name"],
        party_id=p.get("party_id"), person_id=p.get("person_id"), disabled=False, created_at=at))


@projects("user.disabled", "user.enabled")
def _user_disabled(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.users).where(t.users.c.user_id == e.payload["user_id"])
                 .values(disabled=e.type == "user.disabled"))


@projects("project.registered")
def _project(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.projects).values(
        project_id=p["project_id"], name=p["name"], tenderer_id=p["tenderer_id"], agency_id=p["agency_id"],
        funding_source=p["funding_source"], state_funded=p["state_funded"], region=p["region"], registered_at=at))


@projects("lot.registered")
def _lot_registered(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.lots).values(
        lot_id=p["lot_id"], project_id=p["project_id"], name=p["name"], category=p["category"],
        procedure=p["procedure"], estimated_price_fen=p["estimated_price_fen"], state_funded=p["state_funded"],
        tenderer_id=p["tenderer_id"], agency_id=p["agency_id"], stage="registered", round=1,
        registered_at=at, documents_version=0))


@projects("lot.documents_compiled")
def _compiled(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    _lot(conn, e, stage="documents_compiled", method=p["method"], factors=p["factors"],
         deposit_fen=p["deposit_fen"], documents_version=p["version"])
    _document(conn, e, "tender", p["document"], p["version"])


@projects("lot.documents_confirmed")
def _confirmed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="documents_confirmed")


@projects("lot.documents_filed")
def _filed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="documents_filed")


@projects("lot.documents_returned")
def _returned(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="documents_compiled")


@projects("lot.announced")
def _announced(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    _lot(conn, e, stage="bidding", announced_at=at, sale_start=p["sale_start"], sale_end=p["sale_end"],
         bid_deadline=p["bid_deadline"])
    _notice(conn, e, at, "announcement", "招标公告 / Tender announcement", p)


@projects("lot.clarification_issued")
def _clarification(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    _notice(conn, e, at, "clarification", f"澄清与修改 第{p['number']}号 / Clarification {p['number']}", p)
    _document(conn, e, "clarification", p.get("document"))


@projects("lot.deadline_extended")
def _extended(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, bid_deadline=e.payload["new_deadline"])
    _notice(conn, e, at, "deadline", "投标截止时间顺延 / Bid deadline moved", e.payload)


@projects("lot.objection_raised")
def _objection(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.objections).values(
        objection_id=p["objection_id"], lot_id=_lot_id(e), party_id=p["party_id"], subject=p["subject"],
        text=p["text"], raised_at=at))


@projects("lot.objection_answered")
def _answered(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.objections).where(t.objections.c.objection_id == e.payload["objection_id"])
                 .values(answer=e.payload["answer"], answered_at=at))


@projects("lot.complaint_filed")
def _complaint(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.complaints).values(
        complaint_id=p["complaint_id"], lot_id=_lot_id(e), party_id=p["party_id"], text=p["text"],
        known_at=p["known_at"], filed_at=at, status="filed"))


@projects("lot.complaint_accepted", "lot.complaint_rejected", "lot.complaint_decided")
def _complaint_status(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    values: dict[str, Any] = {"status": e.type.removeprefix("lot.complaint_")}
    if e.type == "lot.complaint_accepted":
        values["accepted_at"] = at
    elif e.type == "lot.complaint_rejected":
        values["decision"] = p["reason"]
    else:
        values.update(decided_at=at, upheld=p["upheld"], decision=p["decision"])
    conn.execute(sa.update(t.complaints).where(t.complaints.c.complaint_id == p["complaint_id"]).values(**values))


@projects("lot.suspended")
def _suspended(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="suspended", resume_to=e.payload["from_stage"])


@projects("lot.resumed")
def _resumed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage=e.payload["to_stage"], resume_to=None)


@projects("lot.bidder_registered")
def _registration(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.insert(t.registrations).values(
        lot_id=_lot_id(e), bidder_id=e.payload["bidder_id"], round=_round(conn, _lot_id(e)), registered_at=at))


@projects("lot.deposit_paid")
def _deposit(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.deposits).values(
        deposit_id=p["deposit_id"], lot_id=_lot_id(e), bidder_id=p["bidder_id"], amount_fen=p["amount_fen"],
        paying_account=p["paying_account"], paying_bank=p["paying_bank"],
        from_basic_account=p["from_basic_account"], paid_at=at))


@projects("lot.deposit_refunded")
def _refund(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.deposits).where(t.deposits.c.deposit_id == e.payload["deposit_id"])
                 .values(refunded_at=at, interest_fen=e.payload["interest_fen"]))


@projects("lot.bid_submitted")
def _bid(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    if p.get("replaces"):
        conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == p["replaces"]).values(status="replaced"))
    conn.execute(sa.insert(t.bids).values(
        bid_id=p["bid_id"], lot_id=_lot_id(e), bidder_id=p["bidder_id"], round=_round(conn, _lot_id(e)),
        version=p["version"], status="submitted", submitted_at=at, source_ip=e.source_ip,
        content_sha256=p["content_sha256"], content_sm3=p["content_sm3"], documents=p["documents"],
        sealed=p["sealed"], envelope=p.get("envelope"), fingerprint=p.get("fingerprint"), submitted_seq=e.seq))


@projects("lot.bid_withdrawn")
def _withdrawn(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == e.payload["bid_id"]).values(status="withdrawn"))


@projects("lot.opened")
def _opened(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="opened", opened_at=at)
    for item in e.payload["bids"]:
        conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == item["bid_id"]).values(
            status="opened", price_fen=item["price_fen"], project_manager_id=item["project_manager_id"],
            duration_days=item["duration_days"], quality=item["quality"]))
    _notice(conn, e, at, "opening", "开标记录 / Opening record", e.payload)


@projects("lot.failed")
def _failed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="failed", failed_at=at)
    _notice(conn, e, at, "failure", "流标公告 / Failed tender", e.payload)


@projects("lot.retendered")
def _retendered(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    lot_id = _lot_id(e)
    conn.execute(sa.update(t.bids).where(t.bids.c.lot_id == lot_id, t.bids.c.status.in_(("submitted", "opened")))
                 .values(status="closed"))
    _lot(conn, e, stage="registered", round=e.payload["round"], documents_version=0, announced_at=None,
         sale_start=None, sale_end=None, bid_deadline=None, opened_at=None, failed_at=None)


@projects("lot.committee_formed")
def _committee(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    lot_id = _lot_id(e)
    round_ = _round(conn, lot_id)
    for m in e.payload["members"]:
        conn.execute(sa.insert(t.committee_members).values(
            lot_id=lot_id, person_id=m["person_id"], round=round_, kind=m["kind"], chair=m["chair"]))
    _lot(conn, e, stage="evaluation")


@projects("lot.score_submitted")
def _score(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    key = (t.scores.c.lot_id == _lot_id(e), t.scores.c.person_id == p["person_id"], t.scores.c.bid_id == p["bid_id"])
    conn.execute(sa.delete(t.scores).where(*key))
    conn.execute(sa.insert(t.scores).values(
        lot_id=_lot_id(e), person_id=p["person_id"], bid_id=p["bid_id"], points=p["points"], total=p["total"],
        comment=p["comment"], submitted_at=at, seq=e.seq))


@projects("lot.bid_rejected")
def _rejected(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == e.payload["bid_id"])
                 .values(status="rejected", rejected_reason=e.payload["reason"]))


@projects("lot.evaluation_reported")
def _reported(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="evaluated", reported_at=at)
    for row in e.payload["ranking"]:
        conn.execute(sa.update(t.bids).where(t.bids.c.bid_id == row["bid_id"])
                     .values(rank=row["rank"], score=row["score"]))
    _document(conn, e, "report", e.payload.get("document"))


@projects("lot.candidates_published")
def _candidates(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="candidates_published", publicity_end=e.payload["publicity_end"])
    _notice(conn, e, at, "candidates", "中标候选人公示 / Candidates", e.payload)


@projects("lot.awarded")
def _awarded(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="awarded", awarded_at=at, awarded_bidder_id=e.payload["bidder_id"])
    _notice(conn, e, at, "award", "中标结果公告 / Award", e.payload)
    _document(conn, e, "notice", e.payload.get("notice"))


@projects("lot.contract_signed")
def _contract(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="contracted", contract_signed_at=at, contract_price_fen=e.payload["price_fen"])
    _notice(conn, e, at, "contract", "合同公开 / Contract", e.payload)
    _document(conn, e, "contract", e.payload.get("document"))


@projects("lot.completed")
def _completed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="completed", completed_at=at)


@projects("lot.cancelled")
def _cancelled(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _lot(conn, e, stage="cancelled", cancelled_at=at)
    _notice(conn, e, at, "cancellation", "终止公告 / Cancellation", e.payload)


@projects("rule.warning")
def _warning(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.rule_warnings).values(
        seq=e.seq, lot_id=_lot_id(e) if e.stream.startswith("lot:") else None, rule=p["rule"],
        article=p["article"], text_zh=p["text_zh"], text_en=p["text_en"], facts=p["facts"], at=at))
