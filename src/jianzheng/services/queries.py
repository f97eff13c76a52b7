"""The read side: what each role may see, shaped for the API and the pages.

Visibility is decided by `policy`; personal data is masked for roles that do not need it.
"""

from __future__ import annotations

from typing import Any

from jianzheng.domain.errors import Refusal, forbidden, not_found
from jianzheng.domain.identifiers import mask_id_number, mask_phone
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import fold
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.platform import lot_parties
from jianzheng.services.policy import (
    LotParties,
    may_read_log,
    may_see_bid_content,
    may_see_bid_list,
    may_see_lot,
    may_see_personal_data,
)
from jianzheng.services.ports import Blobs, ReadSession, Store

PUBLIC_STAGES = [s.value for s in Stage if s not in (Stage.REGISTERED, Stage.DOCUMENTS_COMPILED,
                                                      Stage.DOCUMENTS_CONFIRMED, Stage.DOCUMENTS_FILED)]


class Queries:
    def __init__(self, store: Store, blobs: Blobs) -> None:
        self.store = store
        self.blobs = blobs

    def _parties(self, session: ReadSession, lot_id: str) -> LotParties:
        state = fold(lot_id, session.lot_events(lot_id))
        if not state.exists:
            row = session.row("lots", lot_id)
            if row is None or row.get("source", "platform") == "platform":
                raise not_found("标段", lot_id)
            # An imported process (OCDS): its record was published by its publisher, so it
            # is public, and no platform command acts on it.
            stage = Stage(row["stage"]) if row["stage"] in set(Stage) else Stage.COMPLETED
            return LotParties(lot_id=lot_id, stage=stage, tenderer_id=row.get("tenderer_id") or "",
                              agency_id=row.get("agency_id"), announced=True, opened=True)
        return lot_parties(state)

    def lot_parties(self, lot_id: str) -> LotParties:
        with self.store.read() as session:
            return self._parties(session, lot_id)

    def lots(self, actor: Actor, stage: str | None = None, limit: int = 50,
             offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        where: dict[str, Any] = {}
        if stage:
            where["stage"] = stage
        with self.store.read() as session:
            if actor.role in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM):
                pass
            elif actor.role in (Role.TENDERER,):
                where["tenderer_id"] = actor.party_id
            elif actor.role is Role.AGENCY:
                where["agency_id"] = actor.party_id
            elif actor.role is Role.EXPERT:
                lots = {r["lot_id"] for r in session.rows("committee_members", {"person_id": actor.person_id})}
                where["lot_id"] = sorted(lots)
            else:
                where["stage"] = [stage] if stage in PUBLIC_STAGES else PUBLIC_STAGES
                if stage and stage not in PUBLIC_STAGES:
                    return 0, []
            total = session.count("lots", where)
            return total, session.rows("lots", where, order_by="-registered_at", limit=limit, offset=offset)

    def lot(self, actor: Actor, lot_id: str) -> dict[str, Any]:
        with self.store.read() as session:
            parties = self._parties(session, lot_id)
            if not may_see_lot(actor, parties):
                raise forbidden("您无权查看此标段", "You may not see this lot")
            row = session.row("lots", lot_id)
            assert row is not None
            project = session.row("projects", row["project_id"])
            row["project"] = project
            row["documents"] = session.rows("lot_documents", {"lot_id": lot_id}, order_by="seq")
            row["notices"] = session.rows("notices", {"lot_id": lot_id}, order_by="seq")
            row["warnings"] = (session.rows("rule_warnings", {"lot_id": lot_id}, order_by="seq")
                               if actor.role in (Role.STAFF, Role.SUPERVISOR) or parties.tenderer_id == actor.party_id
                               else [])
            row["objections"] = session.rows("objections", {"lot_id": lot_id}, order_by="raised_at")
            row["complaints"] = (session.rows("complaints", {"lot_id": lot_id}, order_by="filed_at")
                                 if actor.role in (Role.STAFF, Role.SUPERVISOR) else [])
            return row

    def bids(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        with self.store.read() as session:
            parties = self._parties(session, lot_id)
            rows = session.rows("bids", {"lot_id": lot_id}, order_by="submitted_at")
            if may_see_bid_list(actor, parties):
                visible = rows
            elif actor.role is Role.BIDDER:
                visible = [r for r in rows if r["bidder_id"] == actor.party_id]
            else:
                raise forbidden("开标前投标文件仅对投标人本人可见", "Before the opening only its bidder sees a bid")
            if actor.role is Role.PUBLIC or (actor.role is Role.BIDDER and parties.opened):
                hidden = ("documents", "envelope", "source_ip", "score") if actor.role is Role.PUBLIC else ()
                visible = [{k: v for k, v in r.items() if k not in hidden} for r in visible
                           if r["status"] in ("opened", "rejected") or r["bidder_id"] == actor.party_id]
            return visible

    def bid_content(self, actor: Actor, bid_id: str) -> dict[str, Any]:
        with self.store.read() as session:
            bid = session.row("bids", bid_id)
            if bid is None:
                raise not_found("投标", bid_id)
            parties = self._parties(session, bid["lot_id"])
            if not may_see_bid_content(actor, parties, bid["bidder_id"]):
                raise forbidden("您无权查看此投标文件", "You may not read this bid")
        content: dict[str, Any] = __import__("json").loads(self.blobs.get(bid["content_sha256"]))
        return {"bid": bid, "content": content}

    def scores(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        with self.store.read() as session:
            parties = self._parties(session, lot_id)
            if actor.role in (Role.STAFF, Role.SUPERVISOR):
                return session.rows("scores", {"lot_id": lot_id}, order_by="seq")
            if (parties.stage in (Stage.EVALUATED, Stage.CANDIDATES_PUBLISHED, Stage.AWARDED, Stage.CONTRACTED,
                                  Stage.COMPLETED) and parties.tenderer_id == actor.party_id):
                rows = session.rows("scores", {"lot_id": lot_id}, order_by="seq")
                if parties.stage is Stage.EVALUATED:
                    # The members stay unnamed to the tenderer until the result is published (Law 37).
                    number = {p: f"成员{i}" for i, p in enumerate(sorted(parties.committee), start=1)}
                    rows = [{**r, "person_id": number.get(r["person_id"], "成员")} for r in rows]
                return rows
            if actor.role is Role.EXPERT and actor.person_id in parties.committee:
                # Sealed from the other members until every member has scored every valid bid (issue 7).
                rows = session.rows("scores", {"lot_id": lot_id}, order_by="seq")
                valid = {b["bid_id"] for b in session.rows("bids", {"lot_id": lot_id, "status": "opened"})}
                sheets = {(r["person_id"], r["bid_id"]) for r in rows}
                if valid and all((p, b) in sheets for p in parties.committee for b in valid):
                    return rows
                return [r for r in rows if r["person_id"] == actor.person_id]
            raise forbidden("您无权查看评分", "You may not see the scores")

    def committee(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        with self.store.read() as session:
            parties = self._parties(session, lot_id)
            published = parties.stage in (Stage.CANDIDATES_PUBLISHED, Stage.AWARDED, Stage.CONTRACTED,
                                          Stage.COMPLETED)
            if not (actor.role in (Role.STAFF, Role.SUPERVISOR) or published
                    or (actor.role is Role.EXPERT and actor.person_id in parties.committee)):
                raise forbidden("评标委员会名单在结果公示前保密", "The committee is confidential until the result")
            members = session.rows("committee_members", {"lot_id": lot_id})
            for m in members:
                person = session.row("persons", m["person_id"])
                m["name"] = person["name"] if person else ""
            return members

    def deposits(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        with self.store.read() as session:
            parties = self._parties(session, lot_id)
            rows = session.rows("deposits", {"lot_id": lot_id}, order_by="paid_at")
            owner = actor.party_id in (parties.tenderer_id, parties.agency_id)
            if actor.role in (Role.STAFF, Role.SUPERVISOR) or (parties.opened and owner):
                return rows
            if actor.role is Role.BIDDER:
                return [r for r in rows if r["bidder_id"] == actor.party_id]
            raise forbidden("您无权查看保证金", "You may not see the deposits")

    def log(self, actor: Actor, filters: dict[str, Any], limit: int = 100,
            offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        lot_id = filters.get("lot_id")
        with self.store.read() as session:
            parties = self._parties(session, lot_id) if lot_id else None
            if not may_read_log(actor, parties):
                raise forbidden("您无权查看操作日志", "You may not read the operation log")
            total, events = session.log({k: v for k, v in filters.items() if v}, limit, offset)
            names = {}
            out = []
            for e in events:
                if e.actor not in names:
                    user = session.rows("users", {"user_id": e.actor})
                    names[e.actor] = user[0]["display_name"] if user else e.actor
                out.append({"seq": e.seq, "time": e.envelope()["time"], "actor": e.actor,
                            "actor_name": names[e.actor], "role": e.role, "source_ip": e.source_ip,
                            "command_id": e.command_id, "type": e.type, "stream": e.stream, "origin": e.origin,
                            "payload": e.payload if actor.role in (Role.STAFF, Role.SUPERVISOR) else None})
            return total, out

    def notices(self, kind: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        with self.store.read() as session:
            return session.rows("notices", {"kind": kind} if kind else None, order_by="-seq", limit=limit,
                                offset=offset)

    def parties(self, actor: Actor, kind: str | None = None) -> list[dict[str, Any]]:
        with self.store.read() as session:
            rows = session.rows("parties", {"kind": kind} if kind else None, order_by="name")
        if not may_see_personal_data(actor):
            keep = ("party_id", "name", "credit_code", "kind", "qualifications")
            rows = [{k: r[k] for k in keep} for r in rows]
        return rows

    def party(self, actor: Actor, party_id: str) -> dict[str, Any]:
        """One company; its accounts and contacts only for staff, supervisors and the company itself."""
        with self.store.read() as session:
            row = session.row("parties", party_id)
        if row is None:
            raise not_found("单位", party_id)
        if not may_see_personal_data(actor) and actor.party_id != party_id:
            keep = ("party_id", "name", "credit_code", "kind", "qualifications")
            row = {k: row[k] for k in keep}
        return row

    def persons(self, actor: Actor) -> list[dict[str, Any]]:
        if actor.role not in (Role.STAFF, Role.SUPERVISOR):
            raise forbidden("您无权查看人员信息", "You may not see people's records")
        with self.store.read() as session:
            rows = session.rows("persons", order_by="name")
        return rows

    def person(self, actor: Actor, person_id: str) -> dict[str, Any]:
        with self.store.read() as session:
            row = session.row("persons", person_id)
        if row is None:
            raise not_found("人员", person_id)
        if actor.role not in (Role.STAFF, Role.SUPERVISOR) and actor.person_id != person_id:
            row["id_number"] = mask_id_number(row["id_number"])
            row["phone"] = mask_phone(row["phone"] or "")
        return row

    def users(self, actor: Actor) -> list[dict[str, Any]]:
        if actor.role not in (Role.STAFF, Role.SUPERVISOR):
            raise forbidden("您无权查看账号", "You may not list accounts")
        with self.store.read() as session:
            return session.rows("users", order_by="username")

    def warnings(self, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
        if actor.role not in (Role.STAFF, Role.SUPERVISOR):
            raise forbidden("您无权查看预警", "You may not see rule warnings")
        with self.store.read() as session:
            return session.rows("rule_warnings", order_by="-seq", limit=limit)


def require(condition: bool, refusal: Refusal) -> None:
    if not condition:
        raise refusal
