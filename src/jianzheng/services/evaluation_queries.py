"""The read side of the evaluation (issue 7): telemetry, deviations, questions and the report.

Who sees what (services.policy): the committee's working record — page views, deviation
reasons, who asked which question — is for the center, supervisors and the members (each
member sees their own page views); a bidder sees the questions put to it, never who asked;
the report with its signatures and dissents is for the center, supervisors and the
members, for the lot's tenderer and agency once reported, and for everyone who may see the
lot once the result is published — with the members named only then (Law 37).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.context import Context
from jianzheng.domain.decisions.evaluation import deviation_threshold, deviations
from jianzheng.domain.errors import forbidden, not_found
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.lot import LotState, fold
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor
from jianzheng.services.platform import Platform, lot_parties
from jianzheng.services.policy import RESULT_STAGES, LotParties, may_see_experts, may_see_lot, may_see_review

REPORTED_STAGES = frozenset({Stage.EVALUATED}) | RESULT_STAGES


class EvaluationQueries:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.store = platform.store

    def _state(self, lot_id: str) -> tuple[LotState, LotParties]:
        with self.store.read() as session:
            state = fold(lot_id, session.lot_events(lot_id))
        if not state.exists:
            raise not_found("标段", lot_id)
        return state, lot_parties(state)

    def telemetry(self, actor: Actor, lot_id: str) -> dict[str, Any]:
        """The page views as reported, and per member and bid: pages seen and seconds spent."""
        state, parties = self._state(lot_id)
        if not may_see_review(actor, parties):
            raise forbidden("评审阅读记录仅对交易中心、监督部门和评标委员会开放",
                            "Review telemetry is for the center, supervisors and the committee")
        where: dict[str, Any] = {"lot_id": lot_id}
        if actor.role is Role.EXPERT:
            where["person_id"] = actor.person_id
        with self.store.read() as session:
            views = session.rows("review_page_views", where, order_by="seq")
        summary: dict[tuple[str, str], dict[str, Any]] = {}
        for v in views:
            row = summary.setdefault((v["person_id"], v["bid_id"]), {
                "person_id": v["person_id"], "bid_id": v["bid_id"], "seconds": 0, "pages": set(), "views": 0})
            row["seconds"] += v["seconds"]
            row["pages"].add((v["document"], v["page"]))
            row["views"] += 1
        return {"views": views, "summary": [{**row, "pages": len(row["pages"])} for _, row in sorted(summary.items())]}

    def deviations(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        """Scores beyond the threshold (each member sees their own; the center and supervisors all)."""
        state, parties = self._state(lot_id)
        if not may_see_review(actor, parties):
            raise forbidden("您无权查看评分偏离", "You may not see the score deviations")
        procedure = self.platform.procedure(state.procedure)
        ctx = Context(now=self.platform.clock.now(), procedure=procedure, new_id=self.platform.ids)
        found = deviations(state, deviation_threshold(state, ctx))
        if actor.role is Role.EXPERT:
            found = [d for d in found if d["person_id"] == actor.person_id]
        return found

    def questions(self, actor: Actor, lot_id: str) -> list[dict[str, Any]]:
        state, parties = self._state(lot_id)
        with self.store.read() as session:
            rows = session.rows("evaluation_questions", {"lot_id": lot_id}, order_by="asked_at")
        if may_see_review(actor, parties):
            return rows
        if actor.role is Role.BIDDER and actor.party_id:
            # The bidder sees what the committee asked it, not which member asked (Law 37).
            return [{k: v for k, v in r.items() if k != "asked_by"} for r in rows if r["bidder_id"] == actor.party_id]
        raise forbidden("您无权查看询标记录", "You may not see the committee's questions")

    def report(self, actor: Actor, lot_id: str) -> dict[str, Any]:
        """The evaluation report: ranking, formula, deviations with reasons, signatures and dissents."""
        state, parties = self._state(lot_id)
        owner = actor.party_id is not None and actor.party_id in (parties.tenderer_id, parties.agency_id)
        allowed = (may_see_review(actor, parties) or (owner and parties.stage in REPORTED_STAGES)
                   or (parties.stage in RESULT_STAGES and may_see_lot(actor, parties)))
        if not allowed:
            raise forbidden("评标报告在中标候选人公示前不公开",
                            "The evaluation report is not public before the candidates")
        with self.store.read() as session:
            reported = [e for e in session.lot_events(lot_id) if e.type == "lot.evaluation_reported"]
            signatures = session.rows("report_signatures", {"lot_id": lot_id, "round": state.round}, order_by="seq")
            views = session.rows("review_page_views", {"lot_id": lot_id})
        if not reported or state.reported_at is None:
            raise not_found("评标报告", lot_id, "evaluation report")
        report = dict(reported[-1].payload)
        names = may_see_experts(actor, parties) or may_see_review(actor, parties)
        signed = {s["person_id"]: s for s in signatures}
        seconds: dict[str, int] = defaultdict(int)
        for v in views:
            seconds[v["person_id"]] += v["seconds"]
        # Unnamed, members are numbered in the order of their ids, as in the scores the tenderer sees.
        number = {p: f"成员{i}" for i, p in enumerate(sorted(m.person_id for m in state.committee), start=1)}
        rows = []
        for m in state.committee:
            s = signed.get(m.person_id)
            rows.append({"kind": m.kind, "chair": m.chair, "person_id": m.person_id if names else number[m.person_id],
                         "signed": s is not None, "agrees": s["agrees"] if s else None,
                         "dissent": s["dissent"] if s else None, "signed_at": s["signed_at"] if s else None,
                         "review_seconds": seconds.get(m.person_id, 0),
                         # Regs 53: a member who neither signs nor writes a dissent is deemed to agree.
                         "deemed_to_agree": s is None})
        if not names:
            report["members"] = [number[m.person_id] for m in state.committee]
            report["deviations"] = [{k: v for k, v in d.items() if k != "person_id"}
                                    for d in report.get("deviations", [])]
        method = state.evaluation.method
        return {"lot_id": lot_id, "reported_at": format_instant(state.reported_at),
                "report": report, "members": rows,
                "signatures_required": bool(method.signatures_required) if method is not None else False,
                "all_signed": all(r["signed"] for r in rows), "dissents": [r for r in rows if r["agrees"] is False]}
