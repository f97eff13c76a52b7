"""The statutory rules the platform checks, each with its article (domain.md's table).

A rule is either blocking (the command is refused, citing the article) or a warning (the
command goes through and a `rule.warning` event records what was broken). Which one is
configured per procedure; the default is given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RuleMode(StrEnum):
    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True)
class Rule:
    """A statutory rule: stable code, article, what it requires in Chinese and English."""

    code: str
    article: str
    text_zh: str
    text_en: str
    default_mode: RuleMode


def _rule(code: str, article: str, text_zh: str, text_en: str, mode: RuleMode) -> Rule:
    return Rule(code, article, text_zh, text_en, mode)


B, W = RuleMode.BLOCK, RuleMode.WARN

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        _rule("law24.issue-to-deadline", "招标投标法第二十四条 / Law 24",
              "自招标文件开始发出之日起至投标截止之日止，最短不得少于二十日",
              "At least 20 days from the first issue of tender documents to the bid deadline", B),
        _rule("regs16.sale-period", "招标投标法实施条例第十六条 / Regs 16",
              "招标文件的发售期不得少于五日",
              "Tender documents are on sale for at least 5 days", B),
        _rule("law23.late-amendment", "招标投标法第二十三条、实施条例第二十一条 / Law 23, Regs 21",
              "可能影响投标文件编制的澄清或修改，应在投标截止时间至少十五日前发出，不足的应顺延截止时间",
              "A clarification or amendment that may affect bids is issued at least 15 days before "
              "the deadline; otherwise the deadline moves", B),
        _rule("regs22.objection-deadline", "招标投标法实施条例第二十二条 / Regs 22",
              "对招标文件有异议的，应在投标截止时间十日前提出",
              "Objections to tender documents are raised at least 10 days before the deadline", B),
        _rule("regs22.objection-answer", "招标投标法实施条例第二十二条 / Regs 22",
              "招标人应自收到异议之日起三日内作出答复；作出答复前，应暂停招标投标活动",
              "The tenderer answers an objection within 3 days; activity is suspended until then", W),
        _rule("regs26.deposit-ratio", "招标投标法实施条例第二十六条 / Regs 26",
              "投标保证金不得超过招标项目估算价的百分之二",
              "The bid deposit is at most 2% of the estimated price", B),
        _rule("regs26.basic-account", "招标投标法实施条例第二十六条 / Regs 26",
              "投标保证金应从投标人的基本账户转出",
              "The bid deposit is paid from the bidder's basic bank account", W),
        _rule("order20.late-bid", "电子招标投标办法第二十八条 / Order 20 Art. 28",
              "投标截止时间后送达的投标文件，电子招标投标交易平台应当拒收",
              "Bids arriving after the deadline are refused", B),
        _rule("law34.opening-time", "招标投标法第三十四条 / Law 34",
              "开标应当在招标文件确定的提交投标文件截止时间的同一时间公开进行",
              "The opening takes place at the bid deadline, not before", B),
        _rule("law34.opening-late", "招标投标法第三十四条 / Law 34",
              "开标应当在投标截止时间的同一时间进行，不得拖延",
              "The opening takes place at the bid deadline, not long after", W),
        _rule("regs34.related-bidders", "招标投标法实施条例第三十四条 / Regs 34",
              "单位负责人为同一人或者存在控股、管理关系的不同单位，不得参加同一标段投标",
              "Companies with the same legal representative or a control relation may not bid "
              "on the same lot", B),
        _rule("law37.committee", "招标投标法第三十七条 / Law 37",
              "评标委员会成员人数为五人以上单数，其中技术、经济等方面的专家不得少于成员总数的三分之二",
              "The committee has 5 or more members, an odd number, at least two thirds experts", B),
        _rule("regs46.expert-avoidance", "招标投标法实施条例第四十六条 / Regs 46",
              "与投标人、招标人或招标代理机构有利害关系的人不得进入相关项目的评标委员会",
              "A person with an interest in a bidder, the tenderer or the agency may not sit on the lot's committee",
              B),
        _rule("regs54.publish-candidates", "招标投标法实施条例第五十四条 / Regs 54",
              "招标人应当自收到评标报告之日起三日内公示中标候选人",
              "Candidates are published within 3 days of the evaluation report", W),
        _rule("regs54.publicity-period", "招标投标法实施条例第五十四条 / Regs 54",
              "中标候选人公示期不得少于三日",
              "Candidates are published for at least 3 days", B),
        _rule("regs55.first-candidate", "招标投标法实施条例第五十五条 / Regs 55",
              "国有资金占控股或者主导地位的项目，招标人应当确定排名第一的中标候选人为中标人",
              "For state-funded projects the first-ranked candidate wins unless it withdraws or "
              "is disqualified", B),
        _rule("law46.contract-deadline", "招标投标法第四十六条 / Law 46",
              "招标人和中标人应当自中标通知书发出之日起三十日内订立书面合同",
              "The contract is signed within 30 days of the award notice", W),
        _rule("regs57.deposit-refund", "招标投标法实施条例第五十七条 / Regs 57",
              "招标人最迟应当在书面合同签订后五日内退还投标保证金及银行同期存款利息",
              "Bid deposits with interest are refunded within 5 days after the contract", W),
        _rule("regs58.performance-bond", "招标投标法实施条例第五十八条 / Regs 58",
              "履约保证金不得超过中标合同金额的百分之十",
              "The performance bond is at most 10% of the contract price", B),
        _rule("regs60.complaint-deadline", "招标投标法实施条例第六十条 / Regs 60",
              "投诉应当自知道或者应当知道之日起十日内提出",
              "A complaint is filed within 10 days of knowing", B),
        _rule("regs61.complaint-acceptance", "招标投标法实施条例第六十一条 / Regs 61",
              "行政监督部门应当自收到投诉之日起三个工作日内决定是否受理",
              "The supervisor decides on accepting a complaint within 3 working days", W),
        _rule("regs61.complaint-decision", "招标投标法实施条例第六十一条 / Regs 61",
              "行政监督部门应当自受理投诉之日起三十个工作日内作出书面处理决定",
              "The supervisor decides a complaint within 30 working days of accepting it", W),
    )
}
