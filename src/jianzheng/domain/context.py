"""What a decision may consult besides the aggregate: time, procedure, party facts, ids.

Decisions are pure functions of (state, command, context). The context is built by the
service layer; here it is only data and two helpers — `check` applies a statutory rule
in its configured mode, `new_id` gives identifiers from an injected generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jianzheng.domain.calendar import format_instant
from jianzheng.domain.credit import CreditSanction
from jianzheng.domain.errors import Refusal
from jianzheng.domain.events import EventDraft
from jianzheng.domain.procedures import Procedure
from jianzheng.domain.rules import RULES, RuleMode


@dataclass(frozen=True)
class PartyFacts:
    """What the rules need to know about an enterprise (Regs 26, Regs 34)."""

    party_id: str
    name: str
    legal_representative_id: str
    basic_account: str
    # shareholder id -> share in basis points (1/10000); a holding over 5000 is control
    shareholders: Mapping[str, int] = field(default_factory=dict)
    sanctioned_until: datetime | None = None
    sanction_reason: str | None = None
    # Unrevoked credit records whose sanction bars bidding (一处失信，处处受限), in any period.
    sanctions: tuple[CreditSanction, ...] = ()


@dataclass
class Context:
    now: datetime
    procedure: Procedure
    new_id: Callable[[str], str]
    actor_party_id: str | None = None
    actor_person_id: str | None = None
    parties: Mapping[str, PartyFacts] = field(default_factory=dict)

    def check(self, rule_code: str, holds: bool, stream: str, facts: dict[str, Any]) -> list[EventDraft]:
        """Apply a rule: nothing if it holds; refuse if blocking; a warning event if not."""
        if holds:
            return []
        rule = RULES[rule_code]
        if self.procedure.mode(rule_code) is RuleMode.BLOCK:
            raise Refusal(
                f"rule.{rule_code}",
                f"{rule.text_zh}（{rule.article}）",
                f"{rule.text_en} ({rule.article})",
                article=rule.article,
                status=409,
                details=facts,
            )
        return [
            EventDraft(
                "rule.warning",
                stream,
                {"rule": rule_code, "article": rule.article, "text_zh": rule.text_zh,
                 "text_en": rule.text_en, "facts": facts, "at": format_instant(self.now)},
            )
        ]
