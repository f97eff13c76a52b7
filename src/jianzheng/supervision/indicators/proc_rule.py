"""PROC-RULE business-process warning (业务流程预警): a statutory rule in warn mode was broken.

The platform checks the statutory rules when a command is given (domain.md's table). A
rule configured as a *warning* lets the command through and records a ``rule.warning``
event with the rule, its article and the facts. Supervisors must see each one as an
alert, with the article: the supervision desk raises it the moment the event is appended
(`alert_for_warning`), and the batch finds the same alerts — with the same ids, so
nothing is raised twice — from the ``rule_warnings`` frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from jianzheng.supervision.alert import Alert, AlertParty, Severity, evidence
from jianzheng.supervision.context import Context
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "PROC-RULE"


class Settings(IndicatorSettings):
    severity: Severity = Field(default="medium", description="Severity of a rule warning's alert.")
    severity_by_rule: dict[str, Severity] = Field(
        default={"regs26.basic-account": "high", "law34.opening-late": "low"},
        description="Severity per rule code, overriding `severity` (a deposit not paid from the bidder's "
        "basic account is also a sign of Regs 40(6); a late opening seldom is).",
    )


def _parties(facts: Mapping[str, Any]) -> tuple[AlertParty, ...]:
    """The parties the facts name: any ``…bidder_id`` key (the bidder, a related bidder …)."""
    found: list[AlertParty] = []
    for key in sorted(facts):
        value = facts[key]
        if key.endswith("bidder_id") and isinstance(value, str) and value:
            found.append(AlertParty(value, key.removesuffix("_id")))
    return tuple(found)


def alert_for_warning(seq: int, lot_id: str | None, rule: str, article: str, text_zh: str, text_en: str,
                      facts: Mapping[str, Any], settings: Settings | None = None) -> Alert:
    """The alert for one ``rule.warning`` event (its ledger position, lot and payload)."""
    chosen = settings or Settings()
    return Alert(
        indicator=CODE,
        severity=chosen.severity_by_rule.get(rule, chosen.severity),
        subject="lot",
        subject_id=lot_id or f"seq:{seq}",
        lot_ids=(lot_id,) if lot_id else (),
        parties=_parties(facts),
        explanation_zh=f"业务流程预警：{text_zh}（{article}）",
        explanation_en=f"Process warning: {text_en} ({article})",
        evidence=(
            evidence("rule", rule, [seq]),
            evidence("article", article),
            evidence("facts", dict(facts), [seq]),
        ),
    )


@indicator(
    code=CODE,
    name_zh="业务流程预警",
    name_en="Statutory rule warning",
    basis="招标投标法及其实施条例中设为预警的规则（见 docs/rules.md）/ the warn-mode statutory rules",
    reads=("rule_warnings",),
    settings=Settings,
)
def rule_warnings(ctx: Context, settings: Settings) -> list[Alert]:
    frame = ctx.frames.rule_warnings
    in_scope = set(ctx.lots_in_scope()["lot_id"].to_list())
    known = set(ctx.frames.lots["lot_id"].to_list())
    alerts: list[Alert] = []
    for row in frame.sort("event_seq").iter_rows(named=True):
        lot_id = row["lot_id"]
        # A warning on a lot the global settings leave out (e.g. cancelled) is left out too.
        if lot_id and lot_id in known and lot_id not in in_scope:
            continue
        facts = json.loads(row["facts"]) if row["facts"] else {}
        alerts.append(alert_for_warning(int(row["event_seq"]), lot_id, row["rule"], row["article"] or "",
                                        row["text_zh"] or "", row["text_en"] or "", facts, settings))
    return alerts
