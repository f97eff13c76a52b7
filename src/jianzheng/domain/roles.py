"""The roles of the people who use a trading center's platform (domain.md, "Who uses it")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user account's role; one account has exactly one."""

    STAFF = "staff"  # 交易中心工作人员
    SUPERVISOR = "supervisor"  # 行政监督部门
    TENDERER = "tenderer"  # 招标人
    AGENCY = "agency"  # 招标代理机构
    BIDDER = "bidder"  # 投标人
    EXPERT = "expert"  # 评标专家
    PUBLIC = "public"  # 社会公众
    WITNESS = "witness"  # 见证机构（公证机构等）：核对账本，不参与交易
    SYSTEM = "system"  # the platform itself (timers, imports)

    @property
    def label_zh(self) -> str:
        return ROLE_LABELS_ZH[self]


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.STAFF: "交易中心工作人员",
    Role.SUPERVISOR: "行政监督人员",
    Role.TENDERER: "招标人",
    Role.AGENCY: "招标代理机构",
    Role.BIDDER: "投标人",
    Role.EXPERT: "评标专家",
    Role.PUBLIC: "社会公众",
    Role.WITNESS: "见证机构",
    Role.SYSTEM: "系统",
}
