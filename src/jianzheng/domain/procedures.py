"""Per-procedure configuration: statutory durations, limits and rule modes, read from TOML.

Durations belong in configuration, not in code (domain.md): provinces and procedures use
different values. The packaged file for open construction tenders is the default; a
center can point `JIANZHENG_PROCEDURES_DIR` at its own folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jianzheng.domain.errors import Refusal
from jianzheng.domain.rules import RULES, RuleMode

DEFAULT_PROCEDURE = "construction-open"


@dataclass(frozen=True)
class Periods:
    """Statutory periods in days (calendar unless named working days)."""

    min_days_issue_to_deadline: int
    min_sale_days: int
    amendment_min_days_before_deadline: int
    objection_min_days_before_deadline: int
    objection_answer_days: int
    candidates_publish_within_days: int
    candidates_publicity_min_days: int
    contract_within_days: int
    deposit_refund_within_days: int
    complaint_within_days: int
    complaint_accept_working_days: int
    complaint_decide_working_days: int
    opening_grace_minutes: int


@dataclass(frozen=True)
class Limits:
    """Statutory ratios and counts."""

    max_deposit_ratio: Decimal
    max_performance_bond_ratio: Decimal
    min_bids: int
    committee_min_members: int
    committee_min_expert_share: Decimal


@dataclass(frozen=True)
class Procedure:
    """One procedure's whole configuration."""

    code: str
    name_zh: str
    name_en: str
    periods: Periods
    limits: Limits
    modes: dict[str, RuleMode]

    def mode(self, rule_code: str) -> RuleMode:
        return self.modes.get(rule_code, RULES[rule_code].default_mode)


def _bad_config(source: str, problem: str) -> Refusal:
    return Refusal(
        "procedure.invalid",
        f"程序配置文件 {source} 有误：{problem}",
        f"The procedure file {source} is wrong: {problem}",
        status=500,
    )


def parse_procedure(data: dict[str, Any], source: str) -> Procedure:
    """Build a Procedure from parsed TOML, naming the first missing or wrong key."""
    try:
        periods = Periods(**{k: int(v) for k, v in data["periods"].items()})
        raw_limits = data["limits"]
        limits = Limits(
            max_deposit_ratio=Decimal(str(raw_limits["max_deposit_ratio"])),
            max_performance_bond_ratio=Decimal(str(raw_limits["max_performance_bond_ratio"])),
            min_bids=int(raw_limits["min_bids"]),
            committee_min_members=int(raw_limits["committee_min_members"]),
            committee_min_expert_share=Decimal(str(raw_limits["committee_min_expert_share"])),
        )
        modes: dict[str, RuleMode] = {}
        for rule_code, mode in data.get("rules", {}).items():
            if rule_code not in RULES:
                raise _bad_config(source, f"unknown rule {rule_code}")
            modes[rule_code] = RuleMode(mode)
        return Procedure(
            code=str(data["code"]),
            name_zh=str(data["name_zh"]),
            name_en=str(data["name_en"]),
            periods=periods,
            limits=limits,
            modes=modes,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _bad_config(source, repr(error)) from None


def load_procedure(code: str = DEFAULT_PROCEDURE, directory: Path | None = None) -> Procedure:
    """Load a procedure by code from `directory` or from the packaged defaults."""
    name = f"{code}.toml"
    if directory is not None and (directory / name).is_file():
        path = directory / name
        return parse_procedure(tomllib.loads(path.read_text(encoding="utf-8")), str(path))
    package = resources.files("jianzheng.domain") / "procedures" / name
    if not package.is_file():
        raise Refusal(
            "procedure.unknown",
            f"未知的招标程序：{code}",
            f"Unknown procedure: {code}",
            field="procedure",
            status=422,
        )
    return parse_procedure(tomllib.loads(package.read_text(encoding="utf-8")), name)
