"""Score detected cases against the planted labels: recall and precision per kind of misconduct.

Detectors are kind-agnostic: a detected case is an indicator code with the lots, parties
and people it names. Which label kinds an indicator's cases are scored against is data
(`indicator_kinds.json`, or any mapping the caller passes), so a new indicator is scored
by adding a line there. Each indicator *detects* some kinds (its cases count towards their
recall) and may *confirm* others: relationship analysis (REGS34) links ring members through
the people and accounts they share, so its case on a ring's lot is a real collusion found,
though not the Regs 34 relation it is named for — a true case, but no credit for Regs 34
recall. The platform's rule-warning alerts (PROC-RULE) are scored per rule, as
``PROC-RULE:<rule code>``.

A detected case matches a label when they share a lot and, where both name parties, at
least two parties (or all of the smaller list, if it names fewer), and, where both name
people, at least one person. Then, per kind K:

- recall = labels of kind K matched by a case of an indicator that detects K, divided by
  the labels of kind K;
- precision = cases of indicators that detect K which match a label of a kind their
  indicator detects or confirms, divided by all cases of those indicators.

A kind without labels has no recall; a kind without cases has no precision (None).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jianzheng.domain.errors import invalid
from jianzheng.simulate.labels import Case


@dataclass(frozen=True)
class IndicatorKinds:
    """The label kinds an indicator's cases are scored against."""

    detects: tuple[str, ...]
    confirms: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.detects + self.confirms


KindMapping = Mapping[str, IndicatorKinds]


@dataclass(frozen=True)
class Detection:
    """One case a detector reported."""

    indicator: str
    lot_ids: tuple[str, ...]
    party_ids: tuple[str, ...] = ()
    person_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Detection:
        """From a dict with `indicator` (or `code`) and `lot_ids` (or `lot_id`), `party_ids`, `person_ids`."""
        indicator = data.get("indicator") or data.get("code")
        lots = data.get("lot_ids") or ([data["lot_id"]] if data.get("lot_id") else [])
        if not indicator or not isinstance(lots, list | tuple):
            raise invalid("detection", "检出案例须有 indicator 和 lot_ids",
                          "A detected case needs an indicator and lot_ids")
        return cls(str(indicator), tuple(str(x) for x in lots), tuple(str(x) for x in data.get("party_ids") or ()),
                   tuple(str(x) for x in data.get("person_ids") or ()))


@dataclass
class KindScore:
    kind: str
    labels: int = 0
    found: int = 0  # labels matched by a case
    cases: int = 0  # cases of the indicators mapped to this kind
    true_cases: int = 0
    indicators: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # case ids of labels no case matched

    @property
    def recall(self) -> float | None:
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        return self.true_cases / self.cases if self.cases else None


def default_mapping() -> dict[str, IndicatorKinds]:
    """The packaged indicator → kinds mapping."""
    text = (resources.files("jianzheng.simulate") / "indicator_kinds.json").read_text(encoding="utf-8")
    return parse_mapping(json.loads(text))


def _kinds(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(k, str) for k in value):
        return tuple(value)
    return None


def parse_mapping(data: Any) -> dict[str, IndicatorKinds]:
    """From {code: [kind, ...]} or {code: {"detects": [...], "confirms": [...]}} (optionally under "indicators")."""
    indicators = data.get("indicators", data) if isinstance(data, dict) else None
    if not isinstance(indicators, dict):
        raise invalid("mapping", "映射应为 {指标代码: [违规类型, ...]}", "The mapping is {indicator: [kind, ...]}")
    out: dict[str, IndicatorKinds] = {}
    for code, value in indicators.items():
        detects = _kinds(value)
        confirms: tuple[str, ...] | None = ()
        if detects is None and isinstance(value, dict):
            detects, confirms = _kinds(value.get("detects", [])), _kinds(value.get("confirms", []))
        if detects is None or confirms is None:
            raise invalid("mapping", f"指标 {code} 的映射应为违规类型列表或 {{detects, confirms}}",
                          f"The mapping of {code} must be a list of kinds or {{detects, confirms}}")
        out[str(code)] = IndicatorKinds(detects, confirms)
    return out


def load_mapping(path: Path) -> dict[str, IndicatorKinds]:
    return parse_mapping(json.loads(path.read_text(encoding="utf-8")))


def matches(detection: Detection, case: Case) -> bool:
    if detection.lot_ids and case.lot_ids and not set(detection.lot_ids) & set(case.lot_ids):
        return False
    if not detection.lot_ids and not (detection.party_ids and case.party_ids):
        return False
    if detection.party_ids and case.party_ids:
        needed = min(2, len(set(detection.party_ids)), len(set(case.party_ids)))
        if len(set(detection.party_ids) & set(case.party_ids)) < needed:
            return False
    return not (detection.person_ids and case.person_ids and not set(detection.person_ids) & set(case.person_ids))


def score(detections: Iterable[Detection], labels: Iterable[Case],
          mapping: KindMapping | None = None) -> dict[str, KindScore]:
    """Recall and precision per label kind (every kind that has labels or an indicator detecting it)."""
    mapping = default_mapping() if mapping is None else mapping
    labels = list(labels)
    by_kind: dict[str, list[Case]] = {}
    for case in labels:
        by_kind.setdefault(case.kind, []).append(case)
    scores = {kind: KindScore(kind, labels=len(cases)) for kind, cases in sorted(by_kind.items())}
    for indicator, kinds in mapping.items():
        for kind in kinds.detects:
            scores.setdefault(kind, KindScore(kind)).indicators.append(indicator)
    found: set[str] = set()
    for detection in detections:
        mapped = mapping.get(detection.indicator)
        if mapped is None or not mapped.detects:
            continue
        kinds = mapped
        hits = [case for kind in kinds.all for case in by_kind.get(kind, []) if matches(detection, case)]
        found.update(case.case_id for case in hits if case.kind in kinds.detects)
        for kind in kinds.detects:
            scores[kind].cases += 1
            scores[kind].true_cases += bool(hits)
    for kind, cases in by_kind.items():
        scores[kind].found = sum(1 for case in cases if case.case_id in found)
        scores[kind].missed = [case.case_id for case in cases if case.case_id not in found]
    return dict(sorted(scores.items()))


def indicator_precision(detections: Iterable[Detection], labels: Iterable[Case],
                        mapping: KindMapping | None = None) -> dict[str, tuple[int, int]]:
    """Per mapped indicator: (cases, cases matching a label of a kind it detects or confirms)."""
    mapping = default_mapping() if mapping is None else mapping
    labels = list(labels)
    out: dict[str, tuple[int, int]] = {}
    for detection in detections:
        mapped = mapping.get(detection.indicator)
        if mapped is None:
            continue
        true = any(case.kind in mapped.all and matches(detection, case) for case in labels)
        cases, hits = out.get(detection.indicator, (0, 0))
        out[detection.indicator] = (cases + 1, hits + true)
    return dict(sorted(out.items()))


def rule_detections(warnings: Iterable[Mapping[str, Any]]) -> list[Detection]:
    """The platform's own rule warnings (rows of `rule_warnings`) as cases `PROC-RULE:<rule code>`."""
    out = []
    for row in warnings:
        facts = row.get("facts") or {}
        parties = [str(facts[k]) for k in ("bidder_id", "related_bidder_id") if facts.get(k)]
        out.append(Detection(f"PROC-RULE:{row['rule']}", (str(row["lot_id"]),) if row.get("lot_id") else (),
                             tuple(parties)))
    return out


def _percent(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def report(scores: Mapping[str, KindScore]) -> list[str]:
    """Table lines: kind, labels, found, recall, cases, precision."""
    lines = [f"{'违规类型 / kind':<24} {'标签':>4} {'检出':>4} {'召回率':>7} {'案例':>5} {'精确率':>7}",
             f"{'':<24} {'labels':>4} {'found':>4} {'recall':>7} {'cases':>5} {'precision':>7}"]
    for kind, s in scores.items():
        lines.append(f"{kind:<24} {s.labels:>4} {s.found:>4} {_percent(s.recall):>7} {s.cases:>5} "
                     f"{_percent(s.precision):>7}")
    return lines
