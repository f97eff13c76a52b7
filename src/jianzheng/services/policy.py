"""The one authorization policy: who may do what, and who may see what.

Commands are checked against the actor's role and the lot's own parties (its tenderer,
its agency, its committee). Supervisors see everything but change nothing except their
own acts (filing tender documents, deciding complaints, alerts). Bids are hidden from all
but their bidder until the opening; experts see only the lots they evaluate, from the
evaluation on; the public sees only what is published.
"""

from __future__ import annotations

from dataclasses import dataclass

from jianzheng.domain import commands as c
from jianzheng.domain.errors import Refusal, forbidden
from jianzheng.domain.lifecycle import Stage
from jianzheng.domain.roles import Role
from jianzheng.services.actor import Actor


@dataclass(frozen=True)
class LotParties:
    """The facts about a lot that decide who may act on it and see it."""

    lot_id: str
    stage: Stage
    tenderer_id: str
    agency_id: str | None
    committee: frozenset[str] = frozenset()
    chair: str | None = None
    announced: bool = False
    opened: bool = False


def _owner(actor: Actor, lot: LotParties) -> bool:
    """The tenderer of the lot, or its agency."""
    if actor.role is Role.TENDERER:
        return actor.party_id == lot.tenderer_id
    if actor.role is Role.AGENCY:
        return actor.party_id is not None and actor.party_id == lot.agency_id
    return False


def _tenderer(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.TENDERER and actor.party_id == lot.tenderer_id


def _bidder(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.BIDDER and actor.party_id is not None


def _supervisor(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.SUPERVISOR


def _member(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.EXPERT and actor.person_id in lot.committee


def _chair(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.EXPERT and actor.person_id is not None and actor.person_id == lot.chair


def _staff_or_owner(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.STAFF or _owner(actor, lot)


def _staff(actor: Actor, lot: LotParties) -> bool:
    return actor.role is Role.STAFF


def _bidder_or_staff(actor: Actor, lot: LotParties) -> bool:
    return _bidder(actor, lot) or actor.role is Role.STAFF


def _custodian(actor: Actor, lot: LotParties) -> bool:
    return actor.role in (Role.STAFF, Role.SUPERVISOR)


def _staff_or_system(actor: Actor, lot: LotParties) -> bool:
    return actor.role in (Role.STAFF, Role.SYSTEM)


def _expert_or_staff(actor: Actor, lot: LotParties) -> bool:
    """A drawn expert answering for themself (the decision checks they were called), or staff recording a call."""
    return actor.role is Role.STAFF or (actor.role is Role.EXPERT and actor.person_id is not None)


LOT_RULES = {
    c.CompileDocuments: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
    c.ConfirmDocuments: (_tenderer, "本项目招标人", "the lot's tenderer"),
    c.FileDocuments: (_supervisor, "行政监督部门", "a supervisor"),
    c.PublishAnnouncement: (_staff_or_owner, "招标人、代理机构或交易中心", "the tenderer, agency or center staff"),
    c.IssueClarification: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
    c.RegisterBidder: (_bidder, "投标单位", "a bidding company"),
    c.PayDeposit: (_bidder, "投标单位", "a bidding company"),
    c.SubmitBid: (_bidder, "投标单位", "a bidding company"),
    c.WithdrawBid: (_bidder, "投标单位", "a bidding company"),
    c.RaiseObjection: (_bidder, "投标人或潜在投标人", "a bidder"),
    c.AnswerObjection: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
    c.FileComplaint: (_bidder, "投标人或利害关系人", "a bidder or interested party"),
    c.AcceptComplaint: (_supervisor, "行政监督部门", "a supervisor"),
    c.DecideComplaint: (_supervisor, "行政监督部门", "a supervisor"),
    c.StartHall: (_staff_or_owner, "交易中心或招标代理机构", "center staff, the tenderer or agency"),
    c.SignInHall: (_bidder, "投标单位", "a bidding company"),
    c.RecordDecryption: (_bidder_or_staff, "投标单位或交易中心", "the bidder or center staff"),
    c.RequestEscrow: (_staff, "交易中心工作人员", "center staff"),
    c.SubmitEscrowShare: (_custodian, "托管方（交易中心或监督部门）", "a custodian (center staff or a supervisor)"),
    c.OpenBids: (_staff_or_owner, "交易中心或招标代理机构", "center staff, the tenderer or agency"),
    c.FormCommittee: (_staff, "交易中心工作人员", "center staff"),
    c.SubmitScores: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.RejectBid: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.ReportEvaluation: (_chair, "评标委员会主任委员", "the committee's chair"),
    c.RequestExpertDraw: (_staff, "交易中心工作人员", "center staff"),
    c.RecordExpertDraw: (_staff_or_system, "交易中心工作人员", "center staff"),
    c.AnswerExpertDraw: (_expert_or_staff, "被抽取的专家或交易中心工作人员", "the drawn expert or center staff"),
    c.ExplainDeviation: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.SignReport: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.AskBidder: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.AnswerQuestion: (_bidder, "被询标的投标人", "the bidder asked"),
    c.AcceptLowPrice: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.AdjustPrice: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.RecordReviewPages: (_member, "本标段评标委员会成员", "a member of this lot's committee"),
    c.PublishCandidates: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
    c.Award: (_tenderer, "本项目招标人", "the lot's tenderer"),
    c.SignContract: (_tenderer, "本项目招标人", "the lot's tenderer"),
    c.RefundDeposit: (_staff_or_owner, "招标人、代理机构或交易中心", "the tenderer, agency or center staff"),
    c.Retender: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
    c.CancelLot: (_owner, "招标人或其代理机构", "the tenderer or its agency"),
}


def authorize_lot_command(actor: Actor, lot: LotParties, command: object) -> None:
    """Refuse with 403 unless the actor may give this command on this lot."""
    rule = LOT_RULES.get(type(command))
    if rule is None:
        raise forbidden("不允许的操作", "This operation is not allowed")
    allowed, who_zh, who_en = rule
    if not allowed(actor, lot):
        raise Refusal(
            "forbidden",
            f"此操作只能由{who_zh}执行",
            f"Only {who_en} may do this",
            status=403,
            details={"command": type(command).__name__, "role": actor.role.value},
        )


REGISTRY_ROLES = {
    "party.register": frozenset({Role.STAFF}),
    "person.register": frozenset({Role.STAFF}),
    "user.create": frozenset({Role.STAFF}),
    "project.register": frozenset({Role.STAFF, Role.TENDERER, Role.AGENCY}),
    # The supervision desk: supervisors act on alerts, the watch list and credit records; the
    # center's staff may see them; the platform itself (system) raises alerts.
    "alert.raise": frozenset({Role.SYSTEM, Role.SUPERVISOR}),
    "alert.view": frozenset({Role.STAFF, Role.SUPERVISOR, Role.SYSTEM}),
    "alert.act": frozenset({Role.SUPERVISOR}),
    "watchlist.view": frozenset({Role.STAFF, Role.SUPERVISOR, Role.SYSTEM}),
    "watchlist.manage": frozenset({Role.SUPERVISOR}),
    "credit.view_all": frozenset({Role.STAFF, Role.SUPERVISOR, Role.SYSTEM}),
    "credit.manage": frozenset({Role.SUPERVISOR}),
    "ocds.import": frozenset({Role.STAFF, Role.SYSTEM}),  # published data, witnessed as imports
    # The ledger's raw leaves carry every event's payload (unmasked personal data, bids' digests before the
    # opening): the center, supervisors, witnesses checking the log, and the platform itself.
    "ledger.leaves": frozenset({Role.STAFF, Role.SUPERVISOR, Role.WITNESS, Role.SYSTEM}),
}


def authorize(actor: Actor, action: str) -> None:
    """Refuse with 403 unless the actor's role may perform a registry action."""
    if actor.role not in REGISTRY_ROLES.get(action, frozenset()):
        raise Refusal("forbidden", "您的角色无权执行此操作", f"The role {actor.role.value} may not {action}",
                      status=403, details={"action": action, "role": actor.role.value})


def may_see_lot(actor: Actor, lot: LotParties) -> bool:
    if actor.role in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM):
        return True
    if _owner(actor, lot):
        return True
    if actor.role is Role.EXPERT:
        return actor.person_id in lot.committee
    return lot.announced


def may_see_bid_content(actor: Actor, lot: LotParties, bidder_id: str) -> bool:
    """A bid's content: its bidder always; after the opening the committee, staff and supervisors."""
    if actor.role is Role.BIDDER and actor.party_id == bidder_id:
        return True
    if not lot.opened:
        return False
    return actor.role in (Role.STAFF, Role.SUPERVISOR) or _member(actor, lot)


def may_see_bid_list(actor: Actor, lot: LotParties) -> bool:
    """Who submitted (names, times, digests): before the opening, nobody but each bidder itself."""
    if lot.opened:
        return actor.role is not Role.EXPERT or _member(actor, lot)
    return False


def may_read_log(actor: Actor, lot: LotParties | None) -> bool:
    if actor.role in (Role.STAFF, Role.SUPERVISOR):
        return True
    return lot is not None and _owner(actor, lot)


RESULT_STAGES = frozenset({Stage.CANDIDATES_PUBLISHED, Stage.AWARDED, Stage.CONTRACTED, Stage.COMPLETED})


def may_see_experts(actor: Actor, lot: LotParties) -> bool:
    """Who sits on (or was drawn for) a committee: confidential until the result is published (Law 37).

    The center and supervisors always; anyone who may see the lot once the candidates are
    published. An expert sees their own draw entries through `may_see_own_draw` instead.
    """
    if actor.role in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM):
        return True
    return lot.stage in RESULT_STAGES and may_see_lot(actor, lot)


def may_see_review(actor: Actor, lot: LotParties) -> bool:
    """The committee's working record (page views, deviation reasons, questions with who asked)."""
    return actor.role in (Role.STAFF, Role.SUPERVISOR, Role.SYSTEM) or _member(actor, lot)


def may_see_personal_data(actor: Actor) -> bool:
    return actor.role in (Role.STAFF, Role.SUPERVISOR)
