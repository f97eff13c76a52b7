"""The kinds of misconduct the simulator plants, each with its legal basis and default rate.

A kind is data: its code (the `kind` of a label), names in Chinese and English, the
article it breaks, the family that decides how it is planted, and the default rate. The
rate is the share of all lots on which the kind is planted, except for `bid_rotation`,
whose rate is the share of cartels that rotate the winner among their members. A new kind
(experts who score without reading, watch-listed parties signing in) is added here with a
planting rule in `jianzheng.simulate.tender`; `SimulationConfig` picks it up by its code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    name_zh: str
    name_en: str
    basis: str
    family: str  # ring (Regs 40 signs in a collusion ring), cartel, evaluation, deadline
    default_rate: float
    how_it_shows: str


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("same_preparer", "不同投标人的投标文件由同一单位或者个人编制", "Bids prepared by the same person or machine",
         "招标投标法实施条例第四十条第一项 / Regs 40 (1)", "ring", 0.025,
         "bids of ring members carry the same machine code, MAC, CPU id and disk serial, or were "
         "uploaded from the same IP address"),
    Kind("same_agent", "不同投标人委托同一单位或者个人办理投标事宜", "Bidders entrusted the same agent",
         "招标投标法实施条例第四十条第二项 / Regs 40 (2)", "ring", 0.025,
         "the bids name the same authorised representative, or different names with the same phone"),
    Kind("same_staff", "不同投标人的投标文件载明的项目管理成员为同一人",
         "The same project manager or key staff named in different bids",
         "招标投标法实施条例第四十条第三项 / Regs 40 (3)", "ring", 0.025,
         "a ring member names another member's registered project manager or key staff in its bid"),
    Kind("consistent_documents", "不同投标人的投标文件异常一致", "Abnormally consistent bid documents",
         "招标投标法实施条例第四十条第四项 / Regs 40 (4)", "ring", 0.025,
         "technical proposals copied with the same rare typos, identical bill-of-quantities unit prices"),
    Kind("progressive_prices", "不同投标人的投标报价呈规律性差异", "Bid prices with regular differences",
         "招标投标法实施条例第四十条第四项 / Regs 40 (4)", "ring", 0.02,
         "three or more ring members' prices in arithmetic or geometric progression"),
    Kind("mixed_documents", "不同投标人的投标文件相互混装", "Bid documents mixed up between bidders",
         "招标投标法实施条例第四十条第五项 / Regs 40 (5)", "ring", 0.02,
         "one member's technical proposal and uploaded file name another member as the bidder"),
    Kind("same_deposit_account", "不同投标人的投标保证金从同一单位或者个人的账户转出",
         "Deposits of different bidders paid from the same account",
         "招标投标法实施条例第四十条第六项 / Regs 40 (6)", "ring", 0.025,
         "the ring leader's basic account pays every member's deposit"),
    Kind("cover_bidding", "关联企业参加同一标段投标（陪标）", "Related companies bidding on the same lot (cover bids)",
         "招标投标法实施条例第三十四条 / Regs 34", "cartel", 0.03,
         "companies with the same legal representative or controlling shareholder bid on one lot; "
         "the covers bid high with weak proposals"),
    Kind("bid_rotation", "关联企业轮流中标", "Bid rotation within a cartel of related companies",
         "招标投标法实施条例第三十四条、第三十九条 / Regs 34, 39", "cartel", 1.0,
         "across a cartel's lots the designated winner changes in turn; the rate is the share of "
         "cartels that rotate"),
    Kind("evaluator_bias", "评标专家倾向性打分", "An evaluator favours one bidder",
         "招标投标法实施条例第四十九条 / Regs 49", "evaluation", 0.03,
         "one expert gives one bidder near-full technical marks and presses the others far below "
         "the other experts' scores"),
    Kind("review_skipped", "评标专家未认真阅读投标文件即打分", "An expert scores without reading the bids",
         "招标投标法实施条例第四十九条 / Regs 49", "evaluation", 0.03,
         "the expert's document viewer reports one to three pages per bid, each open for a few seconds "
         "(lot.review_pages_viewed), while the other members spend minutes per page"),
    Kind("short_bidding_period", "投标期限不足二十日", "Bidding period shorter than 20 days",
         "招标投标法第二十四条 / Law 24", "deadline", 0.02,
         "the announcement sets the deadline 12-17 days after the documents' first issue; a "
         "rule.warning law24.issue-to-deadline is recorded"),
    Kind("late_contract", "中标通知书发出后三十日内未订立合同", "Contract signed more than 30 days after the award",
         "招标投标法第四十六条 / Law 46", "deadline", 0.03,
         "the contract is signed 35-55 days after the award; a rule.warning law46.contract-deadline"),
    Kind("late_deposit_refund", "合同签订后五日内未退还投标保证金",
         "Deposits refunded more than 5 days after the contract",
         "招标投标法实施条例第五十七条 / Regs 57", "deadline", 0.03,
         "some deposits are refunded 8-20 days after the contract; rule.warning regs57.deposit-refund"),
)}

RING_KINDS = tuple(k.code for k in KINDS.values() if k.family == "ring")


def default_rates() -> dict[str, float]:
    """Every kind at its default rate (a fresh dict, so configurations never share one)."""
    return {code: kind.default_rate for code, kind in KINDS.items()}
