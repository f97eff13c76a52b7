"""Ground-truth labels: one record per planted case, with the platform's real identifiers.

A case is recorded when the step that shows it has happened on the platform (the bids
opened, the contract signed late, ...), so a label never points at something a snapshot
of the year does not contain. `labels.jsonl` is written beside the data, one JSON object
per line: ``{"case_id", "kind", "lot_ids", "party_ids", "person_ids", "details"}``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jianzheng.domain.errors import invalid

LABELS_FILE = "labels.jsonl"


@dataclass(frozen=True)
class Case:
    case_id: str
    kind: str
    lot_ids: tuple[str, ...]
    party_ids: tuple[str, ...] = ()
    person_ids: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("lot_ids", "party_ids", "person_ids"):
            data[key] = list(data[key])
        return data


class LabelBook:
    """Collects the cases as the simulation plants them."""

    def __init__(self) -> None:
        self.cases: list[Case] = []

    def add(self, kind: str, lot_ids: Sequence[str], party_ids: Sequence[str] = (),
            person_ids: Sequence[str] = (), **details: Any) -> Case:
        case = Case(f"CASE-{len(self.cases) + 1:04d}", kind, tuple(lot_ids), tuple(dict.fromkeys(party_ids)),
                    tuple(dict.fromkeys(person_ids)), details)
        self.cases.append(case)
        return case

    def per_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(c.kind for c in self.cases).items()))

    def write(self, directory: Path) -> Path:
        path = directory / LABELS_FILE
        with path.open("w", encoding="utf-8") as handle:
            for case in self.cases:
                handle.write(json.dumps(case.as_json(), ensure_ascii=False, sort_keys=True) + "\n")
        return path


def load_labels(path: Path) -> list[Case]:
    """Read a labels file, naming the line at fault if it is not one."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            cases.append(Case(str(data["case_id"]), str(data["kind"]), tuple(data["lot_ids"]),
                              tuple(data.get("party_ids") or ()), tuple(data.get("person_ids") or ()),
                              dict(data.get("details") or {})))
        except (ValueError, KeyError, TypeError):
            raise invalid("labels", f"标签文件第 {number} 行格式错误：{path}",
                          f"Line {number} of the labels file is not a label: {path}") from None
    return cases
