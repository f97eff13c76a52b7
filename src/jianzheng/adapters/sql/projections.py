"""Projections: each event type updates the read tables, in the append's transaction.

`apply` is the only writer of the read tables. `verify` runs the same function over the
whole ledger into empty tables and compares: any difference is tampering or a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from jianzheng.adapters.sql import tables as t
from jianzheng.domain.alerts import TRANSITIONS as ALERT_TRANSITIONS
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


# -- supervision desk: alerts, watch list, credit records -----------------------------------


@projects("alert.raised")
def _alert_raised(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    # Parameters rather than .values(): one compiled statement for the thousands a batch raises.
    conn.execute(sa.insert(t.alerts), dict(
        alert_id=p["alert_id"], indicator=p["indicator"], severity=p["severity"], subject=p["subject"],
        subject_id=p["subject_id"], lot_ids=p["lot_ids"], parties=p["parties"], party_ids=p["party_ids"],
        person_ids=p["person_ids"], value=float(p["value"]) if p["value"] is not None else None,
        explanation_zh=p["explanation"]["zh"], explanation_en=p["explanation"]["en"], evidence=p["evidence"],
        source=p["source"], article=p["article"], status="new", assignee_id=None, assignee_name=None, comments=0,
        raised_at=at, raised_seq=e.seq, updated_at=at, last_seq=e.seq, resolution=None, transferred_to=None,
        closed_at=None, closed_by=None, credit_record_id=None))
    links = ([("lot", x) for x in p["lot_ids"]] + [("party", x) for x in p["party_ids"]]
             + [("person", x) for x in p["person_ids"]])
    if p["subject"] != "lot":
        # The subject is a party or person too, even when the indicator did not list it.
        links.append(("person" if p["subject"] in ("expert", "person") else "party", p["subject_id"]))
    else:
        links.append(("lot", p["subject_id"]))
    rows = [{"alert_id": p["alert_id"], "kind": kind, "ref": ref} for kind, ref in dict.fromkeys(links)]
    conn.execute(sa.insert(t.alert_links), rows)


def _alert(conn: sa.Connection, e: WitnessedEvent, at: str, **values: Any) -> None:
    conn.execute(sa.update(t.alerts).where(t.alerts.c.alert_id == e.payload["alert_id"])
                 .values(updated_at=at, last_seq=e.seq, **values))


@projects("alert.acknowledged", "alert.review_started")
def _alert_progress(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _alert(conn, e, at, status=ALERT_TRANSITIONS[e.type][1].value)


@projects("alert.transferred", "alert.dismissed", "alert.confirmed")
def _alert_closed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    resolution = {"alert.transferred": "note", "alert.dismissed": "reason", "alert.confirmed": "finding"}[e.type]
    _alert(conn, e, at, status=ALERT_TRANSITIONS[e.type][1].value, closed_at=at, closed_by=e.actor,
           resolution=p[resolution], transferred_to=p.get("recipient"), credit_record_id=p.get("credit_record_id"))


@projects("alert.assigned")
def _alert_assigned(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    _alert(conn, e, at, assignee_id=e.payload["assignee_id"], assignee_name=e.payload["assignee_name"])


@projects("alert.commented")
def _alert_comment(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.alert_comments).values(
        comment_id=p["comment_id"], alert_id=p["alert_id"], seq=e.seq, author_id=e.actor, author_role=e.role,
        text=p["text"], at=at))
    _alert(conn, e, at, comments=t.alerts.c.comments + 1)


@projects("watchlist.added")
def _watch_added(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.watchlist).values(
        entry_id=p["entry_id"], kind=p["kind"], subject_id=p["subject_id"], subject_name=p["subject_name"],
        reason=p["reason"], valid_from=p["valid_from"], valid_to=p["valid_to"], added_by=e.actor, added_at=at,
        seq=e.seq))


@projects("watchlist.removed")
def _watch_removed(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.watchlist).where(t.watchlist.c.entry_id == e.payload["entry_id"])
                 .values(removed_at=at, removed_by=e.actor, removal_reason=e.payload["reason"]))


@projects("credit.recorded")
def _credit_recorded(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    p = e.payload
    conn.execute(sa.insert(t.credit_records).values(
        record_id=p["record_id"], subject_kind=p["subject_kind"], subject_id=p["subject_id"],
        subject_name=p["subject_name"], credit_code=p["credit_code"], behaviour=p["behaviour"],
        sanction=p["sanction"], bars_bidding=p["bars_bidding"], basis=p["basis"], authority=p["authority"],
        decision_ref=p["decision_ref"], period_from=p["period_from"], period_to=p["period_to"],
        published=p["published"], source_alert_id=p["source_alert_id"], recorded_by=e.actor, recorded_at=at,
        seq=e.seq))


@projects("credit.revoked")
def _credit_revoked(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    conn.execute(sa.update(t.credit_records).where(t.credit_records.c.record_id == e.payload["record_id"])
                 .values(revoked_at=at, revoked_by=e.actor, revocation_reason=e.payload["reason"]))


# -- imported OCDS processes (services/ocds_import.py): each event carries the facts ---------


@projects("ocds.process_imported", "ocds.release_imported")
def _ocds_imported(conn: sa.Connection, e: WitnessedEvent, at: str) -> None:
    """Project an imported release's summary: the lot, its project, parties and bids.

    The summary is the whole state after the release, so the lot's bids are replaced and
    parties are added when new (the first publisher's name and kind stay).
    """
    p = e.payload
    summary = p["summary"]
    lot = summary["lot"]
    lot_id = p["lot_id"]
    project = {"name": summary["project"]["name"], "tenderer_id": lot["tenderer_id"], "agency_id": lot["agency_id"],
               "funding_source": summary["project"]["funding_source"], "source": e.origin}
    facts = {key: lot[key] for key in (
        "name", "category", "procedure", "estimated_price_fen", "tenderer_id", "agency_id", "stage", "round",
        "deposit_fen", "bid_deadline", "opened_at", "awarded_at", "awarded_bidder_id", "contract_signed_at",
        "contract_price_fen", "currency")}
    facts["announced_at"] = lot["announced_at"]
    if e.type == "ocds.process_imported":
        conn.execute(sa.insert(t.projects).values(project_id=p["project_id"], registered_at=at, **project))
        conn.execute(sa.insert(t.lots).values(lot_id=lot_id, project_id=p["project_id"], registered_at=at,
                                              source=e.origin, **facts))
    else:
        conn.execute(sa.update(t.projects).where(t.projects.c.project_id == p["project_id"]).values(**project))
        _lot(conn, e, **facts)
    ids = [party["party_id"] for party in summary["parties"]]
    found = conn.execute(sa.select(t.parties.c.party_id, t.parties.c.name).where(t.parties.c.party_id.in_(ids)))
    known = {row.party_id: row.name for row in found} if ids else {}
    fresh = [{"party_id": party["party_id"], "name": party["name"], "credit_code": None, "kind": party["kind"],
              "registered_at": at, "source": e.origin}
             for party in summary["parties"] if party["party_id"] not in known]
    if fresh:
        conn.execute(sa.insert(t.parties), fresh)
    for party in summary["parties"]:
        if party["party_id"] in known and not known[party["party_id"]] and party["name"]:
            conn.execute(sa.update(t.parties).where(t.parties.c.party_id == party["party_id"])
                         .values(name=party["name"]))
    conn.execute(sa.delete(t.bids).where(t.bids.c.lot_id == lot_id))
    rows = [{
        "bid_id": b["bid_id"], "lot_id": lot_id, "bidder_id": b["bidder_id"], "round": b["round"],
        "version": b["version"], "status": b["status"], "submitted_at": b["submitted_at"],
        "source_ip": b["source_ip"], "content_sha256": b["content_sha256"], "content_sm3": b["content_sm3"],
        "documents": b["documents"], "sealed": False, "envelope": None, "fingerprint": b["fingerprint"],
        "price_fen": b["price_fen"], "project_manager_id": b["project_manager_id"], "rank": b["rank"],
        "score": b["score"],
        "rejected_reason": b["statusDetails"], "submitted_seq": e.seq, "source": e.origin,
    } for b in summary["bids"]]
    if rows:
        conn.execute(sa.insert(t.bids), rows)


# Registered from their own module to keep this one about the core lifecycle.
from jianzheng.adapters.sql import projections_evaluation, projections_sealed  # noqa: E402,F401,I001
