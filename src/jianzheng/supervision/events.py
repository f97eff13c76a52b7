"""The witnessed event types that trigger real-time indicators, named exactly as the platform records them.

The domain's decisions emit these types (``event(state, "lot.…")`` in
`jianzheng.domain.decisions`, registrations in `jianzheng.domain.registry`); the services
layer calls `jianzheng.supervision.runner.run_realtime` with one of them after the event is
appended, and an indicator lists the ones it reacts to. A test checks every name here
against the projections, so a renamed event cannot silently stop an indicator.
"""

from __future__ import annotations

# Registration (not lot-specific).
PARTY_REGISTERED = "party.registered"  # an enterprise registered (单位登记)
PERSON_REGISTERED = "person.registered"  # a person registered (人员登记)
USER_SIGNED_IN = "user.signed_in"  # an account signed in (登录)

# The life of a lot (标段), in order.
LOT_REGISTERED = "lot.registered"  # project and lot registered (项目登记)
LOT_DOCUMENTS_COMPILED = "lot.documents_compiled"  # tender documents compiled (招标文件编制)
LOT_DOCUMENTS_CONFIRMED = "lot.documents_confirmed"  # confirmed by the tenderer (招标人确认)
LOT_DOCUMENTS_FILED = "lot.documents_filed"  # filed with the supervisor (备案)
LOT_ANNOUNCED = "lot.announced"  # announcement published, sale period and bid deadline set (招标公告)
LOT_CLARIFICATION_ISSUED = "lot.clarification_issued"  # clarification or amendment (澄清与修改)
LOT_DEADLINE_EXTENDED = "lot.deadline_extended"  # bid deadline moved (截止时间顺延)
LOT_BIDDER_REGISTERED = "lot.bidder_registered"  # a bidder registered for the lot (投标报名)
LOT_DEPOSIT_PAID = "lot.deposit_paid"  # a bid deposit was paid (缴纳投标保证金)
LOT_BID_SUBMITTED = "lot.bid_submitted"  # an encrypted bid arrived, with its fingerprint and upload IP (递交投标文件)
LOT_BID_WITHDRAWN = "lot.bid_withdrawn"  # a bid was withdrawn (撤回投标)
LOT_OPENED = "lot.opened"  # bids decrypted and opened, prices published (开标)
LOT_FAILED = "lot.failed"  # failed tender, e.g. fewer than three bids (流标)
LOT_RETENDERED = "lot.retendered"  # a new round of the same lot (重新招标)
LOT_COMMITTEE_FORMED = "lot.committee_formed"  # evaluation committee drawn (组建评标委员会)
LOT_SCORE_SUBMITTED = "lot.score_submitted"  # one expert scored one bid (专家评分)
LOT_BID_REJECTED = "lot.bid_rejected"  # a bid was disqualified in evaluation (否决投标)
LOT_EVALUATION_REPORTED = "lot.evaluation_reported"  # evaluation report with ranks and scores (评标报告)
LOT_CANDIDATES_PUBLISHED = "lot.candidates_published"  # winning candidates published (中标候选人公示)
LOT_AWARDED = "lot.awarded"  # award decided (定标、中标通知)
LOT_CONTRACT_SIGNED = "lot.contract_signed"  # contract signed (合同签订)
LOT_DEPOSIT_REFUNDED = "lot.deposit_refunded"  # a bid deposit was refunded (退还保证金)
LOT_COMPLETED = "lot.completed"  # the lot is closed (完成)
LOT_CANCELLED = "lot.cancelled"  # the tender was cancelled (终止)
RULE_WARNING = "rule.warning"  # a statutory rule in warn mode was broken (业务流程预警)

ALL = (
    PARTY_REGISTERED,
    PERSON_REGISTERED,
    USER_SIGNED_IN,
    LOT_REGISTERED,
    LOT_DOCUMENTS_COMPILED,
    LOT_DOCUMENTS_CONFIRMED,
    LOT_DOCUMENTS_FILED,
    LOT_ANNOUNCED,
    LOT_CLARIFICATION_ISSUED,
    LOT_DEADLINE_EXTENDED,
    LOT_BIDDER_REGISTERED,
    LOT_DEPOSIT_PAID,
    LOT_BID_SUBMITTED,
    LOT_BID_WITHDRAWN,
    LOT_OPENED,
    LOT_FAILED,
    LOT_RETENDERED,
    LOT_COMMITTEE_FORMED,
    LOT_SCORE_SUBMITTED,
    LOT_BID_REJECTED,
    LOT_EVALUATION_REPORTED,
    LOT_CANDIDATES_PUBLISHED,
    LOT_AWARDED,
    LOT_CONTRACT_SIGNED,
    LOT_DEPOSIT_REFUNDED,
    LOT_COMPLETED,
    LOT_CANCELLED,
    RULE_WARNING,
)
