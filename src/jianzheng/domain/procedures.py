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
class Sealing:
    """Sealed bids (Order 20 Art. 25–31): whether required, the key-release window, the size limit."""

    required: bool = False
    release_window_minutes: int = 30
    max_envelope_mb: int = 50


@dataclass(frozen=True)
class EvaluationSettings:
    """Evaluation (issue 7): the score-deviation threshold and the expert-avoidance window.

    An expert whose score on a factor departs from the other members' mean by more than
    ``deviation_threshold_percent`` of the factor's maximum must give a written reason
    before the report (seed 001). An expert who already evaluated ``avoid_max_times`` times
    for the same tenderer or agency within ``avoid_days`` days is not drawn for it again.
    """

    deviation_threshold_percent: Decimal = Decimal(20)
    avoid_max_times: int = 3
    avoid_days: int = 90


_EVALUATION_KEYS = {"deviation_threshold_percent", "avoid_max_times", "avoid_days"}


def _evaluation(raw: dict[str, Any], source: str) -> EvaluationSettings:
    unknown = set(raw) - _EVALUATION_KEYS
    if unknown:
        raise _bad_config(source, f"unknown evaluation key {sorted(unknown)[0]}")
    found = EvaluationSettings(
        deviation_threshold_percent=Decimal(str(raw.get("deviation_threshold_percent", "20"))),
        avoid_max_times=int(raw.get("avoid_max_times", 3)),
        avoid_days=int(raw.get("avoid_days", 90)))
    if not Decimal(0) < found.deviation_threshold_percent <= Decimal(100):
        raise _bad_config(source, "deviation_threshold_percent must be within (0, 100]")
    if found.avoid_max_times < 0 or found.avoid_days <= 0:
        raise _bad_config(source, "avoid_max_times must not be negative and avoid_days must be positive")
    return found


@dataclass(frozen=True)
class Procedure:
    """One procedure's whole configuration."""

    code: str
    name_zh: str
    name_en: str
    periods: Periods
    limits: Limits
    modes: dict[str, RuleMode]
    sealing: Sealing = Sealing()
    evaluation: EvaluationSettings = EvaluationSettings()

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
        raw_sealing = data.get("sealing", {})
        unknown = set(raw_sealing) - {"required", "release_window_minutes", "max_envelope_mb"}
        if unknown:
            raise _bad_config(source, f"unknown sealing key {sorted(unknown)[0]}")
        sealing = Sealing(required=bool(raw_sealing.get("required", False)),
                          release_window_minutes=int(raw_sealing.get("release_window_minutes", 30)),
                          max_envelope_mb=int(raw_sealing.get("max_envelope_mb", 50)))
        if sealing.release_window_minutes <= 0 or sealing.max_envelope_mb <= 0:
            raise _bad_config(source, "sealing window and size limit must be positive")
        return Procedure(
            sealing=sealing,
            evaluation=_evaluation(data.get("evaluation", {}), source),
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
