"""Alerts (预警): what an indicator returns, with the evidence a supervisor acts on.

An alert is plain data: JSON-serialisable, money in integer fen, no NaN or infinity. Its id
is a hash of the indicator code, the subject, the lots and the key evidence, so running the
batch twice over the same history yields the same ids and the alert store does not
duplicate them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeAlias

Severity = Literal["info", "low", "medium", "high"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high")

# What the alert is about: a lot, or a party in one of its roles (bidder 投标人,
# tenderer 招标人 = OCDS buyer, agency 招标代理机构 = OCDS procuring entity).
# An expert (评标专家) or another person is the subject of watch-list and evaluator alerts.
Subject = Literal["lot", "bidder", "tenderer", "agency", "expert", "person"]

JsonValue: TypeAlias = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


class AlertDataError(ValueError):
    """An alert was built with data that cannot be stored or serialised."""


def clean_json(value: Any) -> JsonValue:
    """Return ``value`` as JSON-safe data, refusing NaN/inf and unknown types.

    Floats are rounded to 10 significant decimals so the alert id does not depend on the
    last bit of a floating-point sum.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AlertDataError(f"证据中含有非有限数值 {value}。 / Evidence holds a non-finite number {value}.")
        return round(value, 10)
    if isinstance(value, Mapping):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    # numpy scalars and the like expose item(); accept them without importing numpy here.
    item = getattr(value, "item", None)
    if callable(item):
        return clean_json(item())
    raise AlertDataError(
        f"证据中含有无法序列化的类型 {type(value).__name__}。"
        f" / Evidence holds a value of type {type(value).__name__} that is not JSON."
    )


@dataclass(frozen=True)
class Evidence:
    """One structured fact behind an alert, with the witnessed events that show it."""

    fact: str
    value: JsonValue
    event_seqs: tuple[int, ...] = ()

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "fact": self.fact,
            "value": clean_json(self.value),
            "event_seqs": [int(s) for s in self.event_seqs],
        }


@dataclass(frozen=True)
class AlertParty:
    """A party involved in an alert and the part it plays (e.g. ``winner``)."""

    party_id: str
    role: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"party_id": self.party_id, "role": self.role}


@dataclass(frozen=True)
class Alert:
    """One red flag raised by one indicator."""

    indicator: str
    severity: Severity
    subject: Subject
    subject_id: str
    lot_ids: tuple[str, ...]
    parties: tuple[AlertParty, ...]
    explanation_zh: str
    explanation_en: str
    evidence: tuple[Evidence, ...]
    value: float | None = None
    person_ids: tuple[str, ...] = ()
    key_facts: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise AlertDataError(
                f"严重程度 {self.severity} 无效，应为 {SEVERITIES} 之一。"
                f" / Severity {self.severity} is not one of {SEVERITIES}."
            )
        if self.value is not None and not math.isfinite(self.value):
            raise AlertDataError(f"预警值 {self.value} 不是有限数。 / Alert value {self.value} is not finite.")
        for item in self.evidence:
            clean_json(item.value)

    @property
    def party_ids(self) -> tuple[str, ...]:
        """The distinct party ids involved, in first-seen order."""
        return tuple(dict.fromkeys(p.party_id for p in self.parties))

    @cached_property
    def id(self) -> str:
        """Deterministic id: code, subject, lots and the key evidence (all evidence if unset).

        Computed once per alert (the fields are frozen): a batch asks for it when de-duplicating
        and again when serialising, and hashing the evidence of thousands of alerts adds up.
        """
        keys = set(self.key_facts)
        facts = [e.to_json() for e in self.evidence if not keys or e.fact in keys]
        material = {
            "indicator": self.indicator,
            "subject": [self.subject, self.subject_id],
            "lots": sorted(self.lot_ids),
            "facts": facts,
        }
        encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32]

    def to_json(self) -> dict[str, JsonValue]:
        """The alert as JSON-ready data (the form stored in the ledger and shown in the UI)."""
        return {
            "id": self.id,
            "indicator": self.indicator,
            "severity": self.severity,
            "subject": self.subject,
            "subject_id": self.subject_id,
            "lot_ids": list(self.lot_ids),
            "party_ids": list(self.party_ids),
            "parties": [p.to_json() for p in self.parties],
            "person_ids": list(self.person_ids),
            "value": clean_json(self.value),
            "explanation": {"zh": self.explanation_zh, "en": self.explanation_en},
            "evidence": [e.to_json() for e in self.evidence],
        }


def evidence(fact: str, value: Any, event_seqs: Iterable[int | None] = ()) -> Evidence:
    """Build an `Evidence`, cleaning the value and dropping null event sequence numbers."""
    seqs = tuple(sorted({int(s) for s in event_seqs if s is not None}))
    return Evidence(fact=fact, value=clean_json(value), event_seqs=seqs)


def dedupe(alerts: Sequence[Alert]) -> list[Alert]:
    """Drop alerts whose id was already seen, keeping the first."""
    seen: set[str] = set()
    unique: list[Alert] = []
    for alert in alerts:
        if alert.id not in seen:
            seen.add(alert.id)
            unique.append(alert)
    return unique
